"""One provider's wire format, for queueing a whole Team run's replies on a FaultyHTTPServer."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from agentcore.testing import (
    FaultyHTTPServer,
    HTTPReply,
    anthropic_error,
    anthropic_message,
    anthropic_stream,
    openai_completion,
    openai_error,
    openai_stream,
)

PROVIDERS = ("openai", "anthropic", "openai-compatible")
OPENAI_WIRE = ("openai", "openai-compatible")


@dataclass
class Wire:
    """Builds replies in ``provider``'s format and points the provider at ``server``."""

    provider: str
    server: FaultyHTTPServer
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def label(self) -> str:
        return {"openai": "OpenAI", "anthropic": "Anthropic", "openai-compatible": "compatible"}[
            self.provider
        ]

    def connect(self, monkeypatch: pytest.MonkeyPatch) -> str:
        """Set the provider's variables; returns the model spec to run with."""
        if self.provider == "openai":
            monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai")
            monkeypatch.setenv("OPENAI_BASE_URL", f"{self.server.url}/v1")
            return "openai:gpt-4o-mini"
        if self.provider == "anthropic":
            monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
            monkeypatch.setenv("ANTHROPIC_BASE_URL", self.server.url)
            return "anthropic:claude-haiku-4-5"
        return f"openai-compatible:llama3.1@{self.server.url}/v1"

    def tool_call(self, name: str, args: dict[str, Any] | str) -> HTTPReply:
        """A reply calling one tool; string arguments go out as written (OpenAI wire only)."""
        cid = f"call_{next(self._ids)}"
        if self.provider == "anthropic":
            assert isinstance(args, dict), "the Messages API sends tool input as an object"
            return HTTPReply(json_body=anthropic_message(None, tool_use=(cid, name, args)))
        return HTTPReply(json_body=openai_completion(None, tool_calls=[(cid, name, args)]))

    def plan(self, *steps: str) -> HTTPReply:
        """The planner's submit_plan call: one ``tester`` step per id."""
        return self.tool_call(
            "submit_plan",
            {
                "steps": [
                    {"id": s, "agent": "tester", "instruction": f"do {s}", "depends_on": []}
                    for s in steps
                ]
            },
        )

    def text(self, text: str | None) -> HTTPReply:
        """A plain (not streamed) reply; ``None`` or ``""`` is an empty one."""
        if self.provider == "anthropic":
            return HTTPReply(json_body=anthropic_message(text or None))
        return HTTPReply(json_body=openai_completion(text))

    def stream_events(self, *parts: str) -> list[tuple[str | None, Any]]:
        """A streamed text reply as server-sent events."""
        if self.provider == "anthropic":
            return anthropic_stream(parts)
        return openai_stream(parts)

    def answer(self, *parts: str) -> HTTPReply:
        """The synthesis' streamed answer."""
        return HTTPReply(sse=self.stream_events(*parts))

    def error(
        self, status: int, message: str, *, headers: dict[str, str] | None = None
    ) -> HTTPReply:
        """An HTTP error with the provider's error body."""
        kind = {429: "rate_limit_error", 529: "overloaded_error"}.get(status, "api_error")
        if self.provider == "anthropic":
            body = anthropic_error(kind, message)
        else:
            body = openai_error(message, "requests" if status == 429 else "server_error")
        return HTTPReply(status=status, json_body=body, headers=headers or {})

    def stream_error_event(self, *parts: str) -> HTTPReply:
        """A stream that starts (200 OK, ``parts`` as text) and then sends an error event:
        Anthropic's ``overloaded_error``, OpenAI's ``server_error``."""
        events = self.stream_events(*parts)
        error: tuple[str | None, Any]
        if self.provider == "anthropic":
            head = events[: 3 + len(parts)] if parts else events[:2]  # through the text deltas
            error = ("error", anthropic_error("overloaded_error", "Overloaded"))
        else:
            head = events[: 1 + len(parts)]
            data = json.dumps({"error": {"message": "overloaded", "type": "server_error"}})
            error = (None, data)  # Chat Completions: a data line holding "error"
        return HTTPReply(sse=[*head, error])

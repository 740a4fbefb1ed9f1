"""A loopback HTTP server that speaks canned OpenAI / Anthropic wire formats, and body builders.

The provider SDKs use ``httpx2`` (respx cannot intercept it), so tests point the real SDK at a
real socket on 127.0.0.1 and check both what comes back and what the server received.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One canned HTTP response."""

    status: int = 200
    json_body: Any = None
    sse: list[tuple[str | None, Any]] | None = None  # (event name, data) pairs
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeProvider:
    """Serves queued replies in order and records every request."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Received] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, *replies: Reply) -> FakeProvider:
        self.replies.extend(replies)
        return self

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                provider.requests.append(
                    Received(
                        method="POST",
                        path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=json.loads(raw) if raw else None,
                    )
                )
                reply = (
                    provider.replies.popleft()
                    if provider.replies
                    else Reply(status=500, json_body={"error": {"message": "no canned reply"}})
                )
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.sse is not None:
                    payload = "".join(_sse_event(e, d) for e, d in reply.sse).encode()
                    ctype = "text/event-stream"
                else:
                    payload = json.dumps(reply.json_body).encode()
                    ctype = "application/json"
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", ctype)
                    self.send_header("content-length", str(len(payload)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        return Handler


def _sse_event(event: str | None, data: Any) -> str:
    text = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {text}\n\n"


@contextmanager
def serving() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


# --------------------------------------------------------------------------- OpenAI


def openai_completion(
    text: str | None = "Hello!",
    *,
    tool_calls: Sequence[tuple[str, str, dict[str, Any]]] = (),
    model: str = "gpt-4o-mini-2024-07-18",
    usage: tuple[int, int] = (12, 5),
    cached: int = 0,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
    if tool_calls:
        message["tool_calls"] = [
            {"id": cid, "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
            for cid, n, a in tool_calls
        ]
    return {
        "id": "chatcmpl-abc123",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": sum(usage),
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "system_fingerprint": "fp_test",
    }


def _openai_chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> Any:
    return {
        "id": "chatcmpl-abc123",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "gpt-4o-mini-2024-07-18",
        "system_fingerprint": "fp_test",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **extra,
    }


def openai_stream(
    parts: Sequence[str] = (),
    *,
    tool_call: tuple[str, str, list[str]] | None = None,  # (id, name, argument fragments)
    usage: tuple[int, int] = (12, 5),
) -> list[tuple[str | None, Any]]:
    events: list[Any] = [_openai_chunk({"role": "assistant", "content": "", "refusal": None})]
    events += [_openai_chunk({"content": p}) for p in parts]
    if tool_call is not None:
        cid, name, fragments = tool_call
        events.append(
            _openai_chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": cid,
                            "type": "function",
                            "function": {"name": name, "arguments": ""},
                        }
                    ]
                }
            )
        )
        events += [
            _openai_chunk({"tool_calls": [{"index": 0, "function": {"arguments": f}}]})
            for f in fragments
        ]
    events.append(_openai_chunk({}, "tool_calls" if tool_call else "stop"))
    # stream_options.include_usage: a last chunk with no choices and the usage.
    final = _openai_chunk({})
    final["choices"] = []
    final["usage"] = {
        "prompt_tokens": usage[0],
        "completion_tokens": usage[1],
        "total_tokens": sum(usage),
    }
    events.append(final)
    out: list[tuple[str | None, Any]] = [(None, e) for e in events]
    return [*out, (None, "[DONE]")]


def openai_error(message: str, type_: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


# --------------------------------------------------------------------------- Anthropic


def anthropic_message(
    text: str | None = "Hello!",
    *,
    tool_use: tuple[str, str, dict[str, Any]] | None = None,
    model: str = "claude-sonnet-4-6",
    usage: tuple[int, int] = (12, 5),
) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if text is not None:
        content.append({"type": "text", "text": text})
    if tool_use is not None:
        tid, name, args = tool_use
        content.append({"type": "tool_use", "id": tid, "name": name, "input": args})
    return {
        "id": "msg_01ABC",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if tool_use else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": usage[0],
            "output_tokens": usage[1],
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def anthropic_stream(
    parts: Sequence[str] = (),
    *,
    tool_use: tuple[str, str, list[str]] | None = None,  # (id, name, partial_json fragments)
    usage: tuple[int, int] = (12, 5),
) -> list[tuple[str | None, Any]]:
    start = anthropic_message(None, usage=(usage[0], 1))
    start.update(content=[], stop_reason=None)
    events: list[tuple[str | None, Any]] = [
        ("message_start", {"type": "message_start", "message": start}),
        ("ping", {"type": "ping"}),
    ]
    index = 0
    if parts:
        events.append(
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "text", "text": ""},
                },
            )
        )
        events += [
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "text_delta", "text": p},
                },
            )
            for p in parts
        ]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    if tool_use is not None:
        tid, name, fragments = tool_use
        events.append(
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "tool_use", "id": tid, "name": name, "input": {}},
                },
            )
        )
        events += [
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "input_json_delta", "partial_json": f},
                },
            )
            for f in fragments
        ]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {
                    "stop_reason": "tool_use" if tool_use else "end_turn",
                    "stop_sequence": None,
                },
                # Cumulative usage, as the Messages API reports it in message_delta.
                "usage": {
                    "input_tokens": usage[0],
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 0,
                    "output_tokens": usage[1],
                },
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def anthropic_error(type_: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": type_, "message": message}}

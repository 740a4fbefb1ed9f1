"""What a scripted fault raises, and tool calls whose arguments a model wrote badly.

The exceptions look like the ones the provider SDKs raise (an HTTP status and response
headers, or a transport error), so ``ModelClient`` classifies, retries and waits for them
exactly as it would for a real provider.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import InvalidToolCall, ToolCall

from agentcore.errors import ModelError
from agentcore.testing._script import ScriptFault

__all__ = ["InjectedHTTPError", "fault_exception", "parse_raw_call"]


@dataclass(frozen=True, slots=True)
class _Response:
    status_code: int
    headers: Mapping[str, str] = field(default_factory=dict)


class InjectedHTTPError(Exception):
    """An HTTP error from a provider, as the SDKs raise it: ``status_code`` and ``response``
    (with ``headers``), so retries and ``Retry-After`` work as for a real one."""

    def __init__(self, message: str, *, status: int, headers: Mapping[str, str]) -> None:
        super().__init__(message)
        self.status_code = status
        self.response = _Response(status, dict(headers))


def fault_exception(fault: ScriptFault, *, model: str, where: str) -> Exception:
    """The exception a scripted ``fault`` raises; ``where`` names the script position."""
    text = f"{model}: {fault.message} (scripted fault, {where})"
    if fault.kind == "timeout":
        return TimeoutError(text)
    if fault.kind == "connection_reset":
        return ConnectionResetError(text)
    if fault.kind == "http":
        assert fault.status is not None
        headers: dict[str, str] = {}
        if fault.retry_after_s is not None:
            headers["retry-after"] = f"{fault.retry_after_s:g}"
        return InjectedHTTPError(text, status=fault.status, headers=headers)
    return ModelError(text, model=model, retryable=fault.retryable)


def parse_raw_call(name: str, raw: str, call_id: str | None) -> ToolCall | InvalidToolCall:
    """Parse arguments a model wrote as JSON text, as the provider integrations do: a JSON
    object makes a tool call, anything else an invalid tool call carrying the error."""
    try:
        args: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        error = f"Function {name} arguments are not valid JSON: {exc}"
    else:
        if isinstance(args, dict):
            return ToolCall(name=name, args=args, id=call_id, type="tool_call")
        error = f"Function {name} arguments are {type(args).__name__}, not a JSON object"
    return InvalidToolCall(name=name, args=raw, id=call_id, error=error, type="invalid_tool_call")

"""Response bodies in OpenAI's and Anthropic's wire formats, for :class:`FaultyHTTPServer`.

Completions, streams (as ``(event, data)`` pairs for ``HTTPReply.sse``) and error bodies, in
the shapes the real APIs send, so the real SDKs parse them as they would a provider's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

__all__ = [
    "anthropic_error",
    "anthropic_message",
    "anthropic_stream",
    "openai_completion",
    "openai_error",
    "openai_stream",
]


# --------------------------------------------------------------------------- OpenAI


def openai_completion(
    text: str | None = "Hello!",
    *,
    tool_calls: Sequence[tuple[str, str, dict[str, Any] | str]] = (),
    model: str = "gpt-4o-mini-2024-07-18",
    usage: tuple[int, int] = (12, 5),
    cached: int = 0,
) -> dict[str, Any]:
    """A Chat Completions response body.

    Args:
        text: The message content (``None``: no content, as with tool calls).
        tool_calls: ``(id, name, arguments)``; arguments given as a string are sent as they
            are (e.g. malformed JSON), a dict is encoded.
        model: The model the response names.
        usage: ``(prompt_tokens, completion_tokens)``.
        cached: Cached prompt tokens.
    """
    message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": cid,
                "type": "function",
                "function": {"name": n, "arguments": a if isinstance(a, str) else json.dumps(a)},
            }
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
    """A streamed Chat Completions response: text deltas, one optional tool call whose
    arguments arrive in fragments, the finish chunk, the usage chunk and ``[DONE]``."""
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
    """An OpenAI error body."""
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


# --------------------------------------------------------------------------- Anthropic


def anthropic_message(
    text: str | None = "Hello!",
    *,
    tool_use: tuple[str, str, dict[str, Any]] | None = None,
    model: str = "claude-sonnet-4-6",
    usage: tuple[int, int] = (12, 5),
) -> dict[str, Any]:
    """A Messages API response body: optional text, then an optional ``(id, name, input)``
    tool use."""
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
    """A streamed Messages response: message_start, ping, a text block, an optional tool
    use block whose input arrives as ``partial_json`` fragments, message_delta and
    message_stop."""
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
    """An Anthropic error body (also the data of a stream's ``error`` event)."""
    return {"type": "error", "error": {"type": type_, "message": message}}

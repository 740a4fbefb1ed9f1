"""The fingerprint of a model call's request: the path a run took, without the noise.

Every ``model_call`` trace record carries ``request`` (a 16-hex digest of the whole request),
``request_parts`` (6 hex characters per message, so a replay can say *which* message differs)
and ``request_preview`` (the last messages, short). A cassette replay computes the same
fingerprint for each incoming call and compares: a different digest is a divergence.

What counts, per message in order:

* the role (``system``, ``human``, ``ai``, ``tool``) and, for a tool message, the tool's name
  and whether it failed;
* the text (text blocks of a list content; other blocks such as images or reasoning do not);
* for an AI message, each tool call's name and arguments (JSON, keys sorted).

What does not count: message ids, tool-call ids, usage and response metadata, the lines that
mark content as untrusted (:func:`agentcore.injection.unmark`: the policy's framing, not the
content), and, inside the text and arguments, these volatile parts (found by running the same
scripted task twice and diffing the requests), each replaced by a placeholder before hashing:

* the run id (the literal one, and anything shaped like ``20260101-120000-ab12cd``) -> ``<run>``;
* date-times (``2026-11-22T10:57:02Z``, ``2026-11-22 10:57``) and clock times
  (``10:57:02``) -> ``<time>``;
* durations: a number with a time unit (``0.12 s``, ``took 3 ms``, ``4ms``, ``2 min``)
  -> ``<dur>``;
* generated ids: UUIDs, and hex strings of 8+ characters that mix letters and digits or
  follow ``-``/``_`` (memory ids, model ids such as ``species-logistic-e1dba655``, sandbox
  ids, SHA-256 digests of files) -> ``<id>``;
* the folders of absolute paths (workspaces, temp dirs, data dirs): ``/tmp/x/ws/data/a.csv``
  -> ``…/a.csv`` (the file name still counts);
* secrets, masked as traces and cassettes mask them (:func:`agentcore.log.redact`).

Numbers, file names, SQL results and everything else a model reads count: a changed data file
or prompt is a divergence, a slower tool or another temp dir is not. A replay maps the recorded
ids to the live ones (:func:`id_tokens`, :mod:`agentcore.evals._replay_ids`).
"""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agentcore.injection import unmark
from agentcore.log import redact

__all__ = [
    "ID_TOKEN",
    "PART_CHARS",
    "PREVIEW_CHARS",
    "Fingerprint",
    "canonical",
    "excerpt",
    "fingerprint",
    "id_tokens",
    "normalise",
    "preview_texts",
]

PART_CHARS = 6  # hex characters per message in ``request_parts``
_PREVIEW_MESSAGES = 2
PREVIEW_CHARS = 160

_RUN_ID = re.compile(r"\b\d{8}-\d{6}-[0-9a-f]{4,8}\b")
_DATETIME = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_CLOCK = re.compile(r"\b\d{2}:\d{2}:\d{2}(?:\.\d+)?\b")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
_HEX = re.compile(r"\b[0-9a-f]{8,}\b")
_DURATION = re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|µs|us|ns|s|sec|secs|seconds?|min|mins|minutes?)\b")
_ABS_DIRS = re.compile(r"(?<![\w.:/~-])/(?:[^\s/'\"`:;,()\[\]{}<>|]+/)+")
# Any generated id, in one pass: a run id, a UUID, or a hex string (gated by _is_hex_id).
ID_TOKEN = re.compile(
    rf"(?P<run>{_RUN_ID.pattern})|(?P<uuid>(?i:{_UUID.pattern}))|(?P<hex>{_HEX.pattern})"
)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A request's fingerprint.

    Attributes:
        digest: 16 hex characters over every message.
        parts: :data:`PART_CHARS` hex characters per message, in order.
        preview: The last messages, normalised and cut short: ``#INDEX ROLE: TEXT`` lines.
    """

    digest: str
    parts: str
    preview: str

    def part(self, index: int) -> str:
        """The digest of message ``index`` ("" past the end)."""
        return self.parts[index * PART_CHARS : (index + 1) * PART_CHARS]

    @property
    def count(self) -> int:
        """How many messages the request had."""
        return len(self.parts) // PART_CHARS


def _is_hex_id(match: re.Match[str]) -> bool:
    text = match.group(0)
    start = match.start()
    after_separator = start > 0 and match.string[start - 1] in "-_"
    mixed = not text.isdigit() and any(c.isdigit() for c in text)
    return after_separator or mixed


def _hex_id(match: re.Match[str]) -> str:
    return "<id>" if _is_hex_id(match) else match.group(0)


# Every run sends the same system prompts, and each call of a step its earlier messages again:
# their normalised text is looked up (str hashes are cached, equal strings are usually the same
# object) rather than computed again. Cleared when full.
_SEEN: dict[str, str] = {}
_SEEN_MAX = 1024


def normalise(text: str, run_id: str | None = None) -> str:
    """``text`` with the volatile parts (see the module docstring) replaced by placeholders."""
    if run_id and run_id in text:
        text = text.replace(run_id, "<run>")
    done = _SEEN.get(text)
    if done is None:
        done = _normalise(text)
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        _SEEN[text] = done
    return done


def _normalise(text: str) -> str:
    # Secrets as the trace and the cassette keep them ("***"): a replayed answer that repeated
    # a secret comes back masked, and the next request must still match the recording's.
    text = redact(unmark(text))
    text = _RUN_ID.sub("<run>", text)
    text = _DATETIME.sub("<time>", text)
    text = _CLOCK.sub("<time>", text)
    text = _UUID.sub("<id>", text)
    text = _HEX.sub(_hex_id, text)
    text = _DURATION.sub("<dur>", text)
    return _ABS_DIRS.sub("…/", text)


def id_tokens(text: str, run_id: str | None = None) -> list[str]:
    """The generated ids in ``text`` that :func:`normalise` replaces, in order of appearance.

    Run ids (other than ``run_id``, the run's own, which is left out), UUIDs and hex ids; not
    the hex-looking parts of date-times and clock times. Two texts that normalise the same have
    their ids at the same places, so their lists pair up one to one.
    """
    if run_id and run_id in text:
        text = text.replace(run_id, "<run>")
    text = _CLOCK.sub("<time>", _DATETIME.sub("<time>", text))
    return [m.group(0) for m in ID_TOKEN.finditer(text) if m.lastgroup != "hex" or _is_hex_id(m)]


def _text(message: BaseMessage) -> str:
    content: Any = message.content
    if isinstance(content, str):
        return content
    return "".join(
        block if isinstance(block, str) else str(block.get("text", ""))
        for block in content
        if isinstance(block, str) or (isinstance(block, dict) and block.get("type") == "text")
    )


def canonical(message: BaseMessage, run_id: str | None = None) -> tuple[str, str]:
    """The message's role and its normalised text as it counts (tool calls included)."""
    role = message.type
    text = _text(message)
    if isinstance(message, AIMessage) and message.tool_calls:
        text += "\n" + json.dumps(
            [[c["name"], c["args"]] for c in message.tool_calls],
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
    elif isinstance(message, ToolMessage):
        role = f"tool:{message.name or ''}:{message.status}"
    return role, normalise(text, run_id)


@dataclass(slots=True)
class _Part:
    ref: weakref.ref[BaseMessage]
    run_id: str | None
    content: Any
    calls: Any
    role: str
    text: str
    digest: str


# Each call of a step sends the step's earlier messages again: their parts are kept by message
# object (while it lives, and as long as its content and tool calls are the same objects).
_PARTS: dict[int, _Part] = {}


def _part(message: BaseMessage, run_id: str | None) -> _Part:
    key = id(message)
    calls = message.tool_calls if isinstance(message, AIMessage) else None
    hit = _PARTS.get(key)
    if (
        hit is not None
        and hit.ref() is message
        and hit.run_id == run_id
        and hit.content is message.content
        and hit.calls is calls
    ):
        return hit
    role, text = canonical(message, run_id)
    digest = hashlib.blake2b(f"{role}\n{text}".encode(), digest_size=PART_CHARS // 2).hexdigest()
    ref = weakref.ref(message, lambda _ref: _PARTS.pop(key, None))
    part = _Part(
        ref=ref,
        run_id=run_id,
        content=message.content,
        calls=calls,
        role=role,
        text=text,
        digest=digest,
    )
    _PARTS[key] = part
    return part


def fingerprint(messages: Sequence[BaseMessage], *, run_id: str | None = None) -> Fingerprint:
    """The fingerprint of a request (see the module docstring for what counts).

    Args:
        messages: The messages sent to the model, in order.
        run_id: The run's id, replaced wherever it occurs.

    Returns:
        The digest, one short digest per message, and a preview of the last messages.
    """
    parts: list[str] = []
    preview: list[str] = []
    first_preview = len(messages) - _PREVIEW_MESSAGES
    for index, message in enumerate(messages):
        part = _part(message, run_id)
        parts.append(part.digest)
        if index >= first_preview:
            preview.append(f"#{index} {part.role}: {excerpt(part.text, 0, PREVIEW_CHARS)}")
    joined = "".join(parts)
    digest = hashlib.blake2b(joined.encode(), digest_size=8).hexdigest()
    return Fingerprint(digest=digest, parts=joined, preview="\n".join(preview))


def excerpt(text: str, start: int, length: int = 60) -> str:
    """``length`` characters of ``text`` from ``start``, on one line, ``…`` where cut."""
    piece = text[start : start + length].replace("\n", "⏎")
    return ("…" if start > 0 else "") + piece + ("…" if start + length < len(text) else "")


def preview_texts(preview: str) -> dict[int, tuple[str, str]]:
    """Read a preview back: message index -> (role, text as kept)."""
    out: dict[int, tuple[str, str]] = {}
    for line in preview.splitlines():
        match = re.match(r"^#(\d+) (\S+): (.*)$", line)
        if match:
            out[int(match.group(1))] = (match.group(2), match.group(3))
    return out

"""Cassettes: whole runs recorded as data, to replay them deterministically and offline.

A cassette is a JSONL file (gzipped when its name ends in ``.gz``):

* line 1, the header: ``{"type": "cassette", "version": 1, "suite": ..., "model": ...,
  "recorded_at": ..., "agentcore_version": ...}``;
* then one line per recorded sample: ``{"type": "sample", "case_id": ..., "epoch": ...,
  "task": ..., "run_id": ..., "calls": [...], "tools": [...]}`` (``run_id``, the recorded
  run's, may be missing from older cassettes). Each call is ``{"n", "agent", "step",
  "request", "request_parts", "request_preview", "response", "usage"}`` (``n`` counts the
  sample's calls from 1, ``response`` is ``messages_to_dict([ai_message])[0]``, ``request*`` is
  the request's fingerprint, see :mod:`agentcore.evals._fingerprint`); each tool entry is
  ``{"agent", "step", "tool", "args", "output", "is_error"}``.

Recording the same case and epoch again appends a new line: the last one wins when read.
Secrets are redacted as in a run trace (:func:`agentcore.log.redactor`).

The ``replay:FILE`` model provider plays a cassette back (see
:class:`agentcore.evals._cassette_model.CassetteChatModel`); :func:`sample_scope` tells it
which sample the run in progress is.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from agentcore.errors import SpecError

if TYPE_CHECKING:
    from agentcore.evals._types import Suite

__all__ = [
    "CASSETTE_VERSION",
    "Cassette",
    "CassetteCall",
    "CassetteSample",
    "CassetteWriter",
    "SampleScope",
    "bundled_cassette",
    "current_scope",
    "is_cassette",
    "read_cassette",
    "sample_line",
    "sample_scope",
]

CASSETTE_VERSION = 1
CASSETTE_NAMES = ("cassette.jsonl", "cassette.jsonl.gz")
_HINT = "record one with `agentcore eval SUITE --record FILE`"

log = logging.getLogger("agentcore.evals")


@dataclass(frozen=True, kw_only=True, slots=True)
class CassetteCall:
    """One recorded model call.

    Attributes:
        n: The call's number in its sample, from 1, in the order the run made them.
        agent: The calling agent.
        step: The plan step ("" for the planner and synthesis).
        request: The request's digest ("" when the recording had none).
        request_parts: One short digest per request message.
        request_preview: The last request messages, normalised and cut short.
        response: The answer, as ``messages_to_dict([ai_message])[0]``.
        usage: Tokens and cost the recorded call used.
    """

    n: int
    agent: str
    step: str
    request: str
    request_parts: str
    request_preview: str
    response: dict[str, Any]
    usage: dict[str, Any]

    @property
    def where(self) -> str:
        """``agent 'coder' step 's1'`` (or without a step)."""
        return f"agent '{self.agent}'" + (f" step '{self.step}'" if self.step else "")


@dataclass(frozen=True, kw_only=True, slots=True)
class CassetteSample:
    """One recorded run of one case (``run_id``: the recorded run's, "" if not recorded)."""

    case_id: str
    epoch: int
    task: str
    calls: tuple[CassetteCall, ...]
    tools: tuple[dict[str, Any], ...]
    line: int
    run_id: str = ""

    @property
    def label(self) -> str:
        """``case 'q3' epoch 1``."""
        return f"case '{self.case_id}' epoch {self.epoch}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Cassette:
    """A parsed cassette file."""

    path: Path
    header: dict[str, Any]
    samples: dict[tuple[str, int], CassetteSample]

    @property
    def name(self) -> str:
        """The file's name."""
        return self.path.name


def _open_text(path: Path) -> IO[str]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _first_line(path: Path) -> str | None:
    try:
        with _open_text(path) as lines:
            for line in lines:
                if line.strip():
                    return line
    except (OSError, EOFError, UnicodeDecodeError):
        return None
    return None


def is_cassette(path: str | Path) -> bool:
    """Whether ``path`` is a cassette (its first line is a cassette header), not a run trace."""
    line = _first_line(Path(path))
    if line is None:
        return False
    try:
        first = json.loads(line)
    except json.JSONDecodeError:
        return False
    return isinstance(first, dict) and first.get("type") == "cassette"


def bundled_cassette(suite: Suite) -> Path | None:
    """The cassette shipped next to a suite file (``cassette.jsonl`` or ``.jsonl.gz``), if any."""
    for name in CASSETTE_NAMES:
        path = suite.directory / name
        if path.is_file():
            return path
    return None


# -- reading -------------------------------------------------------------------------------

_CACHE: dict[Path, tuple[tuple[int, int], Cassette]] = {}
_CACHE_LOCK = threading.Lock()


def read_cassette(path: str | Path) -> Cassette:
    """Parse a cassette; parsed once per file version (path, mtime, size) and shared.

    Args:
        path: A ``.jsonl`` or ``.jsonl.gz`` cassette.

    Returns:
        The header and the samples by ``(case_id, epoch)`` (the last recording of each wins).

    Raises:
        SpecError: The file is missing, is not a cassette, or a line is cut or malformed.
    """
    file = Path(path).resolve()
    try:
        stat = file.stat()
    except OSError:
        raise SpecError("cassette file does not exist", path=str(path), hint=_HINT) from None
    version = (stat.st_mtime_ns, stat.st_size)
    with _CACHE_LOCK:
        cached = _CACHE.get(file)
        if cached is not None and cached[0] == version:
            return cached[1]
        cassette = _parse(file, str(path))
        _CACHE[file] = (version, cassette)
        return cassette


def _parse(file: Path, shown: str) -> Cassette:
    from agentcore.testing._replay import parse_line

    header: dict[str, Any] | None = None
    samples: dict[tuple[str, int], CassetteSample] = {}
    try:
        with _open_text(file) as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                if not line.endswith("\n"):
                    raise SpecError(
                        "the line is cut short (the recording stopped while writing it)",
                        path=shown,
                        line=number,
                        hint="delete that line, or record the cassette again",
                    )
                record = parse_line(line, shown, number, hint=_HINT)
                if header is None:
                    header = _header(record, shown, number)
                    continue
                sample = _sample(record, shown, number)
                samples[(sample.case_id, sample.epoch)] = sample
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as exc:
        raise SpecError(f"cannot read the cassette: {exc}", path=shown, hint=_HINT) from None
    if header is None:
        raise SpecError("the cassette is empty", path=shown, hint=_HINT)
    return Cassette(path=file, header=header, samples=samples)


def _header(record: dict[str, Any], path: str, number: int) -> dict[str, Any]:
    if record.get("type") != "cassette":
        raise SpecError(
            "not a cassette: the first line must be a cassette header "
            '({"type": "cassette", "version": 1, ...})',
            path=path,
            line=number,
            hint="replay a run trace with replay:TRACE.jsonl; " + _HINT,
        )
    version = record.get("version")
    if version != CASSETTE_VERSION:
        raise SpecError(
            f"cassette version {version!r} is not supported (this agentcore reads version "
            f"{CASSETTE_VERSION})",
            path=path,
            line=number,
            field="version",
            hint="record the cassette again with this agentcore",
        )
    return record


def _field(record: dict[str, Any], name: str, kind: type, path: str, number: int) -> Any:
    value = record.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise SpecError(
            f"must be {'a ' + kind.__name__ if kind is not list else 'a list'}, "
            f"got {type(value).__name__}",
            path=path,
            line=number,
            field=name,
            hint=_HINT,
        )
    return value


def _sample(record: dict[str, Any], path: str, number: int) -> CassetteSample:
    if record.get("type") != "sample":
        raise SpecError(
            f"expected a sample line, got type {record.get('type')!r}",
            path=path,
            line=number,
            field="type",
            hint=_HINT,
        )
    epoch = _field(record, "epoch", int, path, number)
    calls: list[CassetteCall] = []
    for index, call in enumerate(_field(record, "calls", list, path, number)):
        where = f"calls[{index}]"
        response = call.get("response") if isinstance(call, dict) else None
        if not isinstance(response, dict) or response.get("type") != "ai":
            raise SpecError(
                "must hold an AI message as messages_to_dict([ai_message])[0]",
                path=path,
                line=number,
                field=f"{where}.response",
                hint=_HINT,
            )
        assert isinstance(call, dict)
        calls.append(
            CassetteCall(
                n=int(call.get("n") or index + 1),
                agent=str(call.get("agent") or ""),
                step=str(call.get("step") or ""),
                request=str(call.get("request") or ""),
                request_parts=str(call.get("request_parts") or ""),
                request_preview=str(call.get("request_preview") or ""),
                response=response,
                usage=dict(call.get("usage") or {}),
            )
        )
    tools = record.get("tools") or []
    return CassetteSample(
        case_id=_field(record, "case_id", str, path, number),
        epoch=epoch,
        task=str(record.get("task") or ""),
        calls=tuple(calls),
        tools=tuple(t for t in tools if isinstance(t, dict)),
        line=number,
        run_id=str(record.get("run_id") or ""),
    )


# -- writing -------------------------------------------------------------------------------


def sample_line(case_id: str, epoch: int, trace: list[dict[str, Any]]) -> dict[str, Any]:
    """The cassette line of one sample, from its run trace.

    Args:
        case_id: The case.
        epoch: The epoch, from 1.
        trace: The run's trace records (``RunResult.trace``).

    Returns:
        The sample line (not yet redacted).
    """
    start = next((r for r in trace if r.get("type") == "run_start"), {})
    task, run_id = str(start.get("task") or ""), str(start.get("run_id") or "")
    calls: list[dict[str, Any]] = []
    tools: list[dict[str, Any]] = []
    pending: dict[str, dict[str, Any]] = {}
    for record in trace:
        kind = record.get("type")
        if kind == "model_call":
            calls.append(
                {
                    "n": len(calls) + 1,
                    "agent": record.get("agent") or "",
                    "step": record.get("step") or "",
                    "request": record.get("request") or "",
                    "request_parts": record.get("request_parts") or "",
                    "request_preview": record.get("request_preview") or "",
                    "response": record.get("response"),
                    "usage": record.get("usage") or {},
                }
            )
        elif kind == "tool_call":
            entry: dict[str, Any] = {
                "agent": record.get("agent") or "",
                "step": record.get("step") or "",
                "tool": record.get("tool") or "",
                "args": record.get("args") or {},
                "output": "",
                "is_error": False,
            }
            tools.append(entry)
            pending[str(record.get("call_id"))] = entry
        elif kind == "tool_result":
            done = pending.pop(str(record.get("call_id")), None) or {}
            done.update(output=record.get("output") or "", is_error=bool(record.get("is_error")))
    return {
        "type": "sample",
        "case_id": case_id,
        "epoch": epoch,
        "task": task,
        "run_id": run_id,
        "calls": calls,
        "tools": tools,
    }


class CassetteWriter:
    """Appends recorded samples to a cassette, each line fsynced as it is written.

    Args:
        path: The cassette (``.jsonl``, or ``.jsonl.gz`` to compress it). An existing cassette
            of the same suite is appended to; recording a sample again replaces it on read.
        suite: The suite's name (the header's ``suite``).
        model: The model recorded (the header's ``model``).

    Raises:
        SpecError: ``path`` exists and is not a cassette, or is another suite's cassette.
    """

    def __init__(self, path: str | Path, *, suite: str, model: str) -> None:
        from agentcore import __version__
        from agentcore.log import redactor

        self.path = Path(path)
        self.suite = suite
        self.model = model
        self._redact = redactor()
        self._lock = threading.Lock()
        self._gzip = self.path.name.endswith(".gz")
        self._fh: IO[bytes] | None = None
        if self.path.exists() and self.path.stat().st_size > 0:
            existing = read_cassette(self.path)
            if existing.header.get("suite") != suite:
                raise SpecError(
                    f"this cassette records suite {existing.header.get('suite')!r}, not {suite!r}",
                    path=str(self.path),
                    hint="record into another file",
                )
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            header = {
                "type": "cassette",
                "version": CASSETTE_VERSION,
                "suite": suite,
                "model": model,
                "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "agentcore_version": __version__,
            }
            self._append(header)

    def add(self, case_id: str, epoch: int, trace: list[dict[str, Any]]) -> dict[str, Any]:
        """Record one sample from its run trace (see :func:`sample_line`); returns the line."""
        line: dict[str, Any] = self._redact(sample_line(case_id, epoch, trace))
        self._append(line)
        return line

    def _append(self, record: dict[str, Any]) -> None:
        data = (json.dumps(record, default=str, ensure_ascii=False) + "\n").encode()
        with self._lock:
            if self._gzip:  # one complete gzip member per line: a crash never cuts the file
                with self.path.open("ab") as fh:
                    fh.write(gzip.compress(data))
                    fh.flush()
                    os.fsync(fh.fileno())
                return
            if self._fh is None:
                self._fh = self.path.open("ab")
            self._fh.write(data)
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        """Close the file (adding after closing opens it again)."""
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None

    def __enter__(self) -> CassetteWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- which sample a run is -----------------------------------------------------------------


@dataclass(kw_only=True, slots=True)
class SampleScope:
    """The sample a run in progress is, for the replaying model.

    Attributes:
        case_id: The case.
        epoch: The epoch, from 1.
        unused: Set when the scope ends: recorded calls the run did not make
            (``"case 'q3' epoch 1 call 4 (agent 'coder' step 's1')"``); a replay that made
            fewer calls than recorded is reported here (and logged), not raised.
    """

    case_id: str
    epoch: int
    unused: list[str] = field(default_factory=list)
    _checks: list[Callable[[], list[str]]] = field(default_factory=list)

    def on_exit(self, check: Callable[[], list[str]]) -> None:
        """Have ``check`` (the recorded calls left unanswered) asked when the scope ends."""
        self._checks.append(check)

    def _finish(self) -> None:
        for check in self._checks:
            self.unused.extend(check())
        if self.unused:
            log.warning(
                "replay of case %r epoch %d made fewer model calls than recorded; not made: %s",
                self.case_id,
                self.epoch,
                "; ".join(self.unused),
            )


_SCOPE: ContextVar[SampleScope | None] = ContextVar("agentcore_sample_scope", default=None)


@contextlib.contextmanager
def sample_scope(case_id: str, epoch: int) -> Iterator[SampleScope]:
    """Mark the runs started inside as sample ``(case_id, epoch)``.

    A replaying model answers each call from that sample's recording. The scope is a context
    variable, so it reaches the model calls of the run's asyncio tasks; concurrent runs each
    enter their own.

    Args:
        case_id: The case.
        epoch: The epoch, from 1.

    Yields:
        The scope; after the block, ``scope.unused`` lists recorded calls the run did not make.
    """
    scope = SampleScope(case_id=case_id, epoch=epoch)
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)
        scope._finish()


def current_scope() -> SampleScope | None:
    """The innermost :func:`sample_scope` around this code, if any."""
    return _SCOPE.get()

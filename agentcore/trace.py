"""One JSONL trace per run under ``<data_dir>/runs/<run_id>.jsonl``; secrets redacted.

The trace writer is also where log lines get their ids: as it writes ``run_start``,
``step_start`` and ``tool_call`` it binds ``run_id``, ``agent``, ``step``, ``tool`` and
``tool_call_id`` into structlog's context (unbound again at ``run_end``, ``step_end``,
``tool_result``), so every log line of the run, the step or the tool call carries them. Each
step and each tool call runs in its own asyncio task (its own context), so parallel ones do
not mix. Trace sinks (:class:`TraceSink`, e.g. the OpenTelemetry exporter) get every record
after it is written.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from agentcore.log import redactor

log = logging.getLogger("agentcore.trace")

#: Log context keys the trace binds.
LOG_CONTEXT_KEYS = ("run_id", "agent", "step", "tool", "tool_call_id")


class TraceSink(Protocol):
    """Receives every record of one run's trace, redacted, as it is written."""

    def record(self, record: Mapping[str, Any]) -> None:
        """Take one record; an exception is logged and the run goes on."""

    def close(self) -> None:
        """The run's trace is closed."""


def _bind_log_context(record: Mapping[str, Any]) -> None:
    from structlog import contextvars as cv

    kind = record["type"]
    if kind == "run_start":
        cv.bind_contextvars(run_id=record["run_id"])
    elif kind == "step_start":
        cv.bind_contextvars(agent=record.get("agent"), step=record.get("step"))
    elif kind == "tool_call":
        cv.bind_contextvars(tool=record.get("tool"), tool_call_id=record.get("call_id"))


def _unbind_log_context(record: Mapping[str, Any]) -> None:
    from structlog import contextvars as cv

    kind = record["type"]
    if kind == "run_end":
        cv.unbind_contextvars(*LOG_CONTEXT_KEYS)
    elif kind == "step_end":
        cv.unbind_contextvars("agent", "step", "tool", "tool_call_id")
    elif kind == "tool_result":
        cv.unbind_contextvars("tool", "tool_call_id")


class TraceWriter:
    """Appends trace records to a run's JSONL file and keeps them in memory.

    Each record is flushed as it is written, so a crash loses nothing already traced; a
    resumed run appends to the same file.

    Args:
        path: The run's trace file.
        run_id: The run's id, in every record.
        sinks: Also given every record (redacted), e.g. the OpenTelemetry exporter.
    """

    def __init__(self, path: Path, run_id: str, *, sinks: Sequence[TraceSink] = ()) -> None:
        self.path = path
        self.run_id = run_id
        self.records: list[dict[str, Any]] = []
        self._redact = redactor()
        self._sinks = list(sinks)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("a", encoding="utf-8")

    def write(self, type_: str, **fields: Any) -> dict[str, Any]:
        """Write one record of ``type_`` and return it (redacted)."""
        record: dict[str, Any] = self._redact(
            {"ts": round(time.time(), 3), "run_id": self.run_id, "type": type_, **fields}
        )
        _bind_log_context(record)
        self.records.append(record)
        self._fh.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")
        self._fh.flush()
        for sink in self._sinks:
            try:
                sink.record(record)
            except Exception:  # telemetry never breaks a run
                log.warning("trace sink %s failed", type(sink).__name__, exc_info=True)
        _unbind_log_context(record)
        return record

    def close(self) -> None:
        """Close the file and the sinks; the run's ids leave the log context."""
        self._fh.close()
        for sink in self._sinks:
            try:
                sink.close()
            except Exception:
                log.warning("trace sink %s failed to close", type(sink).__name__, exc_info=True)
        _unbind_log_context({"type": "run_end"})


def read_trace(path: Path) -> list[dict[str, Any]]:
    """Read a run trace; lines cut short by a crash are skipped."""
    out: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out

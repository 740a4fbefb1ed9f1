"""The results file: one JSON line per finished task, on disk as soon as the task ends.

Each line is flushed and fsynced, so a crash or a kill keeps every result written before it.
A line cut short by a crash (the last one, without its newline) is dropped when the batch is
resumed; any other line that is not a result makes the file refused, before anything runs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from agentcore.errors import UserError

STATUSES = frozenset({"completed", "limit_reached", "failed", "interrupted", "cancelled"})
FINAL_STATUSES = frozenset({"completed", "limit_reached", "failed"})
"""A task whose last line has one of these is done: ``--resume`` skips it."""


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskResult:
    """What one task came to: one line of the results file.

    Attributes:
        id: The task's id.
        run_id: Its run (``agentcore runs``, the trace under the data dir's ``runs/``).
        status: ``completed``, ``limit_reached``, ``failed``, or ``interrupted`` when the
            batch was stopped while it ran (``--resume`` carries it on).
        answer: The final answer (at a limit or failure: the best from partial results).
        error: What went wrong, if anything.
        limit: The limit that stopped the run, if any.
        model: The model spec the run used.
        usage: Tokens and cost: ``{"total": {...}, "by_agent": {...}, "by_model": {...}}``.
        duration_s: Wall time of the task in this batch invocation.
        started_at: Unix time the task started (this invocation).
        finished_at: Unix time it ended.
        resumed: Whether it continued a checkpointed run.
        workspace: The run's workspace directory.
        artifacts: Files the run wrote, relative to ``workspace``.
        approvals: Tool calls that needed approval, each with the decision that
            ``[approvals] unattended`` made (``{"agent", "step", "tool", "decision", "by"}``).
        worker: ``host:pid`` of the Ray worker that ran the task (None in-process).
        metadata: The task's ``metadata``, as given.
    """

    id: str
    run_id: str
    status: str
    answer: str = ""
    error: str | None = None
    limit: str | None = None
    model: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    started_at: float = 0.0
    finished_at: float = 0.0
    resumed: bool = False
    workspace: str = ""
    artifacts: tuple[str, ...] = ()
    approvals: tuple[dict[str, Any], ...] = ()
    worker: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def cost_usd(self) -> float:
        """Estimated cost of the run (0 when unknown)."""
        return _cost(self.usage)

    def to_json(self) -> dict[str, Any]:
        """The result line's object (the first seven keys are the stable core)."""
        return {
            "id": self.id,
            "run_id": self.run_id,
            "status": self.status,
            "answer": self.answer,
            "usage": self.usage,
            "duration_s": self.duration_s,
            "error": self.error,
            "limit": self.limit,
            "model": self.model,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "resumed": self.resumed,
            "workspace": self.workspace,
            "artifacts": list(self.artifacts),
            "approvals": list(self.approvals),
            "worker": self.worker,
            "metadata": self.metadata,
        }


def _cost(usage: Any) -> float:
    try:
        return float(usage["total"]["cost_usd"] or 0.0)
    except (KeyError, TypeError, ValueError):
        return 0.0


@dataclass(frozen=True, kw_only=True, slots=True)
class PastResults:
    """What a results file already holds.

    Attributes:
        last: The last result line of each task id, in file order.
        lines: Result lines in the file.
        cut_at: Byte offset of a last line cut short by a crash (dropped on resume), or None.
    """

    last: dict[str, dict[str, Any]]
    lines: int
    cut_at: int | None = None

    def done(self) -> dict[str, dict[str, Any]]:
        """Tasks whose last line has a final status."""
        return {k: v for k, v in self.last.items() if v["status"] in FINAL_STATUSES}


_NOT_RESULTS_HINT = (
    "--out must be a results file written by agentcore batch (JSONL); pick another --out"
)


def read_results(path: Path) -> PastResults:
    """Read a results file (missing: empty).

    Raises:
        UserError: ``path`` is a folder, or a line other than a cut-short last one is not a
            result object (with an ``id`` and a known ``status``).
    """
    if path.is_dir():
        raise UserError(f"--out {path} is a folder", hint="give the path of a .jsonl file")
    if not path.exists():
        return PastResults(last={}, lines=0)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc}", hint=_NOT_RESULTS_HINT) from None
    last: dict[str, dict[str, Any]] = {}
    count = 0
    offset = 0
    raw_lines = data.split(b"\n")
    for number, raw in enumerate(raw_lines, start=1):
        start, offset = offset, offset + len(raw) + 1
        if not raw.strip():
            continue
        is_tail = number == len(raw_lines)  # no newline after it: maybe cut short
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            if is_tail:
                return PastResults(last=last, lines=count, cut_at=start)
            raise UserError(
                f"{path}:{number}: not JSON ({_reason(exc)}): this is not a JSONL results file",
                hint=_NOT_RESULTS_HINT,
            ) from None
        problem = _not_a_result(record)
        if problem:
            raise UserError(
                f"{path}:{number}: not a batch result ({problem})", hint=_NOT_RESULTS_HINT
            )
        last.pop(record["id"], None)  # keep file order of the latest line per id
        last[record["id"]] = record
        count += 1
    return PastResults(last=last, lines=count)


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    return "not UTF-8 text"


def _not_a_result(record: Any) -> str | None:
    if not isinstance(record, dict):
        return f"a JSON {type(record).__name__}, not an object"
    if not isinstance(record.get("id"), str):
        return "no string 'id'"
    if record.get("status") not in STATUSES:
        return f"unknown status {record.get('status')!r}"
    return None


class ResultWriter:
    """Appends result lines to the results file, each flushed and fsynced.

    Holds an exclusive lock on the file (where ``fcntl`` exists) so that two batches cannot
    write the same results file.

    Args:
        path: The results file; created with its folder when missing.
        cut_at: Drop everything from this byte offset first (a line cut short by a crash).
    """

    def __init__(self, path: Path, *, cut_at: int | None = None) -> None:
        from agentcore.log import redactor

        self.path = path
        self._redact = redactor()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[bytes] = path.open("ab")
        try:
            _lock(self._fh, path)
            if cut_at is not None:
                self._fh.truncate(cut_at)
            self._fh.seek(0, os.SEEK_END)
            if self._fh.tell() > 0 and not _ends_with_newline(path):
                self._fh.write(b"\n")  # a complete last line someone left without its newline
        except BaseException:
            self._fh.close()
            raise

    def write(self, result: TaskResult) -> None:
        """Write one result line (secrets redacted) and make it durable before returning."""
        line = json.dumps(self._redact(result.to_json()), ensure_ascii=False, default=str) + "\n"
        self._fh.write(line.encode("utf-8"))
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        """Release the lock and close the file."""
        self._fh.close()


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


def _lock(fh: IO[bytes], path: Path) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory lock; one batch per results file is on you
        return
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise UserError(
            f"another agentcore batch is writing {path}",
            hint="wait for it to finish, or give this batch another --out",
        ) from None

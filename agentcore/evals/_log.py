"""The eval log: one JSONL file per eval, written as the eval goes, read back whole.

Line 1 is the :class:`EvalHeader`, then one :class:`SampleRecord` per finished sample (each
fsynced as written, so a crash loses at most the sample being written), and last the
:class:`EvalSummary`. A log without its summary is unfinished: ``--resume`` carries it on.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar

from pydantic import BaseModel, ValidationError

from agentcore.errors import UserError
from agentcore.evals._types import EvalHeader, EvalLog, EvalSummary, SampleRecord

__all__ = ["LogWriter", "read_log"]

_M = TypeVar("_M", bound=BaseModel)
_WHAT_TO_PASS = "pass an eval log: the <eval_id>.jsonl file `agentcore eval SUITE` wrote in --out"


class LogWriter:
    """Writes an eval log line by line, each line flushed and fsynced.

    Use :meth:`create` for a new log and :meth:`carry_on` for an unfinished one.
    """

    def __init__(self, path: Path, fh: IO[str]) -> None:
        from agentcore.log import redactor

        self._redact = redactor()
        self.path = path
        self._fh = fh

    @classmethod
    def create(cls, path: Path, header: EvalHeader) -> LogWriter:
        """Start a new log at ``path`` with its header.

        Raises:
            UserError: ``path`` exists already (a log is never overwritten).
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fh = path.open("x", encoding="utf-8")
        except FileExistsError:
            raise UserError(
                f"{path} exists already", hint="an eval log is never overwritten"
            ) from None
        writer = cls(path, fh)
        writer._write(header)
        return writer

    @classmethod
    def carry_on(cls, path: Path) -> LogWriter:
        """Append to an unfinished log, dropping a last line a crash cut short."""
        with path.open("rb+") as raw:
            data = raw.read()
            if data and not data.endswith(b"\n"):
                raw.truncate(data.rfind(b"\n") + 1)
        return cls(path, path.open("a", encoding="utf-8"))

    def write_sample(self, record: SampleRecord) -> None:
        """Append one sample line (durable when this returns)."""
        self._write(record)

    def write_summary(self, summary: EvalSummary) -> None:
        """Append the summary line: the log is finished."""
        self._write(summary)

    def _write(self, line: BaseModel) -> None:
        # Secrets never reach the log (a case's input, an answer, an error may hold one).
        data = self._redact(line.model_dump(mode="json"))
        self._fh.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        """Close the file."""
        self._fh.close()

    def __enter__(self) -> LogWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _looks_like(first: Any, text: str) -> str:
    """What a file that is not an eval log seems to be, for the error message."""
    if isinstance(first, dict):
        kind = first.get("type")
        if kind in ("run_start", "model_call", "tool_call", "step_start"):
            return "a run trace"
        if kind == "cassette" or "cassette" in first:
            return "a cassette (replay it with --model replay:FILE)"
        if {"id", "status", "run_id"} <= first.keys():
            return "a batch results file"
        return "a JSON file of another kind"
    if text.lstrip().startswith(("name:", "cases:", "description:")) or "\ncases:" in text:
        return "a suite file (run it with: agentcore eval FILE)"
    return "not JSON lines"


def read_log(path: str | Path) -> EvalLog:
    """Read an eval log, finished or not.

    A last line cut short (the eval was killed while writing it) is ignored.

    Raises:
        UserError: The file is missing, is not an eval log (the message says what it looks
            like and what to pass), or has a damaged line before its last.
    """
    file = Path(path)
    if not file.is_file():
        raise UserError(f"{file}: no such eval log", hint=_WHAT_TO_PASS)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{file}: cannot read it: {exc}", hint=_WHAT_TO_PASS) from None
    lines = text.splitlines()
    first: Any = None
    if lines:
        try:
            first = json.loads(lines[0])
        except json.JSONDecodeError:
            first = None
    if not isinstance(first, dict) or first.get("type") != "header":
        raise UserError(
            f"{file} is not an eval log: it looks like {_looks_like(first, text)}",
            hint=_WHAT_TO_PASS,
        )
    header = _parse(file, 1, first, EvalHeader)
    log = EvalLog(header=header, path=file)
    cut_ok = not text.endswith("\n")
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines) and cut_ok:
                break  # the line being written when the eval stopped
            raise UserError(
                f"{file}:{number}: not a JSON line: the log is damaged",
                hint="remove that line to carry on from the lines before it",
            ) from None
        kind = data.get("type") if isinstance(data, dict) else None
        if kind == "sample":
            log.samples.append(_parse(file, number, data, SampleRecord))
        elif kind == "summary":
            log.summary = _parse(file, number, data, EvalSummary)
        else:
            raise UserError(
                f"{file}:{number}: unexpected line of type {kind!r}", hint=_WHAT_TO_PASS
            )
    return log


def _parse(file: Path, number: int, data: Any, model: type[_M]) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(map(str, err["loc"]))
        raise UserError(
            f"{file}:{number}: not a valid {model.__name__} line: '{field}': {err['msg']}",
            hint="was it written by another version of agentcore?",
        ) from None

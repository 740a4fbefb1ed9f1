"""Recent runs, read from their traces (``<data_dir>/runs/<run_id>.jsonl``), for ``/runs``."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TAIL_BYTES = 16_384


@dataclass(frozen=True, kw_only=True, slots=True)
class RunSummary:
    """One run as ``/runs`` lists it."""

    run_id: str
    task: str
    model: str
    status: str  # "running?" when the trace has no end: still running, or killed
    started: float
    cost_usd: float | None = None


def _first_record(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        line = fh.readline()
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return record if isinstance(record, dict) else {}


def _last_run_end(path: Path) -> dict[str, Any] | None:
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - _TAIL_BYTES))
        tail = fh.read().decode("utf-8", "replace").splitlines()
    for line in reversed(tail):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("type") == "run_end":
            return record
        if isinstance(record, dict) and record.get("type") == "run_start":
            return None  # a resumed run that has not ended since
    return None


def recent_runs(runs_dir: Path, *, limit: int = 10) -> list[RunSummary]:
    """The ``limit`` most recently active runs, newest first; unreadable traces are skipped."""
    try:
        paths = sorted(runs_dir.glob("*.jsonl"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return []
    out: list[RunSummary] = []
    for path in paths[:limit]:
        try:
            start = _first_record(path)
            end = _last_run_end(path)
        except OSError:
            continue
        usage = (end or {}).get("usage") or {}
        cost = usage.get("cost_usd") if isinstance(usage, dict) else None
        out.append(
            RunSummary(
                run_id=path.stem,
                task=str(start.get("task") or ""),
                model=str(start.get("model") or ""),
                status=str(end.get("status")) if end else "running?",
                started=float(start.get("ts") or 0.0),
                cost_usd=float(cost) if isinstance(cost, int | float) else None,
            )
        )
    return out

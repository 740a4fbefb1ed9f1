"""One JSONL trace per run under ``<data_dir>/runs/<run_id>.jsonl``; secrets redacted."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from agentcore.log import redactor


class TraceWriter:
    """Appends trace records to a run's JSONL file and keeps them in memory.

    Each record is flushed as it is written, so a crash loses nothing already traced; a
    resumed run appends to the same file.
    """

    def __init__(self, path: Path, run_id: str) -> None:
        self.path = path
        self.run_id = run_id
        self.records: list[dict[str, Any]] = []
        self._redact = redactor()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("a", encoding="utf-8")

    def write(self, type_: str, **fields: Any) -> dict[str, Any]:
        """Write one record of ``type_`` and return it (redacted)."""
        record: dict[str, Any] = self._redact(
            {"ts": round(time.time(), 3), "run_id": self.run_id, "type": type_, **fields}
        )
        self.records.append(record)
        self._fh.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")
        self._fh.flush()
        return record

    def close(self) -> None:
        """Close the file."""
        self._fh.close()


def read_trace(path: Path) -> list[dict[str, Any]]:
    """Read a run trace; lines cut short by a crash are skipped."""
    out: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out

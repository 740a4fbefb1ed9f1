"""SQLite checkpoints under the data dir, and pruning by a retention setting.

Every checkpoint and pending write is serialized by :class:`RedactingSerializer`: secrets
(see :func:`agentcore.log.bytes_redactor`) are masked before a byte reaches the database.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from agentcore.log import bytes_redactor

#: How long a write waits for another connection's (many runs share the file).
BUSY_TIMEOUT_S = 60.0
#: A run whose trace changed this recently and has no end is taken as still running.
IN_FLIGHT_S = 3600.0
_SETUP_ATTEMPTS = 8


class RedactingSerializer(JsonPlusSerializer):
    """LangGraph's serializer, with secrets masked in what it writes.

    Masking keeps lengths, so the msgpack (or pickle) still decodes: a resumed run sees
    ``****`` where the secret was. A subclass rather than a wrapper, so LangGraph's msgpack
    allowlist (``with_msgpack_allowlist``) keeps working.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._mask = bytes_redactor()

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        """Serialize ``obj`` as LangGraph does, then mask secrets in the bytes."""
        type_, data = super().dumps_typed(obj)
        return type_, self._mask(bytes(data))


@asynccontextmanager
async def open_checkpointer(path: Path) -> AsyncIterator[AsyncSqliteSaver]:
    """Open (creating if needed) the SQLite checkpoint store at ``path``.

    Many runs may share the file at once (a batch runs dozens in one process): writes wait
    up to ``BUSY_TIMEOUT_S`` for each other, and ``synchronous=NORMAL`` (with WAL, durable
    across a crash of the process) keeps commits cheap.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    async with aiosqlite.connect(str(path), timeout=BUSY_TIMEOUT_S) as conn:
        saver = AsyncSqliteSaver(conn, serde=RedactingSerializer())
        for attempt in range(_SETUP_ATTEMPTS):
            try:
                # Switching a new file to WAL ignores the busy timeout: runs starting together
                # on a new data dir can collide here, so try again.
                await saver.setup()
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == _SETUP_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.05 * 2**attempt)
        await conn.execute("PRAGMA synchronous=NORMAL")
        yield saver


async def list_runs(saver: AsyncSqliteSaver) -> list[str]:
    """Checkpointed run ids, newest first (checkpoint ids are time-ordered)."""
    async with saver.conn.execute(
        "SELECT thread_id, MAX(checkpoint_id) AS last FROM checkpoints "
        "GROUP BY thread_id ORDER BY last DESC"
    ) as cursor:
        return [str(row[0]) for row in await cursor.fetchall()]


async def prune_runs(
    saver: AsyncSqliteSaver,
    *,
    keep: int,
    runs_dir: Path | None = None,
    older_than_s: float | None = None,
) -> list[str]:
    """Delete the checkpoints and traces of all but the newest ``keep`` runs.

    Runs are ordered by their trace's last change (a run with checkpoints but no trace counts
    as oldest); runs with a trace but no checkpoint (one that failed before its first step)
    count too, so neither the database nor the ``runs/`` folder grows without end. With
    ``older_than_s``, runs last changed longer ago than that go as well.

    A run that may still be going (its trace has no end and changed within ``IN_FLIGHT_S``)
    is kept, whatever its age: many runs at once (a batch) must not prune each other.

    Returns:
        The run ids that were deleted.
    """
    checkpointed = await list_runs(saver)
    traces = await asyncio.to_thread(_traces, runs_dir)
    known = set(checkpointed)
    runs = checkpointed + sorted(r for r in traces if r not in known)

    def changed(run_id: str) -> float:
        try:
            return traces[run_id].stat().st_mtime if run_id in traces else 0.0
        except OSError:
            return 0.0

    when = {r: changed(r) for r in runs}
    runs.sort(key=lambda r: when[r], reverse=True)  # stable: checkpoint order breaks ties
    old = runs[keep:]
    if older_than_s is not None:
        cutoff = time.time() - older_than_s
        old += [r for r in runs[:keep] if when[r] < cutoff]
    old = [r for r in old if r not in traces or not _in_flight(traces[r])]
    for run_id in old:
        if run_id in known:
            await saver.adelete_thread(run_id)
        if run_id in traces:
            traces[run_id].unlink(missing_ok=True)
    return old


def _in_flight(trace: Path) -> bool:
    """Whether the run of this trace may still be going: no ``run_end`` yet, recently changed."""
    try:
        if time.time() - trace.stat().st_mtime > IN_FLIGHT_S:
            return False
        with trace.open("rb") as fh:
            fh.seek(0, 2)
            fh.seek(max(0, fh.tell() - 4096))
            last = fh.read().decode("utf-8", "replace").strip().splitlines()[-1:]
    except OSError:
        return False
    try:
        return not last or json.loads(last[0]).get("type") != "run_end"
    except ValueError:
        return True  # a line being written


def _traces(runs_dir: Path | None) -> dict[str, Path]:
    return {p.stem: p for p in runs_dir.glob("*.jsonl")} if runs_dir is not None else {}

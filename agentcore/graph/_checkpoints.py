"""SQLite checkpoints under the data dir, and pruning by a retention setting.

Every checkpoint and pending write is serialized by :class:`RedactingSerializer`: secrets
(see :func:`agentcore.log.bytes_redactor`) are masked before a byte reaches the database.
:class:`InlineSqliteSaver` writes them on the event loop's own thread.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
)
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

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


class InlineSqliteSaver(SqliteSaver):
    """LangGraph's SQLite saver, its async methods run on the event loop's own thread.

    Each write is one short transaction that never spans an ``await`` (WAL with
    ``synchronous=NORMAL``: no fsync per commit, durable across a crash of the process).
    Running it inline costs less than aiosqlite's hop to its worker thread for every
    statement, which was about a quarter of a run's framework overhead. Runs in one process
    never wait for each other here (no transaction is left open across an ``await``); a
    write from another process (a Ray executor) is waited for up to ``BUSY_TIMEOUT_S``.
    """

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """:meth:`get_tuple`, inline."""
        return self.get_tuple(config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        """:meth:`list`, read whole first: its cursor holds the saver's lock while open."""
        for item in list(self.list(config, filter=filter, before=before, limit=limit)):
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """:meth:`put`, inline."""
        return self.put(config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """:meth:`put_writes`, inline."""
        self.put_writes(config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        """:meth:`delete_thread`, inline."""
        self.delete_thread(thread_id)

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """:meth:`get_delta_channel_history`, inline."""
        return self.get_delta_channel_history(config=config, channels=channels)


@asynccontextmanager
async def open_checkpointer(path: Path) -> AsyncIterator[InlineSqliteSaver]:
    """Open (creating if needed) the SQLite checkpoint store at ``path``.

    Many runs may share the file at once (a batch runs dozens in one process): writes wait
    up to ``BUSY_TIMEOUT_S`` for each other, and ``synchronous=NORMAL`` (with WAL, durable
    across a crash of the process) keeps commits cheap.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    with closing(conn):
        saver = InlineSqliteSaver(conn, serde=RedactingSerializer())
        for attempt in range(_SETUP_ATTEMPTS):
            try:
                # Switching a new file to WAL ignores the busy timeout: runs starting together
                # on a new data dir can collide here, so try again.
                saver.setup()
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == _SETUP_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.05 * 2**attempt)
        conn.execute("PRAGMA synchronous=NORMAL")
        yield saver


async def list_runs(saver: SqliteSaver) -> list[str]:
    """Checkpointed run ids, newest first (checkpoint ids are time-ordered)."""
    with saver.cursor(transaction=False) as cursor:
        cursor.execute(
            "SELECT thread_id, MAX(checkpoint_id) AS last FROM checkpoints "
            "GROUP BY thread_id ORDER BY last DESC"
        )
        return [str(row[0]) for row in cursor.fetchall()]


async def prune_runs(
    saver: SqliteSaver,
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

"""SQLite checkpoints under the data dir, and pruning by a retention setting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver


@asynccontextmanager
async def open_checkpointer(path: Path) -> AsyncIterator[AsyncSqliteSaver]:
    """Open (creating if needed) the SQLite checkpoint store at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    async with AsyncSqliteSaver.from_conn_string(str(path)) as saver:
        await saver.setup()
        yield saver


async def list_runs(saver: AsyncSqliteSaver) -> list[str]:
    """Checkpointed run ids, newest first (checkpoint ids are time-ordered)."""
    async with saver.conn.execute(
        "SELECT thread_id, MAX(checkpoint_id) AS last FROM checkpoints "
        "GROUP BY thread_id ORDER BY last DESC"
    ) as cursor:
        return [str(row[0]) for row in await cursor.fetchall()]


async def prune_runs(
    saver: AsyncSqliteSaver, *, keep: int, runs_dir: Path | None = None
) -> list[str]:
    """Delete the checkpoints (and traces) of all but the newest ``keep`` runs.

    Returns:
        The run ids that were deleted.
    """
    old = (await list_runs(saver))[keep:]
    for run_id in old:
        await saver.adelete_thread(run_id)
        if runs_dir is not None:
            (runs_dir / f"{run_id}.jsonl").unlink(missing_ok=True)
    return old

"""The ``remember`` and ``recall`` tools: long-term memory for agents.

Importing this module is cheap: LanceDB and the embedder load on the first call, and one
:class:`Memory` per location is kept for the process.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from agentcore.errors import AgentCoreError, ToolError, UserError
from agentcore.tools._context import ToolContext
from agentcore.tools._decorator import tool
from agentcore.tools._spec import Risk

if TYPE_CHECKING:
    from agentcore.config import Settings
    from agentcore.memory._store import Memory

__all__ = ["recall", "remember"]

MAX_RECALL = 20

_lock = threading.Lock()
_open: dict[tuple[str, str, str | None], Memory] = {}


def _settings(ctx: ToolContext) -> Settings:
    if ctx.agentcore_settings is not None:
        return ctx.agentcore_settings
    from agentcore.config import load_settings

    return load_settings({"data_dir": str(ctx.data_dir)})


def _memory(ctx: ToolContext) -> Memory:
    """The memory this run's settings point at, opened once per process."""
    settings = _settings(ctx)
    key = (settings.memory_uri, settings.memory.embedder, settings.memory.project)
    with _lock:
        if key not in _open:
            from agentcore.memory._store import Memory

            _open[key] = Memory.open(settings)
        return _open[key]


def _tool_error(exc: AgentCoreError) -> ToolError:
    if isinstance(exc, UserError):
        hint = f" ({exc.hint})" if exc.hint else ""
        return ToolError(f"{exc.message}{hint}")
    return ToolError(f"long-term memory is unavailable: {exc}")


@tool(risk=Risk.WRITES, timeout_s=60.0)
def remember(
    ctx: ToolContext,
    text: str,
    kind: Literal["fact", "lesson", "preference", "result"] = "fact",
    scope: Literal["project", "user", "agent"] = "project",
) -> str:
    """Save one short, self-contained note to long-term memory, for this and later runs.

    Remember what will still be true and useful later: facts about the project or its data,
    lessons learned from a mistake, the user's preferences, key results. Write it so it makes
    sense without this conversation. Do not store secrets. A note that repeats one already
    stored is merged with it.

    Args:
        text: The note, e.g. "The sales table's amounts are in cents, not dollars."
        kind: fact, lesson (how to do better next time), preference (of the user) or result.
        scope: project (this project, the default), user (every project), or agent (only you).
    """
    try:
        record = _memory(ctx).add(
            text,
            kind=kind,
            scope=scope,
            agent=ctx.agent,
            run_id=ctx.run_id,
            source=f"agent:{ctx.agent}",
        )
    except AgentCoreError as exc:
        raise _tool_error(exc) from None
    if record.merged:
        return (
            f"Already remembered (now stored {record.hits} times), id {record.id[:8]}: "
            f"{record.text}"
        )
    return f"Remembered as a {record.kind} ({record.scope} scope), id {record.id[:8]}."


@tool(risk=Risk.READ_ONLY, timeout_s=60.0, untrusted_output=True)
def recall(ctx: ToolContext, query: str, k: int = 5) -> str:
    """Search long-term memory: notes saved in this and earlier runs, most relevant first.

    Use it before starting work that may have been done or learned before, and when the user
    refers to something from an earlier session. Matches words and meaning.

    Args:
        query: What you want to know, in plain words.
        k: How many notes to return (1 to 20).
    """
    try:
        hits = _memory(ctx).search(query, k=max(1, min(k, MAX_RECALL)), agent=ctx.agent)
    except AgentCoreError as exc:
        raise _tool_error(exc) from None
    if not hits:
        return f"No memories match {query!r}."
    lines = [f"{len(hits)} memories, most relevant first:"]
    for n, hit in enumerate(hits, start=1):
        r = hit.record
        day = datetime.fromtimestamp(r.updated_at, tz=UTC).date().isoformat()
        lines.append(f"{n}. [{r.kind}, {r.scope}, {day}, id {r.id[:8]}] {r.text}")
    return "\n".join(lines)

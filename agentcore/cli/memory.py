"""``agentcore memory``: add, search, list, forget and count long-term memories by hand."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from agentcore.cli._common import cli_settings, print_json, stdout_console
from agentcore.errors import UserError

if TYPE_CHECKING:
    from agentcore.memory import Memory, MemoryRecord

app = typer.Typer(
    name="memory",
    help=(
        "Long-term memory: what agents (and you) stored across runs. Kinds: fact, lesson, "
        "preference, result. Scopes: project (this directory), user (everywhere), agent."
    ),
    no_args_is_help=True,
)

KindOption = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        "-K",
        help="Only this kind (repeat for several): fact, lesson, preference, result.",
    ),
]
ScopeOption = Annotated[
    str | None, typer.Option("--scope", help="Only this scope: project, user or agent.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _open(ctx: typer.Context, *, reembed: bool = False) -> Memory:
    settings = cli_settings(ctx)
    from agentcore.memory import Memory

    return Memory.open(settings, reembed=reembed)


def _checked_filters(kinds: list[str] | None, scope: str | None) -> None:
    """Refuse a bad --kind or --scope before the memory is opened."""
    from agentcore.memory._store import check_kind, check_scope

    for kind in kinds or ():
        check_kind(kind)
    if scope is not None:
        check_scope(scope)


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n / 1e3:.0f} kB"


def _one_line(text: str) -> str:
    return " ".join(text.split())


@app.command("add")
def add_memory(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The memory: one short statement.")],
    kind: Annotated[
        str, typer.Option("--kind", "-K", help="fact, lesson, preference or result.")
    ] = "fact",
    scope: Annotated[
        str,
        typer.Option(help="project (this directory), user (everywhere) or agent (needs --agent)."),
    ] = "project",
    agent: Annotated[
        str | None, typer.Option(help="The agent it belongs to (for scope agent).")
    ] = None,
    ttl_s: Annotated[
        float | None, typer.Option("--ttl-s", help="Forget it after this many seconds.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a memory; a near-duplicate of an existing one merges into it."""
    from agentcore.memory._store import check_text

    _checked_filters([kind], scope)
    check_text(text)
    record = _open(ctx).add(text, kind=kind, scope=scope, agent=agent, source="cli", ttl_s=ttl_s)
    if as_json:
        print_json(record.to_json())
    elif record.merged:
        sys.stdout.write(
            f"merged into {record.id[:8]} (stored {record.hits} times): {_one_line(record.text)}\n"
        )
    else:
        sys.stdout.write(f"added {record.id[:8]} ({record.kind}, {record.scope})\n")


@app.command("search")
def search_memory(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(metavar="QUERY", help="What to look for.")],
    k: Annotated[int, typer.Option("-k", help="How many memories to show.", min=1)] = 5,
    kind: KindOption = None,
    scope: ScopeOption = None,
    agent: Annotated[
        str | None, typer.Option(help="Search as this agent (its agent-scope memories only).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Search memories by words and meaning (hybrid), most relevant first."""
    _checked_filters(kind, scope)
    hits = _open(ctx).search(query, k=k, kinds=kind or None, scope=scope, agent=agent)
    if as_json:
        print_json([h.to_json() for h in hits])
        return
    if not hits:
        sys.stdout.write(f"no memories match {query!r}\n")
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for col in ("id", "score", "kind", "scope", "text"):
        table.add_column(col, overflow="fold")
    for hit in hits:
        r = hit.record
        table.add_row(r.id[:8], f"{hit.score:.3f}", r.kind, r.scope, _one_line(r.text))
    stdout_console().print(table)


def _table(records: list[MemoryRecord]) -> None:
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for col in ("id", "kind", "scope", "updated", "hits", "text"):
        table.add_column(col, overflow="fold")
    for r in records:
        table.add_row(
            r.id[:8], r.kind, r.scope, _when(r.updated_at), str(r.hits), _one_line(r.text)
        )
    stdout_console().print(table)


@app.command("list")
def list_memories(
    ctx: typer.Context,
    kind: KindOption = None,
    scope: ScopeOption = None,
    limit: Annotated[
        int | None, typer.Option(help="Show at most this many (newest first).", min=1)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the memories this project sees, most recently updated first."""
    _checked_filters(kind, scope)
    records = _open(ctx).list(kinds=kind or None, scope=scope, limit=limit)
    if as_json:
        print_json([r.to_json() for r in records])
    elif not records:
        sys.stdout.write('no memories yet; add one with: agentcore memory add "..."\n')
    else:
        _table(records)


@app.command("forget")
def forget_memory(
    ctx: typer.Context,
    memory_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="The memory's id, or its first 4+ characters (see: list)."
        ),
    ],
) -> None:
    """Delete a memory for good: it is removed from disk, not just hidden."""
    memory = _open(ctx)
    record = memory.get(memory_id)
    if record is None:
        raise UserError(
            f"no memory has the id '{memory_id}'", hint="see the ids with: agentcore memory list"
        )
    memory.forget(record.id)
    sys.stdout.write(f"forgot {record.id[:8]}: {_one_line(record.text)}\n")


@app.command("stats")
def memory_stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Where memory lives, its embedder, and how many memories of each kind and scope."""
    stats = _open(ctx).stats()
    if as_json:
        print_json(stats.to_json())
        return
    size = _size(stats.size_bytes) if stats.size_bytes is not None else "? (not a local path)"
    kinds = ", ".join(f"{k} {n}" for k, n in stats.by_kind.items())
    scopes = ", ".join(f"{s} {n}" for s, n in stats.by_scope.items())
    index = "ANN index built" if stats.vector_index else "exact search (below the index threshold)"
    sys.stdout.write(
        f"location:  {stats.uri}\n"
        f"embedder:  {stats.embedder} ({stats.dim}-d)\n"
        f"memories:  {stats.count - stats.expired} ({stats.expired} expired, not yet purged)\n"
        f"by kind:   {kinds}\n"
        f"by scope:  {scopes}\n"
        f"search:    hybrid (BM25 + vector, RRF); {index}\n"
        f"on disk:   {size}\n"
    )


@app.command("reembed")
def reembed_memory(ctx: typer.Context) -> None:
    """Re-embed every memory with the configured embedder (after changing [memory] embedder)."""
    memory = _open(ctx, reembed=True)
    sys.stdout.write(
        f"{memory.table.count()} memories are embedded with {memory.table.embedder.name}\n"
    )

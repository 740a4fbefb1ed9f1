"""Offline search: every RAG collection and the long-term memory, when the web is out of reach.

Runs in a worker thread (LanceDB and the embedder are synchronous). Nothing is created: a
store that does not exist yet is simply not searched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentcore.errors import UserError
from agentcore.tools import ToolContext, ToolError
from agentcore_search._options import KEY_ENV, SearchOptions
from agentcore_search._results import SearchHit, clip, render

if TYPE_CHECKING:
    from agentcore.config import Settings
    from agentcore.memory import Embedder

RAG_PLUGIN = "rag"
RAG_TABLE_PREFIX = "rag_"


@dataclass(kw_only=True, slots=True)
class _Found:
    """Hits from every store, what was searched, and what could not be."""

    hits: list[tuple[float, SearchHit]] = field(default_factory=list)
    searched: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def search_local(
    ctx: ToolContext,
    query: str,
    k: int,
    opts: SearchOptions,
    *,
    web_filters: bool,
    keyless: bool,
) -> str:
    """Search every RAG collection and the long-term memory; say that it is not the web.

    Args:
        ctx: The run context (data dir and plugin settings).
        query: What to search for.
        k: How many results to return in all.
        opts: The plugin's settings.
        web_filters: Whether the call set topic, time or domain filters (ignored here).
        keyless: Whether this is offline for want of a key (else: ``backend = "local"``).

    Returns:
        The text the model reads, starting with the line that says where results come from.
    """
    settings = _settings(ctx)
    found = _Found()
    _search_collections(ctx, settings, query, k, opts, found)
    _search_memory(settings, query, k, opts, found)
    why = f"no {KEY_ENV}" if keyless else '[plugins.search] backend = "local"'
    lines = [
        f"offline search ({why}): results from local collections and memory, not the web.",
    ]
    if web_filters:
        lines.append("topic, time_range and domain filters apply to web search only: ignored.")
    if found.skipped:
        lines.append("not searched: " + "; ".join(found.skipped))
    if not found.searched:
        lines.append(_nothing_to_search(ctx, settings, keyless))
        return "\n".join(lines) + "\n"
    lines.append("searched: " + ", ".join(found.searched) + ".")
    ranked = [hit for _, hit in sorted(found.hits, key=lambda pair: -pair[0])][:k]
    if not ranked:
        lines.append(f'nothing there matched "{query}".')
        return "\n".join(lines) + "\n"
    label = (
        f'Local results for "{query}" ({len(ranked)}). Cite documents by their source '
        "(file and place), memories by their id; these are not web pages."
    )
    return "\n".join(lines) + "\n\n" + render(ranked, label=label)


def _settings(ctx: ToolContext) -> Settings:
    if ctx.agentcore_settings is not None:
        return ctx.agentcore_settings
    from agentcore.config import load_settings

    try:  # called outside a team: the config and environment, in the context's data dir
        return load_settings({"data_dir": str(ctx.data_dir)})
    except UserError as exc:
        raise ToolError(f"web_search cannot read the configuration: {exc}") from None


def _rag_settings(ctx: ToolContext) -> Mapping[str, Any]:
    raw = ctx.settings.get(RAG_PLUGIN, {})
    return raw if isinstance(raw, Mapping) else {}


def _rag_uri(ctx: ToolContext) -> str:
    uri = _rag_settings(ctx).get("uri")
    return str(uri) if isinstance(uri, str) and uri else str(ctx.data_dir / "rag")


def _embedder(spec: str, settings: Settings, cache: dict[str, Embedder]) -> Embedder:
    if spec not in cache:
        from agentcore.memory import get_embedder

        cache[spec] = get_embedder(spec, settings=settings)
    return cache[spec]


def _exists(uri: str) -> bool:
    return "://" in uri or Path(uri).is_dir()


def _table_names(uri: str) -> list[str]:
    import lancedb

    db = lancedb.connect(uri)
    names: list[str] = []
    token: str | None = None
    while True:
        page = db.list_tables(page_token=token)
        names.extend(page.tables)
        token = page.page_token
        if not token:
            return sorted(names)


def _search_collections(
    ctx: ToolContext, settings: Settings, query: str, k: int, opts: SearchOptions, found: _Found
) -> None:
    uri = _rag_uri(ctx)
    if not _exists(uri):
        return
    try:
        tables = [n for n in _table_names(uri) if n.startswith(RAG_TABLE_PREFIX)]
    except Exception as exc:  # an unreadable store must not hide the memory's results
        found.skipped.append(f"RAG collections at {uri} ({exc})")
        return
    if not tables:
        return
    import pyarrow as pa  # type: ignore[import-untyped]

    from agentcore.memory import HybridTable

    spec = _rag_settings(ctx).get("embedder") or settings.memory.embedder
    cache: dict[str, Embedder] = {}
    for table_name in tables:
        collection = table_name.removeprefix(RAG_TABLE_PREFIX)
        try:
            embedder = _embedder(str(spec), settings, cache)
            table = HybridTable.open(
                uri,
                table_name,
                schema=pa.schema([pa.field("text", pa.string())]),
                embedder=embedder,
                reembed_hint="agentcore rag ingest --reembed",
            )
            count = table.count()
            hits = table.search(query, k=k) if count else []
        except UserError as exc:  # another embedder, a corrupt table, a missing package
            found.skipped.append(f"collection {collection} ({exc})")
            continue
        found.searched.append(f"collection {collection} ({_plural(count, 'chunk')})")
        for hit in hits:
            found.hits.append((hit.score, _chunk_hit(collection, hit.row, opts)))


def _chunk_hit(collection: str, row: Mapping[str, Any], opts: SearchOptions) -> SearchHit:
    path = _first(row, "path", "source", "file", "uri") or f"collection {collection}"
    section = _first(row, "section", "heading", "title")
    where = path
    start, end = row.get("line_start", row.get("start_line")), row.get("line_end")
    if end is None:
        end = row.get("end_line")
    if isinstance(start, int) and isinstance(end, int):
        where += f", lines {start}-{end}" if end != start else f", line {start}"
    page = row.get("page")
    if isinstance(page, int):
        where += f", page {page}"
    if section:
        where += f", § {section}"
    title = f"{Path(path).name} § {section}" if section else Path(path).name
    return SearchHit(
        title=title,
        source=where,
        snippet=clip(str(row.get("text", "")), opts.max_snippet_chars),
        origin=f"collection {collection}",
    )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _first(row: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = row.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _search_memory(
    settings: Settings, query: str, k: int, opts: SearchOptions, found: _Found
) -> None:
    del settings, query, k, opts, found  # long-term memory lands with agentcore.memory step 2


def _nothing_to_search(ctx: ToolContext, settings: Settings, keyless: bool) -> str:
    enable = (
        f"To search the web, set {KEY_ENV} (a key from https://app.tavily.com). "
        if keyless
        else 'To search the web, set [plugins.search] backend = "auto" and a TAVILY_API_KEY. '
    )
    return (
        f"There is no local knowledge to search yet: no RAG collection under {_rag_uri(ctx)} "
        f"and no long-term memory under {settings.memory_uri}. {enable}To search documents, "
        "ingest them: agentcore rag ingest PATH... --collection NAME. Go on without search "
        "results, and tell the user how to enable search if the task needs it."
    )

"""Offline search: every RAG collection and the long-term memory, when the web is out of reach.

Runs in a worker thread (LanceDB and the embedder are synchronous). Nothing is created: a
store that does not exist yet is simply not searched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from agentcore.errors import StoreError, UserError
from agentcore.tools import ToolContext, ToolError
from agentcore_search._options import KEY_ENV, SearchOptions
from agentcore_search._results import SearchHit, clip, render

if TYPE_CHECKING:
    from agentcore.config import Settings


@dataclass(kw_only=True, slots=True)
class _Found:
    """What was searched, and what could not be."""

    collections: list[str] = field(default_factory=list)
    memory: bool = False
    skipped: list[str] = field(default_factory=list)
    rag_uri: str | None = None


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
    documents = _search_collections(ctx, query, k, opts, found)
    memories = _search_memory(ctx, settings, query, k, opts, found)
    why = f"no {KEY_ENV}" if keyless else '[plugins.search] backend = "local"'
    lines = [
        f"offline search ({why}): results from local collections and memory, not the web.",
    ]
    if web_filters:
        lines.append("topic, time_range and domain filters apply to web search only: ignored.")
    if found.skipped:
        lines.append("not searched: " + "; ".join(found.skipped))
    if not found.collections and not found.memory:
        lines.append(_nothing_to_search(found, settings, keyless))
        return "\n".join(lines) + "\n"
    lines.append(f"searched: {_searched(found)}.")
    ranked = _merge([documents, memories], k)
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


def _searched(found: _Found) -> str:
    parts = []
    if found.collections:
        noun = "collection" if len(found.collections) == 1 else "collections"
        parts.append(f"{noun} {', '.join(found.collections)}")
    if found.memory:
        parts.append("long-term memory")
    return " and ".join(parts)


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
            return names


Ranked = list[tuple[float, SearchHit]]  # (fused score, hit), best first


def _merge(rankings: list[Ranked], k: int) -> list[SearchHit]:
    """Merge the sources' rankings: by fused score, ties taken in turn from each source.

    Both sources score a hit by reciprocal rank fusion of a vector and a BM25 ranking, so a
    hit that both rankings put first scores the same in either; which one is better is not
    known, and taking them in turn (rank 1 of each, then rank 2...) keeps both in view.
    """
    scored = [
        (score, rank, source, hit)
        for source, ranking in enumerate(rankings)
        for rank, (score, hit) in enumerate(ranking)
    ]
    scored.sort(key=lambda item: (-round(item[0], 9), item[1], item[2]))
    return [hit for _, _, _, hit in scored[:k]]


def _search_collections(
    ctx: ToolContext, query: str, k: int, opts: SearchOptions, found: _Found
) -> Ranked:
    """Every collection at once, through the RAG plugin (which fuses across collections)."""
    try:
        from agentcore_rag import RagConfig, collection_names, search
    except ImportError:
        found.skipped.append("RAG collections (the agentcore-rag plugin is not installed)")
        return []
    try:
        config = RagConfig.from_context(ctx)
        found.rag_uri = config.uri
        if not collection_names(config.uri):
            return []
        # Every collection, even when rag_search is set to search one by default.
        everything = replace(config, options=replace(config.options, default_collection=None))
        result = search(query, k=k, config=everything)
    except StoreError as exc:  # no collection could be read, or a bad [plugins.rag]
        found.skipped.append(f"RAG collections ({exc})")
        return []
    except UserError:  # every collection is empty
        return []
    broken = {problem.split(":", 1)[0] for problem in result.problems}
    found.collections = [name for name in result.collections if name not in broken]
    found.skipped.extend(f"collection {problem}" for problem in result.problems)
    return [
        (
            hit.score,
            SearchHit(
                title=clip(hit.title or Path(hit.citation.file).name, 200),
                source=str(hit.citation),
                snippet=clip(hit.text, opts.max_snippet_chars),
                origin=f"collection {hit.collection}",
            ),
        )
        for hit in result.hits
    ]


def _search_memory(
    ctx: ToolContext, settings: Settings, query: str, k: int, opts: SearchOptions, found: _Found
) -> Ranked:
    """The memories this project and agent may see, when there is a memory."""
    uri = settings.memory_uri
    try:
        from agentcore.memory import Memory
        from agentcore.memory._store import TABLE

        if not _exists(uri) or TABLE not in _table_names(uri):
            return []  # Memory.open would create it: a search creates nothing
        memory = Memory.open(settings)
        if memory.table.count() == 0:
            return []
        hits = memory.search(query, k=k, agent=ctx.agent)
    except UserError as exc:  # another embedder, a damaged table, a missing package
        found.skipped.append(f"long-term memory ({exc})")
        return []
    except Exception as exc:  # an unreadable store must not hide the documents' results
        found.skipped.append(f"long-term memory at {uri} ({exc})")
        return []
    found.memory = True
    return [
        (
            hit.score,
            SearchHit(
                title=(
                    f"{hit.record.kind} remembered "
                    f"{time.strftime('%Y-%m-%d', time.gmtime(hit.record.updated_at))} "
                    f"({hit.record.scope} scope)"
                ),
                source=f"memory {hit.record.id[:8]}",
                snippet=clip(hit.record.text, opts.max_snippet_chars),
                origin="memory",
            ),
        )
        for hit in hits
    ]


def _nothing_to_search(found: _Found, settings: Settings, keyless: bool) -> str:
    enable = (
        f"To search the web, set {KEY_ENV} (a key from https://app.tavily.com). "
        if keyless
        else 'To search the web, set [plugins.search] backend = "auto" and a TAVILY_API_KEY. '
    )
    collections = f" under {found.rag_uri}" if found.rag_uri else ""
    return (
        f"There is no local knowledge to search yet: no RAG collection{collections} and no "
        f"long-term memory under {settings.memory_uri}. {enable}To search documents, "
        "ingest them: agentcore rag ingest PATH... --collection NAME. Go on without search "
        "results, and tell the user how to enable search if the task needs it."
    )

"""Searching collections, and the citations that say where each passage comes from."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from agentcore.errors import EmbedderMismatchError, StoreError, UserError
from agentcore_rag._options import check_collection
from agentcore_rag._store import RagConfig, collection_names, open_collection, unknown_collection

if TYPE_CHECKING:
    from agentcore.config import Settings
    from agentcore.memory import Hit

SearchMode = Literal["hybrid", "vector", "fts"]
MAX_K = 50
_MODEL_CHARS = 12_000  # the passages a model reads, in all
_MIN_PASSAGE_CHARS = 400
_CANDIDATES = 20  # per collection and ranking, before fusing across collections
RRF_K = 60  # as in HybridTable: damps the weight of the very first ranks
EN_DASH = "\u2013"  # between the ends of a span: lines 12-30, typeset


def _span(unit: str, start: int, end: int) -> str:
    names = {"pages": ("p.", "pp."), "cells": ("cell", "cells")}.get(unit, ("line", "lines"))
    if end <= start:
        return f"{names[0]} {start}"
    return f"{names[1]} {start}{EN_DASH}{end}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Citation:
    """Where a passage comes from.

    Attributes:
        file: The file, relative to the ingest root (``docs/guide.md``).
        section: The heading path (``Install``, then ``Linux``), the class and function
            (``class Team``, then ``def run``), or ``""`` when the file has no structure.
        unit: ``lines``, ``pages`` (PDF) or ``cells`` (notebooks).
        start: First line, page or cell (1-based).
        end: Last line, page or cell.
    """

    file: str
    section: str
    unit: str
    start: int
    end: int

    def __str__(self) -> str:
        where = f" § {self.section}" if self.section else ""
        return f"{self.file}{where} ({_span(self.unit, self.start, self.end)})"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: the fields, plus the whole citation as ``text``."""
        return {
            "file": self.file,
            "section": self.section,
            "unit": self.unit,
            "start": self.start,
            "end": self.end,
            "text": str(self),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RagHit:
    """A passage found by a search.

    Attributes:
        collection: The collection it is in.
        text: The passage.
        citation: Where it comes from.
        score: Higher is better (the RRF score for hybrid search).
        id: The chunk's id.
        title: The document's title, when it has one.
    """

    collection: str
    text: str
    citation: Citation
    score: float
    id: str
    title: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "collection": self.collection,
            "citation": self.citation.to_json(),
            "score": self.score,
            "id": self.id,
            "title": self.title,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResult:
    """The passages for a query, best first.

    Attributes:
        query: What was searched for.
        hits: The passages.
        collections: The collections searched.
        problems: Collections that could not be searched (when searching all of them).
    """

    query: str
    hits: list[RagHit]
    collections: list[str]
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (what ``agentcore rag search --json`` prints)."""
        return {
            "query": self.query,
            "collections": self.collections,
            "hits": [h.to_json() for h in self.hits],
            "problems": self.problems,
        }


def _hit(collection: str, hit: Hit) -> RagHit:
    row = hit.row
    text = str(row.get("text") or "")
    context = str(row.get("context") or "")
    if context and text.startswith(context):
        text = text[len(context) :].lstrip("\n")
    return RagHit(
        collection=collection,
        text=text,
        citation=Citation(
            file=str(row.get("file") or row.get("source") or "?"),
            section=str(row.get("section") or ""),
            unit=str(row.get("unit") or "lines"),
            start=int(row.get("start") or 0),
            end=int(row.get("end") or 0),
        ),
        score=float(hit.score),
        id=str(row.get("id") or ""),
        title=row.get("title") or None,
    )


def empty_collection(name: str) -> UserError:
    """The error for a collection with no chunks."""
    return UserError(
        f"collection '{name}' is empty",
        hint=f"ingest documents into it: agentcore rag ingest PATH... --collection {name}",
    )


def search(
    query: str,
    *,
    collection: str | None = None,
    k: int = 5,
    mode: SearchMode = "hybrid",
    settings: Settings | None = None,
    config: RagConfig | None = None,
) -> SearchResult:
    """Search a collection (or all of them) for passages about ``query``.

    Args:
        query: What to look for, in plain words.
        collection: The collection; ``None``: ``[plugins.rag] default_collection``, or every
            collection when that is unset.
        k: How many passages (1 to 50).
        mode: ``hybrid`` (BM25 + vector, fused by RRF; the default), ``vector`` or ``fts``.
        settings: agentcore settings (default: loaded from config files and environment).
        config: The RAG configuration, if already built (overrides ``settings``).

    Raises:
        UserError: The query is empty, ``k`` is out of range, the collection does not
            exist or is empty, or it cannot be read (``StoreError``, ``EmbedderMismatchError``).
    """
    if not query.strip():
        raise UserError("the query is empty", hint="say what to look for, in plain words")
    if not 1 <= k <= MAX_K:
        raise UserError(f"k must be between 1 and {MAX_K}, got {k}")
    if config is None:
        if settings is None:
            from agentcore.config import load_settings

            settings = load_settings()
        config = RagConfig.from_settings(settings)
    name = collection or config.options.default_collection
    if name is not None:
        check_collection(name)
        hits = _search_one(config, name, query, k, mode)
        return SearchResult(query=query, hits=hits, collections=[name])
    names = collection_names(config.uri)
    if not names:
        raise unknown_collection("NAME", config.uri)
    rankings: list[list[RagHit]] = [[], []] if mode == "hybrid" else [[]]
    problems: list[str] = []
    empty = 0
    for each in names:
        try:
            table = open_collection(config, each)
            if table.count() == 0:
                empty += 1
                continue
            modes: list[SearchMode] = ["vector", "fts"] if mode == "hybrid" else [mode]
            for ranking, how in zip(rankings, modes, strict=True):
                found = table.search(query, k=max(_CANDIDATES, 2 * k), mode=how)
                ranking.extend(_hit(each, h) for h in found)
        except (EmbedderMismatchError, StoreError) as exc:
            problems.append(f"{each}: {exc.message}")
    if empty == len(names):
        raise UserError(
            "every collection is empty",
            hint="ingest documents: agentcore rag ingest PATH... --collection NAME",
        )
    if problems and len(problems) + empty == len(names):
        raise StoreError(
            "no collection could be searched: " + "; ".join(problems),
            hint="see agentcore rag list",
        )
    for ranking in rankings:  # cosine similarities, BM25 scores: comparable across tables
        ranking.sort(key=lambda h: -h.score)
    hits = _fuse(rankings, k) if mode == "hybrid" else rankings[0][:k]
    return SearchResult(query=query, hits=hits, collections=names, problems=problems)


def _fuse(rankings: list[list[RagHit]], k: int) -> list[RagHit]:
    """Reciprocal rank fusion of rankings that span several collections.

    ``HybridTable.search`` fuses within one table; RRF scores of separate tables are not
    comparable (every table's best passage gets the same score), so across collections the
    vector and full-text rankings are merged first and fused here.
    """
    scores: dict[tuple[str, str], float] = {}
    first: dict[tuple[str, str], RagHit] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            key = (hit.collection, hit.id)
            scores[key] = scores.get(key, 0.0) + 1.0 / (RRF_K + rank)
            first.setdefault(key, hit)
    order = sorted(scores, key=lambda key: -scores[key])[:k]
    return [dataclasses.replace(first[key], score=scores[key]) for key in order]


def _search_one(config: RagConfig, name: str, query: str, k: int, mode: SearchMode) -> list[RagHit]:
    table = open_collection(config, name)
    if table.count() == 0:
        raise empty_collection(name)
    return [_hit(name, h) for h in table.search(query, k=k, mode=mode)]


def format_for_model(result: SearchResult) -> str:
    """The passages as a model reads them: numbered, each under its citation."""
    where = (
        f"collection '{result.collections[0]}'"
        if len(result.collections) == 1
        else f"collections {', '.join(result.collections)}"
    )
    notes = "".join(f"\n(not searched: {p})" for p in result.problems)
    if not result.hits:
        return f'No passages in {where} match "{result.query}".{notes}'
    several = len(result.collections) > 1
    budget = max(_MIN_PASSAGE_CHARS, _MODEL_CHARS // len(result.hits))
    lines = [
        f'{len(result.hits)} passage(s) from {where} for "{result.query}", best first. '
        f"When you use one, cite its source as shown after its number.{notes}"
    ]
    for n, hit in enumerate(result.hits, start=1):
        text = hit.text if len(hit.text) <= budget else hit.text[:budget].rstrip() + " …"
        origin = f" [collection {hit.collection}]" if several else ""
        lines.append(f"\n[{n}] {hit.citation}{origin}\n{text}")
    return "\n".join(lines)

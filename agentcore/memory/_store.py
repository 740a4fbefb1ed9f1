"""Long-term memory: short notes agents and users keep across runs, on a :class:`HybridTable`.

A memory has a *kind* (what it is) and a *scope* (who sees it):

* ``user`` memories are seen in every project;
* ``project`` memories only in the project that made them (``[memory] project``, by default
  the current directory);
* ``agent`` memories only by the agent that made them, in that project.

Adding a text that is nearly the same as a live memory of the same kind and scope merges it
into that memory (its hit count and provenance grow) instead of storing a copy. "Nearly the
same" is deliberately strict, because embeddings rate "344 rows" and "342 rows", or "metric"
and "imperial", as near-identical: the vectors must be closer than ``dedupe_threshold`` *and*
the words may differ only in case, punctuation, filler words and at most one added or dropped
word that is not a number or a negation. Memories with
a TTL stop being found when they expire and are purged on the next write.
"""

from __future__ import annotations

import builtins
import difflib
import json
import re
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa  # type: ignore[import-untyped]

from agentcore.errors import UserError
from agentcore.log import redact
from agentcore.memory._lance import HybridTable, sql_quote

if TYPE_CHECKING:
    from agentcore.config import Settings
    from agentcore.memory._embedder import Embedder

__all__ = [
    "KINDS",
    "SCOPES",
    "TABLE",
    "Kind",
    "Memory",
    "MemoryHit",
    "MemoryRecord",
    "MemoryStats",
    "Provenance",
    "Scope",
    "check_kind",
    "check_scope",
    "check_text",
]

Kind = Literal["fact", "lesson", "preference", "result"]
Scope = Literal["user", "project", "agent"]
KINDS: tuple[Kind, ...] = ("fact", "lesson", "preference", "result")
SCOPES: tuple[Scope, ...] = ("user", "project", "agent")
TABLE = "memories"
MAX_TEXT_CHARS = 8_000
REEMBED_HINT = "agentcore memory reembed"

SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("kind", pa.string()),
        pa.field("scope", pa.string()),
        pa.field("project", pa.string()),
        pa.field("agent", pa.string()),
        pa.field("run_id", pa.string()),
        pa.field("source", pa.string()),
        pa.field("created_at", pa.float64()),
        pa.field("updated_at", pa.float64()),
        pa.field("expires_at", pa.float64()),
        pa.field("hits", pa.int64()),
        pa.field("provenance", pa.string()),  # JSON list of Provenance
    ]
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where one contribution to a memory came from.

    Attributes:
        run_id: The run that stored it, if any.
        agent: The agent that stored it, if any.
        source: Free-form origin (a URL, a file, ``cli``...).
        at: When, in seconds since the epoch.
    """

    run_id: str | None = None
    agent: str | None = None
    source: str | None = None
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class MemoryRecord:
    """One memory.

    Attributes:
        id: A unique id (32 hex digits).
        text: The memory itself.
        kind: ``fact``, ``lesson``, ``preference`` or ``result``.
        scope: ``user``, ``project`` or ``agent``.
        project: The project that sees it (``None`` for ``user`` scope).
        agent: The agent that first stored it, if any.
        run_id: The run that first stored it, if any.
        source: Where it first came from, if known.
        created_at: When it was first stored (seconds since the epoch).
        updated_at: When it was last stored again (merged).
        expires_at: When it stops being found, or ``None`` for never.
        hits: How many times it was stored (1, plus one per merged near-duplicate).
        provenance: Every contribution, oldest first.
        merged: Set on the record :meth:`Memory.add` returns when the text merged into this
            existing memory instead of being added.
    """

    id: str
    text: str
    kind: str
    scope: str
    project: str | None = None
    agent: str | None = None
    run_id: str | None = None
    source: str | None = None
    created_at: float
    updated_at: float
    expires_at: float | None = None
    hits: int = 1
    provenance: tuple[Provenance, ...] = ()
    merged: bool = False

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``provenance`` as a list of dicts; ``merged`` only when set)."""
        out = asdict(self)
        out["provenance"] = [asdict(p) for p in self.provenance]
        if not self.merged:
            del out["merged"]
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class MemoryHit:
    """A memory found by :meth:`Memory.search`, with its score (higher is better)."""

    record: MemoryRecord
    score: float

    def to_json(self) -> dict[str, Any]:
        """The record's JSON plus ``score``."""
        return {**self.record.to_json(), "score": self.score}


@dataclass(frozen=True, slots=True, kw_only=True)
class MemoryStats:
    """What :meth:`Memory.stats` reports.

    Attributes:
        uri: Where the memory lives.
        embedder: The embedder's name.
        dim: Its dimension.
        count: Memories stored (expired ones not yet purged included).
        expired: Of those, how many have expired.
        by_kind: Live memories per kind.
        by_scope: Live memories per scope.
        vector_index: Whether the ANN index has been built (it is past the threshold).
        size_bytes: Bytes on disk, for a local URI.
    """

    uri: str
    embedder: str
    dim: int
    count: int
    expired: int
    by_kind: dict[str, int] = field(default_factory=dict)
    by_scope: dict[str, int] = field(default_factory=dict)
    vector_index: bool = False
    size_bytes: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def _choice(value: str, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise UserError(
            f"unknown memory {what} '{value}'", hint=f"use one of: {', '.join(allowed)}"
        )
    return value


def check_kind(kind: str) -> str:
    """Return ``kind`` if it is one of :data:`KINDS`, else raise a ``UserError`` listing them."""
    return _choice(kind, KINDS, "kind")


def check_scope(scope: str) -> str:
    """Return ``scope`` if it is one of :data:`SCOPES`, else raise a ``UserError``."""
    return _choice(scope, SCOPES, "scope")


def check_text(text: str) -> str:
    """Return the stripped text of a memory; empty or over-long text is a ``UserError``."""
    return _clean(text)


def _clean(text: str) -> str:
    text = text.strip()
    if not text:
        raise UserError("a memory needs some text", hint="pass a short note, e.g. a fact to keep")
    if len(text) > MAX_TEXT_CHARS:
        raise UserError(
            f"a memory is at most {MAX_TEXT_CHARS} characters, got {len(text)}",
            hint="keep memories short; put documents in a RAG collection",
        )
    return text


_WORD = re.compile(r"\w+(?:'\w+)?")
_FILLER_WORDS = (
    "a an the is are was were be been of in on at to for and or with by as it its this that "
    "these those there here very also just really"
)
_NEGATION_WORDS = (
    "not no never none nor without cannot can't don't doesn't didn't isn't aren't wasn't "
    "weren't won't wouldn't shouldn't mustn't"
)
_FILLER = frozenset(_FILLER_WORDS.split())
_NEGATION = frozenset(_NEGATION_WORDS.split())


def _words(text: str) -> builtins.list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _FILLER]


def same_statement(a: str, b: str) -> bool:
    """Whether two texts say the same thing, up to case, punctuation, filler and one word.

    One word may be added or dropped, unless it is a number or a negation; no word may be
    replaced by another (``metric`` / ``imperial``, ``344`` / ``342``).
    """
    wa, wb = _words(a), _words(b)
    changed: builtins.list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if op == "replace":
            return False
        if op != "equal":
            changed += wa[i1:i2] + wb[j1:j2]
    if len(changed) > 1:
        return False
    return not any(w in _NEGATION or any(c.isdigit() for c in w) for w in changed)


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


class Memory:
    """Long-term memory on LanceDB: add, search (hybrid), list, forget, stats.

    Open it with :meth:`open`. Every method is synchronous; call it from a worker thread in
    async code (``@tool`` does that for sync tools).

    Example:
        ```python
        from agentcore.memory import Memory

        memory = Memory.open()
        memory.add("The user prefers metric units.", kind="preference", scope="user")
        for hit in memory.search("which units?"):
            print(hit.record.text)
        ```
    """

    def __init__(
        self,
        table: HybridTable,
        *,
        project: str,
        dedupe_threshold: float = 0.95,
        context_k: int = 5,
        context_max_chars: int = 2_000,
    ) -> None:
        self._table = table
        self._project = project
        self._dedupe = dedupe_threshold
        self._context_k = context_k
        self._context_max_chars = context_max_chars

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        *,
        uri: str | None = None,
        embedder: Embedder | None = None,
        project: str | None = None,
        reembed: bool = False,
    ) -> Memory:
        """Open the memory the settings point at (creating it when missing).

        Args:
            settings: Settings (default: :func:`agentcore.config.load_settings`).
            uri: Overrides ``settings.memory_uri``.
            embedder: Overrides the configured embedder.
            project: Overrides ``[memory] project`` (default: the current directory).
            reembed: Re-embed every memory when the table was made with another embedder.

        Raises:
            EmbedderMismatchError: The memory was embedded with another embedder.
            StoreError: It cannot be opened (corrupt, no permission).
        """
        if settings is None:
            from agentcore.config import load_settings

            settings = load_settings()
        if embedder is None:
            from agentcore.memory._embedder import get_embedder

            embedder = get_embedder(settings=settings)
        conf = settings.memory
        table = HybridTable.open(
            uri or settings.memory_uri,
            TABLE,
            schema=SCHEMA,
            embedder=embedder,
            reembed=reembed,
            index_threshold=conf.index_threshold,
            reembed_hint=REEMBED_HINT,
        )
        return cls(
            table,
            project=project or conf.project or str(Path.cwd().resolve()),
            dedupe_threshold=conf.dedupe_threshold,
            context_k=conf.context_k,
            context_max_chars=conf.context_max_chars,
        )

    @property
    def table(self) -> HybridTable:
        """The table the memories live in."""
        return self._table

    @property
    def project(self) -> str:
        """The project ``project`` and ``agent`` scoped memories belong to."""
        return self._project

    # --- filters --------------------------------------------------------------------------

    def _scope_filter(self, scope: str | None, agent: str | None) -> str:
        project = f"project = {sql_quote(self._project)}"
        mine = f" AND agent = {sql_quote(agent)}" if agent else ""
        parts = {
            "user": "scope = 'user'",
            "project": f"(scope = 'project' AND {project})",
            "agent": f"(scope = 'agent' AND {project}{mine})",
        }
        if scope is not None:
            return parts[_choice(scope, SCOPES, "scope")]
        return "(" + " OR ".join(parts.values()) + ")"

    def _filter(
        self,
        *,
        kinds: Iterable[str] | None = None,
        scope: str | None = None,
        agent: str | None = None,
        now: float | None = None,
    ) -> str:
        clauses = [self._scope_filter(scope, agent)]
        if kinds is not None:
            chosen = [_choice(k, KINDS, "kind") for k in kinds]
            clauses.append(
                f"kind IN ({', '.join(sql_quote(k) for k in chosen)})" if chosen else "false"
            )
        if now is not None:
            clauses.append(f"(expires_at IS NULL OR expires_at > {now!r})")
        return " AND ".join(clauses)

    # --- writing --------------------------------------------------------------------------

    def add(
        self,
        text: str,
        *,
        kind: str = "fact",
        scope: str = "project",
        agent: str | None = None,
        run_id: str | None = None,
        source: str | None = None,
        ttl_s: float | None = None,
    ) -> MemoryRecord:
        """Store a memory, or merge it into a near-duplicate of the same kind and scope.

        Secrets in ``text`` and ``source`` are replaced by ``***`` (:func:`agentcore.log.redact`).

        Args:
            text: The memory: one short, self-contained statement.
            kind: ``fact`` (the default), ``lesson``, ``preference`` or ``result``.
            scope: ``project`` (the default), ``user`` or ``agent`` (needs ``agent``).
            agent: The agent storing it.
            run_id: The run storing it.
            source: Where it came from (a URL, a file, ``cli``...).
            ttl_s: Seconds until it expires; ``None`` keeps it until forgotten.

        Returns:
            The stored record; ``merged`` is set when it merged into an existing one.

        Raises:
            UserError: Empty or over-long text, an unknown kind or scope, ``agent`` scope
                without an agent, or a TTL that is not positive.
        """
        text = _clean(redact(text))  # a note is kept for good: never with a secret in it
        source = redact(source)
        _choice(kind, KINDS, "kind")
        _choice(scope, SCOPES, "scope")
        if scope == "agent" and not agent:
            raise UserError("an 'agent' scoped memory needs the agent's name", hint="pass agent=")
        if ttl_s is not None and ttl_s <= 0:
            raise UserError(f"ttl_s must be positive, got {ttl_s}", hint="or leave it out")
        now = time.time()
        self.purge_expired(now=now)
        expires = now + ttl_s if ttl_s is not None else None
        origin = Provenance(run_id=run_id, agent=agent, source=source, at=now)
        vector = self._table.embedder.embed_documents([text])[0]
        same = self._filter(kinds=[kind], scope=scope, agent=agent, now=now)
        for hit in self._table.search_vector(vector, k=3, where=same):
            if hit.score >= self._dedupe and same_statement(hit.row["text"], text):
                return self._merge(hit.row, origin, expires)
        row: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "text": text,
            "kind": kind,
            "scope": scope,
            "project": None if scope == "user" else self._project,
            "agent": agent,
            "run_id": run_id,
            "source": source,
            "created_at": now,
            "updated_at": now,
            "expires_at": expires,
            "hits": 1,
            "provenance": json.dumps([asdict(origin)]),
            "vector": vector,
        }
        self._table.add([row])
        return _record(row)

    def _merge(
        self, row: Mapping[str, Any], origin: Provenance, expires: float | None
    ) -> MemoryRecord:
        old_expiry = row["expires_at"]
        values: dict[str, Any] = {
            "updated_at": origin.at,
            "hits": int(row["hits"] or 1) + 1,
            "provenance": json.dumps([*json.loads(row["provenance"] or "[]"), asdict(origin)]),
            # the longer life wins; no expiry on either side means none
            "expires_at": None
            if old_expiry is None or expires is None
            else max(old_expiry, expires),
        }
        self._table.update(f"id = {sql_quote(row['id'])}", values)
        return replace(_record({**row, **values}), merged=True)

    def forget(self, id: str | None = None, *, where: str | None = None) -> int:
        """Delete memories by id, by SQL filter, or both (AND), and compact the table.

        Deleted memories are gone from disk when this returns, not just hidden.

        Args:
            id: A memory's full id.
            where: A SQL filter over the columns, e.g. ``"kind = 'lesson'"``.

        Returns:
            How many memories were deleted.

        Raises:
            UserError: Neither ``id`` nor ``where`` was given.
            StoreError: The filter is not valid SQL over the columns.
        """
        if not id and not where:
            raise UserError("forget needs a memory id or a filter", hint="e.g. forget(id=...)")
        clauses = ([f"id = {sql_quote(id)}"] if id else []) + ([f"({where})"] if where else [])
        deleted = self._table.delete(" AND ".join(clauses))
        if deleted:
            self._table.optimize()
        return deleted

    def purge_expired(self, *, now: float | None = None) -> int:
        """Delete expired memories; returns how many (they leave the disk on compaction)."""
        cutoff = time.time() if now is None else now
        return self._table.delete(f"expires_at IS NOT NULL AND expires_at <= {cutoff!r}")

    # --- reading --------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        kinds: Iterable[str] | None = None,
        scope: str | None = None,
        agent: str | None = None,
    ) -> builtins.list[MemoryHit]:
        """Find the live memories most relevant to ``query`` (hybrid: words and meaning).

        Args:
            query: What to look for.
            k: The most memories to return.
            kinds: Only these kinds.
            scope: Only this scope; by default every scope this project and agent may see.
            agent: The agent asking: ``agent`` scoped memories are its own only.

        Raises:
            UserError: An empty query, ``k`` below 1, an unknown kind or scope.
        """
        if not query.strip():
            raise UserError("the search query is empty", hint="say what to look for")
        if k < 1:
            raise UserError(f"k must be at least 1, got {k}")
        where = self._filter(kinds=kinds, scope=scope, agent=agent, now=time.time())
        return [
            MemoryHit(record=_record(h.row), score=h.score)
            for h in self._table.search(query, k=k, where=where)
        ]

    def list(
        self,
        *,
        kinds: Iterable[str] | None = None,
        scope: str | None = None,
        agent: str | None = None,
        limit: int | None = None,
    ) -> builtins.list[MemoryRecord]:
        """The live memories this project may see, most recently updated first."""
        rows = self._table.rows(
            self._filter(kinds=kinds, scope=scope, agent=agent, now=time.time())
        )
        records = sorted((_record(r) for r in rows), key=lambda r: r.updated_at, reverse=True)
        return records[:limit] if limit is not None else records

    def get(self, id_or_prefix: str) -> MemoryRecord | None:
        """The memory with this id, or the only one whose id starts with it (at least 4 hex).

        Raises:
            UserError: The prefix is shorter than 4 characters, or several ids start with it.
        """
        key = id_or_prefix.strip().lower()
        if len(key) < 4 or any(c not in "0123456789abcdef" for c in key):
            raise UserError(
                f"'{id_or_prefix}' is not a memory id",
                hint="pass the id (or its first 4+ characters) that `agentcore memory list` shows",
            )
        rows = self._table.rows(f"id LIKE {sql_quote(key + '%')}", limit=2)
        if len(rows) > 1:
            raise UserError(
                f"more than one memory id starts with '{key}'", hint="pass more of the id"
            )
        return _record(rows[0]) if rows else None

    def stats(self) -> MemoryStats:
        """Counts per kind and scope, expired memories, the embedder, the index, the size."""
        now = time.time()
        live = f"(expires_at IS NULL OR expires_at > {now!r})"
        local = Path(self._table.uri) if "://" not in self._table.uri else None
        return MemoryStats(
            uri=self._table.uri,
            embedder=self._table.embedder.name,
            dim=self._table.embedder.dim,
            count=self._table.count(),
            expired=self._table.count(f"NOT {live}"),
            by_kind={k: self._table.count(f"kind = '{k}' AND {live}") for k in KINDS},
            by_scope={s: self._table.count(f"scope = '{s}' AND {live}") for s in SCOPES},
            vector_index=self._table.has_vector_index(),
            size_bytes=_dir_size(local) if local is not None and local.exists() else None,
        )

    def context(self, query: str, *, agent: str | None = None) -> str:
        """The memories relevant to ``query``, formatted for an agent's prompt and bounded.

        At most ``[memory] context_k`` memories in at most ``context_max_chars`` characters;
        ``""`` when there are none (or when context_k is 0).
        """
        if self._context_k == 0 or not query.strip():
            return ""
        hits = self.search(query, k=self._context_k, agent=agent)
        lines: builtins.list[str] = []
        budget = self._context_max_chars
        for hit in hits:
            line = f"- ({hit.record.kind}) {hit.record.text}"
            if len(line) > budget:
                break
            lines.append(line)
            budget -= len(line) + 1
        if not lines:
            return ""
        return "Memories from earlier runs (they may be out of date):\n" + "\n".join(lines)


def _record(row: Mapping[str, Any]) -> MemoryRecord:
    provenance = tuple(Provenance(**p) for p in json.loads(row.get("provenance") or "[]"))
    return MemoryRecord(
        id=row["id"],
        text=row["text"],
        kind=row["kind"],
        scope=row["scope"],
        project=row.get("project"),
        agent=row.get("agent"),
        run_id=row.get("run_id"),
        source=row.get("source"),
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
        expires_at=row.get("expires_at"),
        hits=int(row.get("hits") or 1),
        provenance=provenance,
    )

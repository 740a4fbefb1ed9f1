"""Long-term memory as a LangGraph ``BaseStore``, on the same LanceDB layer as :class:`Memory`.

Items live in one :class:`HybridTable` (table ``store`` by default) next to the memories:
namespace (labels joined by ``.``, which LangGraph forbids inside labels), key, the value as
JSON, and the text that is searched: the whole value (``"$"``) or the fields the index
configuration or the ``PutOp`` names. ``search`` with a query is hybrid (BM25 + vector, RRF);
without one it lists the newest items first. TTLs (minutes, like every LangGraph store) are
supported; expired items are never returned and are swept on the next write.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
from langgraph.store.base import (
    BaseStore,
    GetOp,
    InvalidNamespaceError,
    Item,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
    TTLConfig,
    get_text_at_path,
    tokenize_path,
    validate_op_namespace,
)

from agentcore.memory._lance import DEFAULT_INDEX_THRESHOLD, HybridTable, sql_quote

if TYPE_CHECKING:
    from agentcore.config import Settings
    from agentcore.memory._embedder import Embedder

__all__ = ["STORE_TABLE", "LanceStore"]

STORE_TABLE = "store"
SCHEMA = pa.schema(
    [
        pa.field("ns", pa.string(), nullable=False),
        pa.field("key", pa.string(), nullable=False),
        pa.field("value", pa.string(), nullable=False),  # JSON
        pa.field("text", pa.string(), nullable=False),  # what search matches; "" if not indexed
        pa.field("indexed", pa.bool_()),
        pa.field("created_at", pa.float64()),
        pa.field("updated_at", pa.float64()),
        pa.field("ttl_minutes", pa.float64()),
        pa.field("expires_at", pa.float64()),
    ]
)
_SEP = "."
_NOT_EXPIRED = "(expires_at IS NULL OR expires_at > {now!r})"


def _ns(namespace: Sequence[str]) -> str:
    return _SEP.join(namespace)


def _prefix_filter(prefix: Sequence[str]) -> str | None:
    if not prefix:
        return None
    joined = _ns(prefix)
    return f"(ns = {sql_quote(joined)} OR starts_with(ns, {sql_quote(joined + _SEP)}))"


def _matches(condition: MatchCondition, namespace: tuple[str, ...]) -> bool:
    path = condition.path
    if len(namespace) < len(path):
        return False
    pairs = (
        zip(namespace, path, strict=False)
        if condition.match_type == "prefix"
        else zip(reversed(namespace), reversed(path), strict=False)
    )
    return all(want == "*" or got == want for got, want in pairs)


def _compare(value: Any, wanted: Any) -> bool:
    """Filter semantics of LangGraph stores: exact match, nested dicts, ``$eq``/``$gt``/..."""
    if isinstance(wanted, dict):
        if any(k.startswith("$") for k in wanted):
            return all(_operator(value, op, arg) for op, arg in wanted.items())
        return isinstance(value, dict) and all(_compare(value.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list | tuple):
        return (
            isinstance(value, list | tuple)
            and len(value) == len(wanted)
            and all(_compare(a, b) for a, b in zip(value, wanted, strict=True))
        )
    return bool(value == wanted)


def _operator(value: Any, op: str, arg: Any) -> bool:
    if op == "$eq":
        return bool(value == arg)
    if op == "$ne":
        return bool(value != arg)
    if value is None:
        return False
    comparisons = {
        "$gt": lambda a, b: a > b,
        "$gte": lambda a, b: a >= b,
        "$lt": lambda a, b: a < b,
        "$lte": lambda a, b: a <= b,
    }
    if op not in comparisons:
        raise ValueError(f"unsupported filter operator: {op}")
    return bool(comparisons[op](float(value), float(arg)))


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


class LanceStore(BaseStore):
    """A LangGraph ``BaseStore`` on LanceDB with hybrid search and TTLs.

    Args:
        table: The table to keep items in (see :meth:`open`).
        fields: JSON paths of a value to index for search by default (``"$"``: all of it);
            a ``PutOp`` may name its own, or pass ``index=False``.
        ttl: LangGraph's TTL configuration (``default_ttl`` minutes, ``refresh_on_read``).

    Example:
        ```python
        store = LanceStore.open("~/.local/share/agentcore/memory", embedder=get_embedder())
        store.put(("users", "u1"), "prefs", {"text": "likes short answers"})
        store.search(("users",), query="how long should answers be?")
        ```
    """

    supports_ttl = True

    def __init__(
        self,
        table: HybridTable,
        *,
        fields: Sequence[str] = ("$",),
        ttl: TTLConfig | None = None,
    ) -> None:
        self._table = table
        self._fields = [(f, tokenize_path(f) if f != "$" else f) for f in fields]
        self.ttl_config = ttl

    @classmethod
    def open(
        cls,
        uri: str | Path,
        *,
        embedder: Embedder,
        name: str = STORE_TABLE,
        fields: Sequence[str] = ("$",),
        ttl: TTLConfig | None = None,
        index_threshold: int = DEFAULT_INDEX_THRESHOLD,
    ) -> LanceStore:
        """Open (or create) the store's table ``name`` at ``uri``."""
        table = HybridTable.open(
            uri, name, schema=SCHEMA, embedder=embedder, index_threshold=index_threshold
        )
        return cls(table, fields=fields, ttl=ttl)

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, *, ttl: TTLConfig | None = None
    ) -> LanceStore:
        """The store beside the memories: ``settings.memory_uri`` and the memory embedder."""
        from agentcore.config import load_settings
        from agentcore.memory._embedder import get_embedder

        settings = settings or load_settings()
        return cls.open(
            settings.memory_uri,
            embedder=get_embedder(settings=settings),
            ttl=ttl,
            index_threshold=settings.memory.index_threshold,
        )

    @property
    def table(self) -> HybridTable:
        """The table the items live in."""
        return self._table

    # --- the BaseStore interface --------------------------------------------------------

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """Run the operations; reads see the store as it was before the batch's writes.

        Writes to the same namespace and key in one batch: the last one wins.
        """
        ops = list(ops)
        now = time.time()
        results: list[Result] = []
        puts: dict[tuple[tuple[str, ...], str], PutOp] = {}
        for op in ops:
            validate_op_namespace(op)
            if isinstance(op, GetOp):
                results.append(self._get(op, now))
            elif isinstance(op, SearchOp):
                results.append(self._search(op, now))
            elif isinstance(op, ListNamespacesOp):
                results.append(self._list_namespaces(op, now))
            elif isinstance(op, PutOp):
                if not op.namespace:
                    raise InvalidNamespaceError("Namespace cannot be empty.")
                puts[(tuple(op.namespace), str(op.key))] = op
                results.append(None)
            else:
                raise ValueError(f"unknown operation type: {type(op).__name__}")
        if puts:
            self._apply(list(puts.values()), now)
        return results

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        """:meth:`batch` in a worker thread (LanceDB's API is synchronous)."""
        return await asyncio.to_thread(self.batch, list(ops))

    def sweep_ttl(self) -> int:
        """Delete expired items now; returns how many."""
        return self._table.delete(f"expires_at IS NOT NULL AND expires_at <= {time.time()!r}")

    # --- operations ---------------------------------------------------------------------

    def _where(self, now: float, *clauses: str | None) -> str:
        return " AND ".join([_NOT_EXPIRED.format(now=now), *(c for c in clauses if c)])

    @staticmethod
    def _fields_of(row: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "namespace": tuple(row["ns"].split(_SEP)),
            "key": row["key"],
            "value": json.loads(row["value"]),
            "created_at": _when(row["created_at"]),
            "updated_at": _when(row["updated_at"]),
        }

    def _refresh(self, rows: Sequence[Mapping[str, Any]], refresh: bool, now: float) -> None:
        if not refresh:
            return
        for row in rows:
            if row.get("ttl_minutes"):
                where = f"ns = {sql_quote(row['ns'])} AND key = {sql_quote(row['key'])}"
                self._table.update(where, {"expires_at": now + 60.0 * row["ttl_minutes"]})

    def _get(self, op: GetOp, now: float) -> Item | None:
        rows = self._table.rows(
            self._where(now, f"ns = {sql_quote(_ns(op.namespace))}", f"key = {sql_quote(op.key)}"),
            limit=1,
        )
        if not rows:
            return None
        self._refresh(rows, op.refresh_ttl, now)
        return Item(**self._fields_of(rows[0]))

    def _search(self, op: SearchOp, now: float) -> list[SearchItem]:
        prefix = _prefix_filter(op.namespace_prefix)
        wanted = op.offset + op.limit
        if op.limit <= 0:
            return []

        def keep(row: Mapping[str, Any]) -> bool:
            if not op.filter:
                return True
            value = json.loads(row["value"])
            return all(_compare(value.get(k), v) for k, v in op.filter.items())

        scored: list[tuple[dict[str, Any], float | None]] = []
        if op.query:
            k = max(wanted, 10)
            while True:
                hits = self._table.search(
                    op.query, k=k, where=self._where(now, prefix, "indexed = true")
                )
                scored = [(h.row, h.score) for h in hits if keep(h.row)]
                if len(scored) >= wanted or len(hits) < k:
                    break
                k *= 4
            if len(scored) < wanted:  # like InMemoryStore: fill up with unindexed items
                unindexed = self._table.rows(self._where(now, prefix, "indexed = false"))
                scored += [(r, None) for r in unindexed if keep(r)][: wanted - len(scored)]
        else:
            rows = sorted(
                self._table.rows(self._where(now, prefix)),
                key=lambda r: r["updated_at"],
                reverse=True,
            )
            scored = [(r, None) for r in rows if keep(r)]
        page = scored[op.offset : wanted]
        self._refresh([r for r, _ in page], op.refresh_ttl, now)
        return [SearchItem(**self._fields_of(r), score=s) for r, s in page]

    def _list_namespaces(self, op: ListNamespacesOp, now: float) -> list[tuple[str, ...]]:
        rows = self._table.rows(self._where(now), columns=["ns"])
        namespaces = {tuple(r["ns"].split(_SEP)) for r in rows}
        if op.match_conditions:
            namespaces = {
                ns for ns in namespaces if all(_matches(c, ns) for c in op.match_conditions)
            }
        if op.max_depth is not None:
            namespaces = {ns[: op.max_depth] for ns in namespaces}
        return sorted(namespaces)[op.offset : op.offset + op.limit]

    def _text(self, op: PutOp) -> str | None:
        """The text to index for a put, or ``None`` when it is not indexed."""
        if op.index is False or op.value is None:
            return None
        paths = self._fields if op.index is None else [(p, tokenize_path(p)) for p in op.index]
        texts: list[str] = []
        for path, tokens in paths:
            if path == "$":
                texts.append(json.dumps(op.value, ensure_ascii=False, sort_keys=True))
            else:
                texts += get_text_at_path(op.value, tokens)
        return "\n".join(t for t in texts if t) or None

    def _apply(self, puts: Sequence[PutOp], now: float) -> None:
        self.sweep_ttl()
        for op in (p for p in puts if p.value is None):
            self._table.delete(
                f"ns = {sql_quote(_ns(op.namespace))} AND key = {sql_quote(str(op.key))}"
            )
        writes = [p for p in puts if p.value is not None]
        if not writes:
            return
        created = self._created_at([(_ns(p.namespace), str(p.key)) for p in writes])
        placeholder = np.zeros(self._table.embedder.dim, dtype=np.float32)
        placeholder[0] = 1.0  # unindexed items need a vector; they are never vector-searched
        rows: list[dict[str, Any]] = []
        for op in writes:
            ns, text = _ns(op.namespace), self._text(op)
            row: dict[str, Any] = {
                "ns": ns,
                "key": str(op.key),
                "value": json.dumps(op.value, ensure_ascii=False),
                "text": text or "",
                "indexed": text is not None,
                "created_at": created.get((ns, str(op.key)), now),
                "updated_at": now,
                "ttl_minutes": op.ttl,
                "expires_at": now + 60.0 * op.ttl if op.ttl else None,
            }
            if text is None:
                row["vector"] = placeholder
            rows.append(row)
        self._table.upsert(rows, on=["ns", "key"])

    def _created_at(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], float]:
        """When each existing item was first put (kept across updates)."""
        by_ns: dict[str, list[str]] = {}
        for ns, key in keys:
            by_ns.setdefault(ns, []).append(key)
        out: dict[tuple[str, str], float] = {}
        for ns, ks in by_ns.items():
            where = f"ns = {sql_quote(ns)} AND key IN ({', '.join(sql_quote(k) for k in ks)})"
            for row in self._table.rows(where, columns=["key", "created_at"]):
                out[(ns, row["key"])] = row["created_at"]
        return out

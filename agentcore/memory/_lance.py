"""The one LanceDB layer: a table of texts and vectors with hybrid search.

Memory and the RAG plugin both store their rows in a :class:`HybridTable`. It records which
embedder filled it (in the table's schema metadata) and refuses to mix embedders; it keeps a
native full-text (BM25) index current and builds an ANN vector index once the table is large
enough for exact search to get slow; and it fuses full-text and vector results with
reciprocal rank fusion (RRF).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from agentcore.errors import EmbedderMismatchError, StoreError

if TYPE_CHECKING:
    import numpy.typing as npt
    from lancedb.db import DBConnection
    from lancedb.table import Table

    from agentcore.memory._embedder import Embedder

__all__ = [
    "DEFAULT_INDEX_THRESHOLD",
    "META_EMBEDDER",
    "META_EMBEDDER_DIM",
    "Hit",
    "HybridTable",
    "SearchMode",
    "sql_quote",
]

SearchMode = Literal["hybrid", "vector", "fts"]

META_EMBEDDER = "agentcore.embedder"
META_EMBEDDER_DIM = "agentcore.embedder_dim"
DEFAULT_INDEX_THRESHOLD = 10_000
RRF_K = 60  # the constant of Cormack et al.; damps the weight of the very first ranks
_EMBED_BATCH = 256
_RECHECK_S = 30.0
_INTERNAL = ("vector", "_rowid", "_distance", "_score", "_relevance_score")
_LANCE_NOISE = re.compile(r",?\s*/\S+\.rs:\d+:\d+.*$", re.DOTALL)  # rust source locations


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """One search result.

    Attributes:
        row: The stored columns, except ``vector``.
        score: Higher is better: the RRF score (hybrid), cosine similarity (vector) or BM25
            score (fts).
    """

    row: dict[str, Any]
    score: float


Ranked = list[tuple[int, Hit]]  # (row id, hit): the row id identifies a row across rankings


def sql_quote(value: str) -> str:
    """Quote ``value`` as a SQL string literal for a ``where`` filter."""
    return "'" + value.replace("'", "''") + "'"


def _short(exc: BaseException) -> str:
    text = _LANCE_NOISE.sub("", str(exc)).strip()
    return text.removeprefix("lance error: ").splitlines()[0] if text else type(exc).__name__


@contextlib.contextmanager
def _storage(what: str) -> Iterator[None]:
    """Turn LanceDB's exceptions into a :class:`StoreError` that says what failed."""
    try:
        yield
    except (OSError, RuntimeError, ValueError) as exc:
        if isinstance(exc, PermissionError) or "ermission denied" in str(exc):
            hint = "check that you may read and write that location"
        elif "Schema error" in str(exc) or "parsing" in str(exc):
            hint = "check the filter: it is a SQL expression over the table's columns"
        else:
            hint = (
                "if another process is writing to it, wait and retry; if it is corrupt, "
                "move the directory aside and rebuild it"
            )
        raise StoreError(f"{what}: {_short(exc)}", hint=hint) from exc


def _vector_type(dim: int) -> pa.DataType:
    return pa.list_(pa.float32(), dim)


def _is_text(field: pa.Field) -> bool:
    return bool(pa.types.is_string(field.type) or pa.types.is_large_string(field.type))


class HybridTable:
    """A LanceDB table of texts and their vectors, searched by words, meaning, or both.

    Open one with :meth:`open`; it is created when missing. Every row has a ``text`` column
    (what is searched) and a ``vector`` column (its embedding, computed on :meth:`add` when a
    row has none); other columns are the caller's, and ``where`` filters are SQL over them.

    Attributes:
        nprobes: IVF partitions searched once the ANN index exists (recall vs speed).
        refine_factor: Candidates re-ranked with exact distances, as a multiple of ``k``.
        ef: HNSW candidate list size per partition (at least ``k``). With these defaults,
            on 100,000 clustered 384-d vectors, recall@10 against exact search was 0.98.
        candidates: Results taken from each side of a hybrid search before fusing, at least.
    """

    nprobes = 24
    refine_factor = 4
    ef = 200
    candidates = 40

    def __init__(
        self,
        *,
        db: DBConnection,
        table: Table,
        uri: str,
        name: str,
        embedder: Embedder,
        index_threshold: int,
    ) -> None:
        self._db = db
        self._table = table
        self._uri = uri
        self._name = name
        self._embedder = embedder
        self._index_threshold = index_threshold
        self._deleted = False
        self._known: set[str] = set()  # index kinds seen: "fts", "vector"
        self._checked_at = float("-inf")
        self._columns = [f.name for f in table.schema if f.name != "vector"]

    # --- opening ------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        uri: str | Path,
        name: str,
        *,
        schema: pa.Schema,
        embedder: Embedder,
        reembed: bool = False,
        index_threshold: int = DEFAULT_INDEX_THRESHOLD,
        reembed_hint: str = "reembed=True",
    ) -> HybridTable:
        """Open the table ``name`` at ``uri``, creating it when missing.

        Args:
            uri: A local directory or any LanceDB URI (``s3://``, ``gs://``, ``db://``...).
            name: The table's name.
            schema: Its columns. It must have a ``text`` string column; a ``vector`` column
                is added (``fixed_size_list<float32>[embedder.dim]``) when absent. Columns the
                existing table lacks are added to it, empty.
            embedder: Fills ``vector``; its name and dimension are recorded with the table.
            reembed: When the table was made with another embedder, re-embed every row with
                this one instead of refusing.
            index_threshold: Rows from which an ANN vector index is built.
            reembed_hint: How the user asks for a re-embed, for the mismatch message (e.g.
                a CLI flag).

        Raises:
            EmbedderMismatchError: The table was made with another embedder (and not
                ``reembed``).
            StoreError: The table cannot be opened or created (corrupt, no permission).
        """
        schema = cls._full_schema(schema, embedder)
        location = str(uri)
        where = f"table '{name}' at {location}"
        if "://" not in location:
            with _storage(f"cannot create {location}"):
                Path(location).mkdir(parents=True, exist_ok=True)
        # We never read index statistics; opt in to LanceDB's coming default now, which also
        # silences its warning about centroids on every list_indices() of a vector index.
        os.environ.setdefault("LANCE_INCLUDE_VECTOR_CENTROIDS", "false")
        import lancedb

        with _storage(f"cannot open {where}"):
            db = lancedb.connect(location, read_consistency_interval=timedelta(0))
            try:
                table = db.open_table(name)
            except ValueError as exc:
                if "not found" not in str(exc):
                    raise
                table = db.create_table(name, schema=schema, exist_ok=True)
        self = cls(
            db=db,
            table=table,
            uri=location,
            name=name,
            embedder=embedder,
            index_threshold=index_threshold,
        )
        stored = self.stored_embedder()
        if stored != (embedder.name, embedder.dim):
            if not reembed:
                shown = f"{stored[0]} ({stored[1]}-d)" if stored[0] else "an unknown embedder"
                raise EmbedderMismatchError(
                    where,
                    stored=shown,
                    wanted=f"{embedder.name} ({embedder.dim}-d)",
                    hint=(
                        f"configure the embedder '{stored[0]}' again, or re-embed the table "
                        f"with the new one ({reembed_hint})"
                        if stored[0]
                        else f"re-embed the table ({reembed_hint})"
                    ),
                )
            self._reembed(schema)
        self._add_missing_columns(schema)
        return self

    @staticmethod
    def _full_schema(schema: pa.Schema, embedder: Embedder) -> pa.Schema:
        if "text" not in schema.names or not _is_text(schema.field("text")):
            raise ValueError("a HybridTable schema needs a string column 'text'")
        vector = _vector_type(embedder.dim)
        if "vector" in schema.names:
            if schema.field("vector").type != vector:
                raise ValueError(
                    f"column 'vector' must be {vector} for embedder {embedder.name}, "
                    f"got {schema.field('vector').type}"
                )
        else:
            schema = schema.append(pa.field("vector", vector))
        metadata = dict(schema.metadata or {})
        metadata[META_EMBEDDER.encode()] = embedder.name.encode()
        metadata[META_EMBEDDER_DIM.encode()] = str(embedder.dim).encode()
        return schema.with_metadata(metadata)

    def stored_embedder(self) -> tuple[str, int]:
        """The embedder name and dimension recorded with the table (``("", 0)``: none)."""
        with _storage(f"cannot read {self}"):
            schema = self._table.schema
        metadata = schema.metadata or {}
        name = metadata.get(META_EMBEDDER.encode(), b"").decode()
        dim_raw = metadata.get(META_EMBEDDER_DIM.encode(), b"0").decode()
        dim = int(dim_raw) if dim_raw.isdigit() else 0
        if not dim and "vector" in schema.names:
            vector_type = schema.field("vector").type
            dim = vector_type.list_size if pa.types.is_fixed_size_list(vector_type) else 0
        return name, dim

    def _add_missing_columns(self, schema: pa.Schema) -> None:
        existing = set(self._table.schema.names)
        missing = [f.with_nullable(True) for f in schema if f.name not in existing]
        if missing:
            with _storage(f"cannot add columns to {self}"):
                self._table.add_columns(missing)
            self._columns = [f.name for f in self._table.schema if f.name != "vector"]

    def _reembed(self, schema: pa.Schema) -> None:
        """Rewrite every row with vectors from the current embedder, in one new version."""
        with _storage(f"cannot re-embed {self}"):
            data = self._table.to_arrow()
            texts = [t or "" for t in data.column("text").to_pylist()]
            vectors = self._embed(texts)
            columns = {n: data.column(n) for n in data.column_names if n != "vector"}
            rows = pa.table(columns).append_column(
                "vector", pa.FixedSizeListArray.from_arrays(vectors.ravel(), self._embedder.dim)
            )
            merged = pa.unify_schemas([schema, rows.schema.remove_metadata()])
            target = pa.schema([merged.field(n) for n in merged.names], metadata=schema.metadata)
            rows = rows.select([n for n in target.names if n in rows.column_names])
            for field in target:
                if field.name not in rows.column_names:
                    rows = rows.append_column(field, pa.nulls(rows.num_rows, field.type))
            rows = rows.select(target.names).cast(target)
            self._table = self._db.create_table(
                self._name, data=rows, schema=target, mode="overwrite"
            )
        self._columns = [f.name for f in self._table.schema if f.name != "vector"]
        self._known.clear()  # an overwritten table starts without indexes
        self.ensure_indexes(force=True)

    # --- properties ---------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The table's name."""
        return self._name

    @property
    def uri(self) -> str:
        """Where the table's database lives."""
        return self._uri

    @property
    def embedder(self) -> Embedder:
        """The embedder that fills ``vector``."""
        return self._embedder

    @property
    def columns(self) -> list[str]:
        """The stored columns, except ``vector``."""
        return list(self._columns)

    @property
    def lance_table(self) -> Table:
        """The underlying ``lancedb`` table, for what this class does not cover."""
        return self._table

    def __repr__(self) -> str:
        return f"table '{self._name}' at {self._uri}"

    # --- writing ------------------------------------------------------------------------

    def _embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.empty((len(texts), self._embedder.dim), dtype=np.float32)
        for start in range(0, len(texts), _EMBED_BATCH):
            chunk = texts[start : start + _EMBED_BATCH]
            out[start : start + len(chunk)] = self._embedder.embed_documents(chunk)
        return out

    def _arrow(self, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
        schema = self._table.schema
        known = set(schema.names)
        for row in rows:
            unknown = set(row) - known
            if unknown:
                raise ValueError(f"{self} has no column(s) {sorted(unknown)}")
            if not isinstance(row.get("text"), str):
                raise ValueError(f"every row needs a string 'text', got {row.get('text')!r}")
        missing = [i for i, row in enumerate(rows) if row.get("vector") is None]
        vectors = self._embed([rows[i]["text"] for i in missing]) if missing else None
        filled = [dict(row) for row in rows]
        if vectors is not None:
            for j, i in enumerate(missing):
                filled[i]["vector"] = vectors[j]
        return pa.Table.from_pylist(filled, schema=schema)

    def add(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Append rows; ``vector`` is computed for rows that have none.

        Returns:
            How many rows were added.

        Raises:
            ValueError: A row has a column the table lacks, or no ``text``.
            StoreError: The table cannot be written.
        """
        if not rows:
            return 0
        data = self._arrow(rows)
        with _storage(f"cannot write to {self}"):
            self._table.add(data)
        self.ensure_indexes()
        return int(data.num_rows)

    def upsert(self, rows: Sequence[Mapping[str, Any]], *, on: str | Sequence[str]) -> int:
        """Insert rows, replacing the stored rows whose ``on`` column(s) match.

        Returns:
            How many rows were written (inserted or replaced).
        """
        if not rows:
            return 0
        data = self._arrow(rows)
        keys = [on] if isinstance(on, str) else list(on)
        with _storage(f"cannot write to {self}"):
            (
                self._table.merge_insert(keys)
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute(data)
            )
        self.ensure_indexes()
        return int(data.num_rows)

    def update(self, where: str, values: Mapping[str, Any]) -> int:
        """Set ``values`` (column -> value, not ``text``/``vector``) on the matching rows.

        Returns:
            How many rows were updated.
        """
        if {"text", "vector"} & set(values):
            raise ValueError("update() cannot change 'text' or 'vector'; use upsert()")
        with _storage(f"cannot update {self}"):
            result = self._table.update(where=where, values=dict(values))
        return int(getattr(result, "rows_updated", 0) or 0)

    def delete(self, where: str) -> int:
        """Delete the rows matching the SQL filter ``where``; returns how many.

        The rows are gone from every search at once; their bytes leave the disk at the next
        :meth:`optimize`.
        """
        with _storage(f"cannot delete from {self}"):
            result = self._table.delete(where)
        deleted = int(getattr(result, "num_deleted_rows", 0) or 0)
        self._deleted = self._deleted or deleted > 0
        return deleted

    # --- reading ------------------------------------------------------------------------

    def count(self, where: str | None = None) -> int:
        """Rows in the table, or rows matching the SQL filter ``where``."""
        with _storage(f"cannot read {self}"):
            return int(self._table.count_rows(where))

    def rows(
        self,
        where: str | None = None,
        *,
        columns: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Read rows (without ``vector`` unless asked), optionally filtered, in table order."""
        query = self._table.search()
        if where:
            query = query.where(where)
        query = query.select(list(columns or self._columns)).offset(offset)
        query = query.limit(limit) if limit is not None else query.limit(None)
        with _storage(f"cannot read {self}"):
            rows: list[dict[str, Any]] = query.to_arrow().to_pylist()
        return rows

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        where: str | None = None,
        mode: SearchMode = "hybrid",
    ) -> list[Hit]:
        """Search by words (``fts``, BM25), meaning (``vector``) or both (``hybrid``, RRF).

        Args:
            query: What to look for, in plain words.
            k: The most results to return.
            where: A SQL prefilter over the columns, applied before ranking.
            mode: ``hybrid`` (the default), ``vector`` or ``fts``.

        Returns:
            At most ``k`` hits, best first.
        """
        if k <= 0:
            return []
        if mode == "vector":
            return self.search_vector(self._embedder.embed_query(query), k=k, where=where)
        if mode == "fts":
            return [hit for _, hit in self._fts(query, k=k, where=where)]
        n = max(self.candidates, 2 * k)
        vector = self._embedder.embed_query(query)
        return _rrf([self._vector(vector, k=n, where=where), self._fts(query, k=n, where=where)], k)

    def search_vector(
        self, vector: npt.NDArray[np.float32], *, k: int = 10, where: str | None = None
    ) -> list[Hit]:
        """Nearest rows to ``vector`` by cosine similarity (the hit's score)."""
        return [hit for _, hit in self._vector(vector, k=k, where=where)]

    def _vector(self, vector: npt.NDArray[np.float32], *, k: int, where: str | None) -> Ranked:
        query: Any = self._table.search(
            np.asarray(vector, dtype=np.float32), vector_column_name="vector"
        )
        builder: Any = (
            query.distance_type("cosine")
            .select([*self._columns, "_distance"])
            .with_row_id(True)
            .limit(k)
        )
        if where:
            builder = builder.where(where, prefilter=True)
        if self.has_vector_index():
            builder = (
                builder.nprobes(self.nprobes).refine_factor(self.refine_factor).ef(max(self.ef, k))
            )
        with _storage(f"cannot search {self}"):
            rows = builder.to_arrow().to_pylist()
        return _ranked(rows, "_distance")

    def _fts(self, query: str, *, k: int, where: str | None) -> Ranked:
        if not query.strip() or not self._has_index("fts"):
            return []  # an empty table has no FTS index yet, and nothing to find
        builder = (
            self._table.search(query, query_type="fts", fts_columns="text")
            .select([*self._columns, "_score"])
            .with_row_id(True)
            .limit(k)
        )
        if where:
            builder = builder.where(where, prefilter=True)
        with _storage(f"cannot search {self}"):
            rows = builder.to_arrow().to_pylist()
        return _ranked(rows, "_score")

    # --- maintenance --------------------------------------------------------------------

    def _indexes(self) -> dict[str, Any]:
        """The table's indexes by name; remembers which kinds exist (they never go away)."""
        with _storage(f"cannot read the indexes of {self}"):
            indices = {i.name: i for i in self._table.list_indices()}
        for index in indices.values():
            if index.index_type == "FTS" and "text" in index.columns:
                self._known.add("fts")
            elif "vector" in index.columns:
                self._known.add("vector")
        self._checked_at = time.monotonic()
        return indices

    def _has_index(self, kind: Literal["fts", "vector"]) -> bool:
        # Listing indexes costs a manifest read per search; a missing one is looked for again
        # after a while, in case another process built it.
        if kind not in self._known and time.monotonic() - self._checked_at > _RECHECK_S:
            self._indexes()
        return kind in self._known

    def has_vector_index(self) -> bool:
        """Whether the ANN vector index exists (the table passed the threshold)."""
        return self._has_index("vector")

    def ensure_indexes(self, *, force: bool = False) -> None:
        """Keep the indexes current: full-text always, ANN once the table is large enough.

        New rows are searchable at once without it (LanceDB scans what an index does not
        cover); this only keeps search fast. An index that lags far behind is brought up to
        date; ``force`` rebuilds the full-text index from scratch.
        """
        from lancedb.index import FTS, HnswSq

        rows = self.count()
        if rows == 0:
            return
        indices = self._indexes()
        with _storage(f"cannot index {self}"):
            if force or "fts" not in self._known:
                self._table.create_index("text", config=FTS(with_position=False), replace=True)
                self._known.add("fts")
            if "vector" not in self._known and rows >= self._index_threshold:
                self._table.create_index(
                    "vector", config=HnswSq(distance_type="cosine"), replace=True
                )
                self._known.add("vector")
            lagging = max(
                (int(getattr(i, "num_unindexed_rows", 0) or 0) for i in indices.values()),
                default=0,
            )
            if lagging >= max(1_000, rows // 10):
                self._table.optimize()  # folds new rows into the indexes

    def optimize(self) -> None:
        """Compact the table and drop every old version: deleted rows really leave the disk.

        Another process reading an old version of this table while this runs may fail (and
        then retries on the current one).
        """
        from lancedb.index import FTS

        with _storage(f"cannot optimize {self}"), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"optimize\(cleanup_older_than=0\)")
            if self._deleted and self._has_index("fts") and self.count():
                # rebuild rather than remap, so no term of a deleted row survives in the index
                self._table.create_index("text", config=FTS(with_position=False), replace=True)
            self._table.optimize(cleanup_older_than=timedelta(0))
        self._deleted = False


def _ranked(rows: list[dict[str, Any]], score: str) -> Ranked:
    out: Ranked = []
    for row in rows:
        value = float(row[score])
        hit = Hit(
            row={k: v for k, v in row.items() if k not in _INTERNAL},
            score=1.0 - value if score == "_distance" else value,
        )
        out.append((int(row["_rowid"]), hit))
    return out


def _rrf(rankings: Sequence[Ranked], k: int) -> list[Hit]:
    """Reciprocal rank fusion: each ranking gives a row ``1 / (RRF_K + rank)``."""
    scores: dict[int, float] = {}
    best: dict[int, tuple[int, Hit]] = {}
    for ranking in rankings:
        for rank, (rowid, hit) in enumerate(ranking, start=1):
            scores[rowid] = scores.get(rowid, 0.0) + 1.0 / (RRF_K + rank)
            if rowid not in best or rank < best[rowid][0]:
                best[rowid] = (rank, hit)
    order = sorted(scores, key=lambda r: (-scores[r], best[r][0]))[:k]
    return [Hit(row=best[r][1].row, score=scores[r]) for r in order]

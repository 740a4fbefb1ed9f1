from __future__ import annotations

import time
from typing import Any

import duckdb

from agentcore.tools import ToolContext
from agentcore_sql import _render
from agentcore_sql._catalog import Relation, find, guarded, relations, roots_of
from agentcore_sql._engine import Session, first_row, quote_ident, session
from agentcore_sql._files import Roots
from agentcore_sql._guard import clean
from agentcore_sql._options import OUTPUT_BUDGET, SqlOptions
from agentcore_sql._query import settings_of
from agentcore_sql._watchdog import WATCHDOG

_SAMPLE_ROWS = 200
_SAMPLES = 3
_SAMPLE_CHARS = 60
#: Types whose min and max say something (numbers, times); text and nested types are skipped.
_RANGED = (
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
    "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "DATE", "TIME", "TIMESTAMP",
    "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "INTERVAL",
)  # fmt: skip


def describe(ctx: ToolContext, table: str | None = None) -> str:
    """Describe the run's tables, or one of them: the work of ``sql_schema`` (in ``_tools``)."""
    opts = settings_of(ctx)
    with session(ctx, opts) as current:
        roots = roots_of(current)
        if table is None:
            with guarded(current, opts):
                known = relations(current)
            return _listing(current, opts, roots, known)
        with guarded(current, opts):
            found = find(current, table)
            return _describe(current, roots, found)


def _listing(current: Session, opts: SqlOptions, roots: Roots, known: list[Relation]) -> str:
    if not known:
        return (
            f"no tables or views yet in this run's schema ({current.schema}). Load a file with "
            "sql_load(path='data/file.csv'), or query one directly: "
            "SELECT * FROM read_csv('data/file.csv')."
        )
    give_up = time.monotonic() + opts.timeout_s
    names, kinds, rows, cols, sources = [], [], [], [], []
    for rel in known:
        names.append(rel.shown(current.schema))
        kinds.append(rel.kind)
        rows.append(_count(current, rel, give_up - time.monotonic()))
        cols.append(rel.columns)
        sources.append(f"{roots.display(rel.source)} ({rel.source_format})" if rel.source else "")
    table, _, _ = _render.table(
        ["name", "kind", "rows", "columns", "loaded from"],
        [names, kinds, rows, cols, sources],
        max_chars=200,
        budget=OUTPUT_BUDGET,
    )
    return (
        f"{len(known)} tables and views (this run's schema is {current.schema}; tables you "
        f"create go there):\n{table}\n"
        "sql_schema(table=NAME) shows a table's columns, types, null counts and sample values."
    )


def _count(current: Session, rel: Relation, budget: float) -> Any:
    """The row count, or why there is none (a view whose file is gone, a count too slow)."""
    if budget <= 0:
        return "? (no time left)"
    with WATCHDOG.deadline(budget, current.interrupt):
        try:
            row = first_row(current.cursor, f"SELECT count(*) FROM {rel.sql()}")
        except duckdb.InterruptException:
            return "? (count took too long)"
        except duckdb.Error as exc:
            return f"broken: {clean(str(exc)).splitlines()[0]}"
    return int(row[0]) if row else 0


def _describe(current: Session, roots: Roots, rel: Relation) -> str:
    cursor = current.cursor
    described = cursor.execute(f"DESCRIBE {rel.sql()}").fetchall()
    names = [str(c[0]) for c in described]
    types = [str(c[1]) for c in described]
    parts = ["count(*)"]
    for name, kind in zip(names, types, strict=True):
        c = quote_ident(name)
        parts.append(f"count(*) - count({c})")
        nested = any(ch in kind for ch in "[]()") and not kind.startswith("DECIMAL")
        parts.append("NULL" if nested else f"approx_count_distinct({c})")
        ranged = kind in _RANGED or kind.startswith("DECIMAL")
        # As text: DuckDB spells every type (time zones too) without a Python conversion.
        parts += [f"min({c})::VARCHAR", f"max({c})::VARCHAR"] if ranged else ["NULL", "NULL"]
    stats = first_row(cursor, f"SELECT {', '.join(parts)} FROM {rel.sql()}") or ()
    total = int(stats[0]) if stats else 0
    head = cursor.sql(f"SELECT * FROM {rel.sql()} LIMIT {_SAMPLE_ROWS}").to_arrow_table()
    nulls, distinct, lows, highs, samples = [], [], [], [], []
    for i in range(len(names)):
        missing, approx, low, high = stats[1 + 4 * i : 5 + 4 * i]
        share = f" ({missing / total:.1%})" if total and missing else ""
        nulls.append(f"{missing:,}{share}")
        distinct.append("" if approx is None else f"{approx:,}")
        lows.append("" if low is None else _render.cell(low, 30))
        highs.append("" if high is None else _render.cell(high, 30))
        samples.append(_samples(head.column(i).to_pylist()))
    table, _, _ = _render.table(
        ["column", "type", "nulls", "distinct≈", "min", "max", "sample values"],
        [names, types, nulls, distinct, lows, highs, samples],
        max_chars=_SAMPLE_CHARS,
        budget=OUTPUT_BUDGET,
    )
    origin = ""
    if rel.source:
        origin = f", loaded from {roots.display(rel.source)} ({rel.source_format})"
        if rel.kind == "view":
            origin += "; the view reads the file on every query"
    header = (
        f"{rel.shown(current.schema)}: {rel.kind}, {total:,} rows, {len(names)} columns{origin}"
    )
    return f"{header}\n{table}"


def _samples(values: list[Any]) -> str:
    seen: list[str] = []
    for value in values:
        if value is None:
            continue
        text = _render.cell(value, 20)
        if text not in seen:
            seen.append(text)
        if len(seen) == _SAMPLES:
            break
    return ", ".join(seen)

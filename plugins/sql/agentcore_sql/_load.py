from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import duckdb

from agentcore.tools import ToolContext, ToolError
from agentcore_sql._catalog import guarded
from agentcore_sql._engine import (
    META_SCHEMA,
    Session,
    first_row,
    quote_ident,
    quote_str,
    session,
)
from agentcore_sql._files import Roots, file_format, has_glob, locate, table_name
from agentcore_sql._query import settings_of

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
#: Spellings of "missing" that R, pandas and spreadsheets write into CSV files.
_MISSING = ("NA", "N/A", "#N/A", "NaN", "nan", "NULL", "null", "None")
#: Rows looked at to decide whether a text column is really numbers with missing markers.
_PROBE_ROWS = 100_000
#: A text column whose other values all cast to one of these is data with missing markers.
_TYPED = ("DOUBLE", "TIMESTAMPTZ", "BOOLEAN")
_FORMAT_NAMES = {"csv": "CSV", "parquet": "Parquet", "json": "JSON", "ndjson": "JSON lines"}


def load(
    ctx: ToolContext,
    path: str,
    name: str | None = None,
    kind: Literal["view", "table"] = "view",
) -> str:
    """Register a data file as a view or table: the work of ``sql_load`` (in ``_tools``)."""
    opts = settings_of(ctx)
    roots = Roots(workspace=ctx.workspace.resolve(), data_dirs=opts.data_dirs)
    target, files = locate(path, roots)
    formats = {file_format(f.name) for f in files}
    if len(formats) > 1:
        raise ToolError(
            f"'{path}' matches files of different formats ({', '.join(sorted(formats))}); "
            "load each format with its own pattern"
        )
    fmt = formats.pop()
    if all(f.stat().st_size == 0 for f in files):
        raise ToolError(f"'{path}' is empty (0 bytes); there is nothing to load")
    table = name if name is not None else table_name(files, target)
    if not _NAME.match(table):
        raise ToolError(
            f"'{table}' cannot be a table name: use letters, digits and _ (not starting with a "
            f"digit), at most 63 characters, e.g. '{table_name([Path(table)], Path(table))}'"
        )
    with session(ctx, opts) as current, guarded(current, opts):
        reader, notes = _reader(current, fmt, target, single=not has_glob(path))
        replaced = _make(current, table, kind, reader)
        qualified = f"{quote_ident(current.schema)}.{quote_ident(table)}"
        columns = current.cursor.execute(f"DESCRIBE {qualified}").fetchall()
        count_row = first_row(current.cursor, f"SELECT count(*) FROM {qualified}")
        current.cursor.execute(
            f"INSERT OR REPLACE INTO {META_SCHEMA}.sources "
            "(schema_name, name, path, format, kind) VALUES (?, ?, ?, ?, ?)",
            [current.schema, table, target.as_posix(), fmt, kind],
        )
    rows = int(count_row[0]) if count_row else 0
    return _summary(roots, target, files, fmt, table, kind, replaced, rows, columns, notes)


def _reader(current: Session, fmt: str, target: Path, *, single: bool) -> tuple[str, list[str]]:
    """The DuckDB table function that reads the file, and notes on how it reads it."""
    where = quote_str(target.as_posix())
    if fmt == "parquet":
        return f"read_parquet({where})", []
    if fmt == "ndjson":
        return f"read_json({where}, format='newline_delimited')", []
    if fmt == "json":
        return f"read_json({where})", []
    notes: list[str] = []
    options = ""
    markers, columns = _missing_markers(current.cursor, where)
    if markers:
        options = f", nullstr={['', *markers]!r}"
        spelled = " and ".join(f"'{m}'" for m in markers)
        notes.append(
            f"{spelled} read as NULL: the file marks missing values that way (in "
            f"{_listing(columns)})"
        )
    if single:
        # DuckDB's sniffer writes out the read_csv call it settled on (delimiter, header,
        # column types); a view that uses it keeps its types and skips sniffing per query.
        row = first_row(current.cursor, f"SELECT Prompt FROM sniff_csv({where}{options})")
        prompt = str(row[0]).strip().rstrip(";") if row and row[0] else ""
        if prompt.startswith("FROM read_csv("):
            return prompt.removeprefix("FROM "), notes
    return f"read_csv({where}{options})", notes


def _missing_markers(cursor: duckdb.DuckDBPyConnection, where: str) -> tuple[list[str], list[str]]:
    """Find 'NA'-style markers in columns that would be numeric without them."""
    described = cursor.execute(f"DESCRIBE SELECT * FROM read_csv({where})").fetchall()
    text = [str(col[0]) for col in described if col[1] == "VARCHAR"]
    if not text:
        return [], []
    listed = ", ".join(quote_str(m) for m in _MISSING)
    parts = []
    for col in text:
        c = quote_ident(col)
        parts.append(f"list_distinct(list({c}) FILTER (WHERE {c} IN ({listed})))")
        untyped = " AND ".join(f"TRY_CAST({c} AS {t}) IS NULL" for t in _TYPED)
        parts.append(f"count(*) FILTER (WHERE {c} NOT IN ({listed}) AND {untyped})")
    probe = (
        f"SELECT {', '.join(parts)} FROM (SELECT * FROM read_csv({where}, all_varchar=true) "
        f"LIMIT {_PROBE_ROWS})"
    )
    row = first_row(cursor, probe) or ()
    markers: set[str] = set()
    numeric: list[str] = []
    for i, col in enumerate(text):
        found, other = row[2 * i], row[2 * i + 1]
        if found and not other:
            markers.update(str(m) for m in found)
            numeric.append(col)
    return sorted(markers), numeric


def _make(current: Session, table: str, kind: str, reader: str) -> str | None:
    """Create the view or table, replacing one of the same name; say what was replaced."""
    cursor = current.cursor
    existing = first_row(
        cursor,
        "SELECT table_type FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ?",
        [current.schema, table],
    )
    was = None
    qualified = f"{quote_ident(current.schema)}.{quote_ident(table)}"
    if existing is not None:
        was = "view" if existing[0] == "VIEW" else "table"
        if was != kind:  # CREATE OR REPLACE cannot turn a view into a table
            cursor.execute(f"DROP {was.upper()} {qualified}")
    verb = "VIEW" if kind == "view" else "TABLE"
    cursor.execute(f"CREATE OR REPLACE {verb} {qualified} AS SELECT * FROM {reader}")
    return was


def _summary(
    roots: Roots,
    target: Path,
    files: list[Path],
    fmt: str,
    table: str,
    kind: str,
    replaced: str | None,
    rows: int,
    columns: list[tuple[object, ...]],
    notes: list[str],
) -> str:
    size = sum(f.stat().st_size for f in files)
    what = f"{len(files)} files, " if len(files) > 1 else ""
    lines = [
        f"loaded {roots.display(target)} ({_FORMAT_NAMES[fmt]}, {what}{_size(size)}) as "
        f"{kind} {table}: {rows:,} rows, {len(columns)} columns"
        + (f" (replaced the {replaced} of that name)" if replaced else "")
    ]
    if kind == "view":
        lines.append("The view reads the file on every query, so it follows changes to it.")
    else:
        lines.append("The table is a snapshot; load it again to pick up changes to the file.")
    lines += notes
    width = max(len(str(c[0])) for c in columns) if columns else 0
    lines.append("columns:")
    lines += [f"  {str(c[0]).ljust(width)}  {c[1]}" for c in columns]
    lines.append(
        f"Next: sql_schema(table='{table}') shows null counts and sample values; "
        f"sql_query(sql='SELECT * FROM {table} LIMIT 5') shows rows."
    )
    return "\n".join(lines)


def _listing(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{n} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"

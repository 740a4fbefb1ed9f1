"""The three tools as the model sees them: names, descriptions, argument schemas, limits.

Only their definitions live here, so that registering them (on every ``load_registry()``)
imports neither DuckDB nor pyarrow (nor numpy, which pyarrow imports): each call imports the
module that does the work, the first one in a process pays for it.
"""

from __future__ import annotations

from typing import Literal

from agentcore.tools import Risk, ToolContext, tool
from agentcore_sql._options import HARD_MAX_TIMEOUT_S, OUTPUT_BUDGET


@tool(risk=Risk.WRITES, timeout_s=HARD_MAX_TIMEOUT_S + 60)
def sql_load(
    ctx: ToolContext,
    path: str,
    name: str | None = None,
    kind: Literal["view", "table"] = "view",
) -> str:
    """Register a CSV, Parquet or JSON file as a table you can query with sql_query.

    The file may be in the run workspace or a configured data dir; a glob such as
    'data/*.parquet' loads many files as one. You get back the columns and types DuckDB
    inferred and the row count. Files are never modified.

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        path: The file, relative to the workspace (or a data dir), e.g. 'data/sales.csv'.
        name: The table name to use in SQL (letters, digits, _); default: from the file name.
        kind: 'view' (default) reads the file on every query, so it follows changes to the
            file; 'table' copies the data in now, a snapshot that is faster to query.
    """
    from agentcore_sql._load import load

    return load(ctx, path, name, kind)


@tool(risk=Risk.READ_ONLY, timeout_s=HARD_MAX_TIMEOUT_S + 60)
def sql_schema(ctx: ToolContext, table: str | None = None) -> str:
    """Describe the data you can query with sql_query.

    Without a table: every table and view of this run, with row and column counts and the
    file each was loaded from. With a table: its columns, types, null counts, approximate
    distinct counts, min and max, and a few sample values.

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        table: A table or view name, e.g. 'flights'; leave it out to list them all.
    """
    from agentcore_sql._schema import describe

    return describe(ctx, table)


@tool(
    risk=Risk.WRITES,
    timeout_s=HARD_MAX_TIMEOUT_S + 60,
    max_output_chars=OUTPUT_BUDGET + 4000,
    untrusted_output=True,
)
def sql_query(ctx: ToolContext, sql: str, max_rows: int = 50) -> str:
    """Run SQL (DuckDB dialect) on this run's tables and on data files, and see the result.

    You see a compact table of the first max_rows rows; every row is saved to a Parquet file
    in the workspace (its path is in the reply) that other tools can read. Query tables and
    views made by sql_load, or files directly: SELECT * FROM read_csv('data/x.csv'),
    read_parquet('data/*.parquet'), read_json('data/x.jsonl'); relative paths start at the
    workspace. Tables you create (CREATE TABLE t AS SELECT ...) go to this run's own schema
    and persist. Files can be read only in the workspace and the configured data dirs; COPY
    ... TO may write only inside the workspace. No network, no extensions, no ATTACH, no
    settings changes. Several statements separated by ';' run in order; you see the last
    one's result.

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        sql: The SQL to run, e.g. "SELECT origin, count(*) AS n FROM flights GROUP BY origin".
        max_rows: How many rows of the result to show (0 shows none; the file has them all).
    """
    from agentcore_sql._query import query

    return query(ctx, sql, max_rows)

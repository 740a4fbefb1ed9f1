"""SQL on the run's data files with DuckDB: ``sql_load``, ``sql_schema`` and ``sql_query``.

Each workspace has one DuckDB database (``.agentcore/sql/state.duckdb``), so tables persist
across calls, runs and processes; each run works in its own scratch schema (``run_<id>``),
where the tables and views it creates go. Every query result is saved whole as
``.agentcore/sql/query-<n>.parquet`` and reported as an artifact; the model sees the first
rows as a compact table.

DuckDB is locked down before any SQL runs: files can be read only in the workspace and the
configured data dirs and written only in the workspace (never over a loaded source file);
no network, no extensions, no ATTACH; ``lock_configuration`` keeps SQL from undoing any of it.
Each call has a time limit (the query is interrupted), a memory limit and a thread limit.

Settings, in ``agentcore.toml``::

    [plugins.sql]
    data_dirs = ["/srv/datasets"]   # also readable (never writable) by queries
    timeout_s = 30                  # per call; the query is interrupted after it (max 600)
    memory_limit = "4GB"            # DuckDB spills larger operations to disk
    threads = 4
    max_temp_directory_size = "10GB"
    max_rows_cap = 1000             # the largest max_rows a call may ask for
    max_cell_chars = 40             # longer cells are cut in the table the model sees
    lock_wait_s = 10                # wait for another process holding the database

Whoever runs tools outside a team calls :func:`close_run` when done (a team does it when the
run ends); :func:`close_all` (also run at interpreter exit) closes every database.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agentcore_sql._options import SqlOptions, options
from agentcore_sql._tools import sql_load, sql_query, sql_schema

if TYPE_CHECKING:
    from agentcore_sql._engine import close_all, close_run, flush, open_databases, scratch_schema

__all__ = [
    "SqlOptions",
    "close_all",
    "close_run",
    "flush",
    "open_databases",
    "options",
    "scratch_schema",
    "sql_load",
    "sql_query",
    "sql_schema",
]

# DuckDB loads with the module that opens the databases, on first use: importing the package,
# and registering its tools, imports neither DuckDB nor pyarrow.
_LAZY = {
    name: "agentcore_sql._engine"
    for name in ("close_all", "close_run", "flush", "open_databases", "scratch_schema")
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agentcore_sql' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

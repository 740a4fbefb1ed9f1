"""What a run can see in its database: tables, views and the files they were loaded from."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb

from agentcore.tools import ToolError
from agentcore_sql._engine import META_SCHEMA, Session, quote_ident
from agentcore_sql._files import Roots
from agentcore_sql._guard import explain
from agentcore_sql._options import SqlOptions
from agentcore_sql._watchdog import WATCHDOG


@dataclass(frozen=True, slots=True, kw_only=True)
class Relation:
    """A table or view the run can query."""

    schema: str
    name: str
    kind: str  # "table", "view" or "temp table"
    columns: int
    source: str | None = None  # the file it was loaded from, when sql_load made it
    source_format: str | None = None

    def shown(self, current: str) -> str:
        """Its name as the run writes it: bare in the run's schema, qualified elsewhere."""
        if self.schema == current or self.kind == "temp table":
            return self.name
        return f"{self.schema}.{self.name}"

    def sql(self) -> str:
        """Its quoted, qualified name for SQL."""
        if self.kind == "temp table":
            return f"temp.{quote_ident(self.schema)}.{quote_ident(self.name)}"
        return f"{quote_ident(self.schema)}.{quote_ident(self.name)}"


def roots_of(session: Session) -> Roots:
    """The directories the session's database may read (and, for the workspace, write)."""
    return Roots(workspace=session.db.workspace, data_dirs=session.db.data_dirs)


@contextlib.contextmanager
def guarded(session: Session, opts: SqlOptions) -> Iterator[None]:
    """Run the block under the query time limit, turning DuckDB errors into tool errors."""
    failure: tuple[duckdb.Error, bool] | None = None
    with WATCHDOG.deadline(opts.timeout_s, session.interrupt) as expiry:
        try:
            yield
        except duckdb.Error as exc:
            failure = (exc, expiry.fired)
    if failure is not None:
        error, fired = failure
        error.__traceback__ = failure = None  # see _query._run: no cycle through this frame
        raise explain(
            error,
            kind=None,
            roots=roots_of(session),
            timeout_s=opts.timeout_s,
            timed_out=fired,
            tables=lambda: names(session),
        ) from None


def sources(session: Session) -> dict[str, str]:
    """Loaded source files (path or glob) and the table or view each became."""
    rows = session.cursor.execute(
        f"SELECT path, schema_name || '.' || name FROM {META_SCHEMA}.sources"
    ).fetchall()
    return {str(path): str(name) for path, name in rows}


def relations(session: Session) -> list[Relation]:
    """The run's tables and views: its scratch schema, then ``main``, then temp tables."""
    rows = session.cursor.execute(
        f"""
        SELECT t.table_schema, t.table_name, t.table_type, t.table_catalog = 'temp',
               (SELECT count(*) FROM information_schema.columns c
                 WHERE c.table_catalog = t.table_catalog AND c.table_schema = t.table_schema
                   AND c.table_name = t.table_name),
               s.path, s.format
        FROM information_schema.tables t
        LEFT JOIN {META_SCHEMA}.sources s
          ON s.schema_name = t.table_schema AND s.name = t.table_name
         AND t.table_catalog = current_database()
        WHERE (t.table_catalog = current_database() AND t.table_schema IN (?, 'main'))
           OR t.table_catalog = 'temp'
        ORDER BY t.table_catalog = 'temp', t.table_schema <> ?, t.table_name
        """,
        [session.schema, session.schema],
    ).fetchall()
    out = []
    for schema, name, table_type, temp, columns, path, fmt in rows:
        kind = "temp table" if temp else ("view" if table_type == "VIEW" else "table")
        out.append(
            Relation(
                schema=str(schema),
                name=str(name),
                kind=kind,
                columns=int(columns),
                source=None if path is None else str(path),
                source_format=None if fmt is None else str(fmt),
            )
        )
    return out


def names(session: Session) -> list[str]:
    """The names the run can query, as it writes them."""
    try:
        return [r.shown(session.schema) for r in relations(session)]
    except duckdb.Error:
        return []


def find(session: Session, name: str) -> Relation:
    """The table or view called ``name`` (optionally ``schema.name``), case-insensitively.

    Raises:
        ToolError: No such table; the message lists the ones that exist.
    """
    wanted = name.strip().strip('"').lower()
    known = relations(session)
    for rel in known:
        if wanted in (rel.name.lower(), f"{rel.schema}.{rel.name}".lower()):
            return rel
    listed = ", ".join(r.shown(session.schema) for r in known) or "none yet"
    raise ToolError(
        f"no table or view named '{name}'. Tables and views you can query: {listed}. "
        "Load a file with sql_load to add one."
    )

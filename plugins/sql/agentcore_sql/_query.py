from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb

from agentcore.errors import ConfigError
from agentcore.tools import ToolContext, ToolError
from agentcore_sql import _render
from agentcore_sql._catalog import names, roots_of, sources
from agentcore_sql._engine import Session, make_dirs, session
from agentcore_sql._files import Roots
from agentcore_sql._guard import DENIED, Planned, absolutize, explain, plan
from agentcore_sql._options import OUTPUT_BUDGET, SqlOptions, options
from agentcore_sql._results import Fetched, fetch, save_later
from agentcore_sql._watchdog import WATCHDOG

_ST = duckdb.StatementType
_CHANGES = {
    _ST.INSERT: "inserted",
    _ST.UPDATE: "updated",
    _ST.DELETE: "deleted",
    _ST.MERGE_INTO: "merged",
    _ST.CREATE: "written",
    _ST.COPY: "copied",
}
# A refused relative path is retried as the absolute path it means; a statement can name a
# few files, each refused once.
_MAX_PATH_FIXES = 16


def settings_of(ctx: ToolContext) -> SqlOptions:
    """The plugin's options, with a bad config reported to the model as a tool error."""
    try:
        return options(ctx.settings)
    except ConfigError as exc:
        raise ToolError(f"the SQL tools are misconfigured: {exc}") from None


@dataclass(kw_only=True, slots=True)
class _Reply:
    text: str
    fetched: Fetched | None = None


def query(ctx: ToolContext, sql: str, max_rows: int = 50) -> str:
    """Run SQL and render its result: the work of ``sql_query`` (in ``_tools``)."""
    opts = settings_of(ctx)
    if not 0 <= max_rows <= opts.max_rows_cap:
        raise ToolError(f"max_rows must be between 0 and {opts.max_rows_cap}, got {max_rows}")
    with session(ctx, opts) as current:
        roots = roots_of(current)
        if "query-" in sql:
            # It may read an earlier result, which may still be being written.
            current.db.wait_saved()
        planned = plan(current.cursor, sql, roots, lambda: sources(current))
        for step in planned:
            if step.writes is not None:  # COPY ... TO 'out/x.csv' works without an out/ yet
                make_dirs(roots.workspace, step.writes.parent, current.db.owner)
        reply = _run(current, opts, roots, planned, max_rows)
        if reply.fetched is not None and reply.fetched.complete:
            save_later(current.db, reply.fetched)  # last, so that the write does not slow us
    files = [step.writes for step in planned if step.writes is not None]
    if reply.fetched is not None:
        files.append(reply.fetched.path)
    for path in files:
        ctx.emit("artifact", {"path": roots.display(path)})
    return reply.text


def _run(
    current: Session, opts: SqlOptions, roots: Roots, planned: list[Planned], max_rows: int
) -> _Reply:
    started = time.perf_counter()
    index = 0
    failure: tuple[duckdb.Error, bool] | None = None
    with WATCHDOG.deadline(opts.timeout_s, current.interrupt) as expiry:
        try:
            for index, step in enumerate(planned):
                last = index == len(planned) - 1
                relation = _execute(current.cursor, step, roots, last=last)
            reply = _reply(current, relation, planned[-1].kind, opts, roots, max_rows, started)
        except duckdb.Error as exc:
            failure = (exc, expiry.fired)
    if failure is not None:
        problem, fired = failure
        # The traceback holds this frame, which holds the error: break the cycle so that the
        # connection it references is freed now, not by a late garbage collection.
        problem.__traceback__ = failure = None
        error = explain(
            problem,
            kind=planned[index].kind,
            roots=roots,
            timeout_s=opts.timeout_s,
            timed_out=fired,
            tables=lambda: names(current),
        )
        if len(planned) > 1:
            done = "; the statements before it ran" if index else ""
            which = f"statement {index + 1} of {len(planned)} failed{done}"
            error = ToolError(f"{which}: {error.message}")
        raise error
    if len(planned) > 1:
        reply.text = f"ran {len(planned)} statements; the last one returned:\n{reply.text}"
    return reply


def _execute(
    cursor: duckdb.DuckDBPyConnection, step: Planned, roots: Roots, *, last: bool
) -> duckdb.DuckDBPyRelation | None:
    """Run one statement; the last one as a relation whose rows stream out when read."""
    text = step.text
    for _ in range(_MAX_PATH_FIXES):
        # The parsed statement, unless a path in it was rewritten: DuckDB skips parsing again.
        query = step.statement if step.statement is not None and text == step.text else text
        try:
            if last:
                return cursor.sql(query)
            cursor.execute(query)
            cursor.complete()  # run it to its end; only the last statement's rows are shown
            return None
        except duckdb.PermissionException as exc:
            denied = DENIED.search(str(exc))
            fixed = absolutize(text, denied.group(1), roots) if denied else None
            if fixed is None or fixed == text:
                raise
            text = fixed
    raise ToolError("the statement names too many files; read them with one glob pattern")


def _reply(
    current: Session,
    relation: duckdb.DuckDBPyRelation | None,
    kind: duckdb.StatementType,
    opts: SqlOptions,
    roots: Roots,
    max_rows: int,
    started: float,
) -> _Reply:
    columns = relation.columns if relation is not None else []
    if relation is None or (kind != _ST.SELECT and columns == ["Success"]):
        return _Reply(text=f"ok: {kind.name} done")
    if kind in _CHANGES and columns == ["Count"]:
        changed = relation.fetchall()
        count = int(changed[0][0]) if changed and changed[0][0] is not None else 0
        rows = "1 row" if count == 1 else f"{count:,} rows"
        return _Reply(text=f"ok: {rows} {_CHANGES[kind]}")
    if kind == _ST.EXPLAIN:  # plans are drawings; cells would flatten them
        return _Reply(text="\n".join(str(v) for row in relation.fetchall() for v in row[1:]))
    fetched = fetch(current, relation, max_rows)
    head = fetched.head
    values = [head.column(i).to_pylist() for i in range(head.num_columns)]
    table, shown, cut = _render.table(
        fetched.schema.names, values, max_chars=opts.max_cell_chars, budget=OUTPUT_BUDGET
    )
    saved = roots.display(fetched.path)
    elapsed = (time.perf_counter() - started) * 1000
    if shown < fetched.total:
        why = "" if shown == max_rows else " (output size limit)"
        footer = (
            f"truncated: {shown} of {fetched.total:,} rows shown{why}. Every row is saved in "
            f"{saved}: query it with SELECT ... FROM '{saved}', or pass the file to other tools."
        )
    else:
        rows = "1 row" if fetched.total == 1 else f"{fetched.total:,} rows"
        footer = f"{rows} in {elapsed:,.0f} ms; saved as {saved}"
    if cut:
        footer += (
            f"\n(cells longer than {opts.max_cell_chars} characters are cut; "
            "the file has them whole)"
        )
    return _Reply(text=f"{table}\n{footer}", fetched=fetched)

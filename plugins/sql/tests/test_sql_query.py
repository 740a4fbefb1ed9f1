"""sql_query: what the model sees, the Parquet file with every row, limits and bad input."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from agentcore_sql import close_all, sql_load, sql_query
from agentcore_sql._guard import _one_query
from sql_testkit import Call, Events, Refused, artifacts, parse_table

from agentcore.tools import ToolContext

BIG = "SELECT i, i % 7 AS bucket, 'row ' || i AS label FROM range(1000) t(i) ORDER BY i"


async def test_the_model_sees_an_aligned_table_with_nulls_and_a_summary(call: Call) -> None:
    out = await call(
        sql_query,
        sql="SELECT region, sum(amount) AS total, count(*) AS n FROM 'data/sales.csv' "
        "GROUP BY region ORDER BY region",
    )

    lines = out.splitlines()
    assert lines[:5] == [
        "region  total  n",
        "------  -----  -",
        "east     NULL  1",
        "north   17.75  2",
        "south      20  1",
    ]
    assert lines[5].startswith("3 rows in ")
    assert lines[5].endswith("ms; saved as .agentcore/sql/query-1.parquet")


async def test_a_long_result_is_truncated_and_saved_whole_as_parquet(
    call: Call, workspace: Path, events: Events
) -> None:
    out = await call(sql_query, sql=BIG, max_rows=10)

    rows = parse_table(out)
    assert [r["i"] for r in rows] == [str(i) for i in range(10)]
    assert "truncated: 10 of 1,000 rows shown. Every row is saved in " in out
    saved = artifacts(events)[-1]
    assert saved == ".agentcore/sql/query-1.parquet"
    back = duckdb.sql(f"SELECT * FROM '{workspace / saved}'").fetchall()
    assert back == duckdb.sql(BIG).fetchall()


async def test_a_result_shown_whole_is_saved_too(call: Call, workspace: Path) -> None:
    await call(sql_query, sql="SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, NULL ORDER BY a")
    close_all()  # waits for the background write, as the end of a run does

    path = workspace / ".agentcore" / "sql" / "query-1.parquet"
    assert duckdb.sql(f"SELECT * FROM '{path}'").fetchall() == [(1, "x"), (2, None)]
    assert not list(path.parent.glob(".*.tmp"))


async def test_a_later_query_can_read_an_earlier_result_file(call: Call) -> None:
    await call(sql_query, sql="SELECT 40 + 2 AS answer")

    out = await call(sql_query, sql="SELECT answer FROM '.agentcore/sql/query-1.parquet'")

    assert parse_table(out) == [{"answer": "42"}]


async def test_types_parquet_cannot_hold_natively_are_still_saved(
    call: Call, workspace: Path
) -> None:
    sql = "SELECT INTERVAL (i) DAY AS wait, i FROM range(100) t(i)"

    out = await call(sql_query, sql=sql, max_rows=2)

    assert parse_table(out) == [{"wait": "00:00:00", "i": "0"}, {"wait": "1 day", "i": "1"}]
    path = workspace / ".agentcore" / "sql" / "query-1.parquet"
    assert duckdb.sql(f"SELECT count(*), max(i) FROM '{path}'").fetchall() == [(100, 99)]


async def test_long_cells_are_cut_for_the_model_but_whole_in_the_file(
    call: Call, workspace: Path
) -> None:
    out = await call(sql_query, sql="SELECT repeat('abc', 50) AS long, 'short' AS s")
    close_all()

    row = parse_table(out)[0]
    assert row["long"] == "abc" * 13 + "…"
    assert "(cells longer than 40 characters are cut; the file has them whole)" in out
    path = workspace / ".agentcore" / "sql" / "query-1.parquet"
    assert duckdb.sql(f"SELECT long FROM '{path}'").fetchall() == [("abc" * 50,)]


async def test_max_rows_zero_shows_only_the_count(call: Call) -> None:
    out = await call(sql_query, sql=BIG, max_rows=0)

    assert parse_table(out) == []
    assert "truncated: 0 of 1,000 rows shown" in out


@pytest.mark.parametrize("max_rows", [-1, 1001])
async def test_max_rows_out_of_range_is_refused(refused: Refused, max_rows: int) -> None:
    message = await refused(sql_query, sql="SELECT 1", max_rows=max_rows)

    assert message == f"max_rows must be between 0 and 1000, got {max_rows}"


async def test_statements_report_what_they_did(call: Call) -> None:
    made = await call(sql_query, sql="CREATE TABLE t AS SELECT * FROM range(5) r(x)")
    added = await call(sql_query, sql="INSERT INTO t VALUES (5), (6)")
    changed = await call(sql_query, sql="UPDATE t SET x = x * 10 WHERE x > 4")
    gone = await call(sql_query, sql="DELETE FROM t WHERE x = 0")
    view = await call(sql_query, sql="CREATE VIEW v AS SELECT x FROM t")
    dropped = await call(sql_query, sql="DROP VIEW v")

    assert [made, added, changed, gone] == [
        "ok: 5 rows written",
        "ok: 2 rows inserted",
        "ok: 2 rows updated",
        "ok: 1 row deleted",
    ]
    assert view.startswith("ok") and dropped == "ok: DROP done"


async def test_several_statements_run_in_order_and_the_last_is_shown(call: Call) -> None:
    out = await call(
        sql_query,
        sql="CREATE TABLE t (x INT); INSERT INTO t VALUES (1), (2); SELECT sum(x) AS s FROM t;",
    )

    assert out.startswith("ran 3 statements; the last one returned:\n")
    assert parse_table(out) == [{"s": "3"}]


async def test_a_failing_statement_says_which_one_and_that_earlier_ones_ran(
    call: Call, refused: Refused
) -> None:
    message = await refused(
        sql_query, sql="CREATE TABLE t AS SELECT 1 AS x; SELECT nope FROM t; SELECT 2"
    )

    assert message.startswith("statement 2 of 3 failed; the statements before it ran: ")
    assert 'Referenced column "nope" not found' in message
    assert parse_table(await call(sql_query, sql="SELECT x FROM t")) == [{"x": "1"}]


async def test_explain_shows_the_plan_as_drawn(call: Call) -> None:
    out = await call(sql_query, sql="EXPLAIN SELECT sum(amount) FROM 'data/sales.csv'")

    assert "READ_CSV" in out.upper()
    assert "\n" in out and "\\n" not in out


async def test_a_syntax_error_comes_back_with_duckdbs_position(refused: Refused) -> None:
    message = await refused(sql_query, sql="SELECT region, FROM WHERE 'data/sales.csv'")

    assert message.startswith("SQL syntax error: Parser Error: syntax error at or near")
    assert "LINE 1:" in message


async def test_an_unknown_table_lists_the_tables_there_are(call: Call, refused: Refused) -> None:
    await call(sql_load, path="data/sales.csv")
    await call(sql_load, path="regions.csv")

    message = await refused(sql_query, sql="SELECT * FROM sale")

    assert "Table with name sale does not exist" in message
    assert 'Did you mean "sales"' in message
    assert message.endswith("Tables and views you can query: regions, sales")


async def test_an_unknown_column_names_the_candidates(call: Call, refused: Refused) -> None:
    await call(sql_load, path="data/sales.csv")

    message = await refused(sql_query, sql="SELECT regoin FROM sales")

    assert 'Referenced column "regoin" not found' in message
    assert '"region"' in message
    assert "sql_schema(table=...) lists a table's columns" in message


async def test_a_missing_file_names_files_with_close_names(refused: Refused) -> None:
    message = await refused(sql_query, sql="SELECT * FROM read_csv('data/sale.csv')")

    assert message == "no file matches 'data/sale.csv'. Files with close names: data/sales.csv."


async def test_a_conversion_error_is_duckdbs_message(refused: Refused) -> None:
    message = await refused(sql_query, sql="SELECT CAST('north' AS INTEGER)")

    assert message.startswith("Conversion Error: Could not convert string 'north' to INT32")


async def test_empty_sql_is_refused(refused: Refused) -> None:
    assert "sql has no statement" in await refused(sql_query, sql="  ;  ")


async def test_a_long_query_is_interrupted_at_the_time_limit_and_the_session_survives(
    call: Call, refused: Refused, plugin_settings: dict[str, dict[str, Any]]
) -> None:
    plugin_settings["sql"]["timeout_s"] = 1
    await call(sql_query, sql="CREATE TEMP TABLE kept AS SELECT 7 AS x")
    started = time.monotonic()

    message = await refused(
        sql_query,
        sql="SELECT count(*) FROM range(100000) a, range(100000) b WHERE a.range + b.range = 3",
    )

    assert time.monotonic() - started < 10
    assert message.startswith("the query ran longer than the 1 s limit and was stopped.")
    assert "The connection is still usable." in message
    assert parse_table(await call(sql_query, sql="SELECT x FROM kept")) == [{"x": "7"}]


async def test_tables_go_to_the_runs_scratch_schema(
    call: Call, make_ctx: Callable[..., ToolContext], refused: Refused
) -> None:
    first = make_ctx(run_id="alpha-1")
    second = make_ctx(run_id="beta")
    await call(sql_query, context=first, sql="CREATE TABLE mine AS SELECT 1 AS x")

    where = await call(
        sql_query,
        context=first,
        sql="SELECT table_schema FROM information_schema.tables WHERE table_name = 'mine'",
    )
    other = await call(sql_query, context=second, sql="SELECT current_schema() AS s")
    qualified = await call(sql_query, context=second, sql="SELECT x FROM run_alpha_1.mine")

    assert parse_table(where) == [{"table_schema": "run_alpha_1"}]
    assert parse_table(other) == [{"s": "run_beta"}]
    assert parse_table(qualified) == [{"x": "1"}]


async def test_results_are_numbered_per_workspace(call: Call, events: Events) -> None:
    for _ in range(3):
        await call(sql_query, sql="SELECT 1")

    assert artifacts(events) == [f".agentcore/sql/query-{n}.parquet" for n in (1, 2, 3)]


async def test_numbering_continues_after_the_database_is_reopened(
    call: Call, events: Events
) -> None:
    await call(sql_query, sql="SELECT 1")
    close_all()

    await call(sql_query, sql="SELECT 2")

    assert artifacts(events) == [".agentcore/sql/query-1.parquet", ".agentcore/sql/query-2.parquet"]


@pytest.mark.parametrize(
    ("sql", "one"),
    [
        ("SELECT 1", True),
        ("  from flights;  ;", True),
        ("/* lead */ SELECT ';' AS semi -- and ; a comment", True),
        ("SELECT 1; SELECT 2", False),
        ("SELECT 1; ATTACH 'x.db'", False),
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", False),
        ("COPY (SELECT 1) TO 'out.csv'", False),
        ("select", True),  # a syntax error, which DuckDB reports when it runs
        ("", False),
        ("-- only a comment", False),
    ],
)
def test_only_a_lone_select_skips_the_statement_checks(sql: str, one: bool) -> None:
    assert _one_query(sql) is one


async def test_a_lone_select_with_a_syntax_error_is_reported_as_one(refused: Refused) -> None:
    message = await refused(sql_query, sql="SELECT FROM WHERE")

    assert message.startswith("SQL syntax error")

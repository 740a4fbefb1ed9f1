"""sql_schema: the run's tables at a glance, and one table's columns in depth."""

from __future__ import annotations

from pathlib import Path

from agentcore_sql import sql_load, sql_query, sql_schema
from sql_testkit import Call, Refused, parse_table


async def test_with_nothing_loaded_it_says_how_to_start(call: Call) -> None:
    out = await call(sql_schema)

    assert out.startswith("no tables or views yet in this run's schema (run_")
    assert "sql_load(path='data/file.csv')" in out


async def test_the_listing_shows_kinds_rows_columns_and_sources(call: Call, data_dir: Path) -> None:
    await call(sql_load, path="data/sales.csv")
    await call(sql_load, path="regions.csv", kind="table")
    await call(
        sql_query,
        sql="CREATE TABLE totals AS SELECT region, sum(amount) AS t FROM sales GROUP BY ALL",
    )
    await call(sql_query, sql="CREATE TEMP TABLE scratch AS SELECT 1 AS x")

    out = await call(sql_schema)

    assert out.startswith("4 tables and views (this run's schema is run_")
    rows = {r["name"]: r for r in parse_table(out.split("\n", 1)[1])}
    assert rows["sales"] == {
        "name": "sales",
        "kind": "view",
        "rows": "4",
        "columns": "3",
        "loaded from": "data/sales.csv (csv)",
    }
    assert rows["regions"]["kind"] == "table"
    assert rows["regions"]["loaded from"] == f"{data_dir.as_posix()}/regions.csv (csv)"
    assert (rows["totals"]["rows"], rows["totals"]["loaded from"]) == ("3", "")
    assert rows["scratch"]["kind"] == "temp table"


async def test_a_view_whose_file_is_gone_is_listed_as_broken(call: Call, workspace: Path) -> None:
    await call(sql_load, path="data/sales.csv")
    (workspace / "data" / "sales.csv").unlink()

    out = await call(sql_schema)

    assert "broken: " in parse_table(out.split("\n", 1)[1])[0]["rows"]  # type: ignore[operator]


async def test_a_table_is_described_column_by_column(call: Call) -> None:
    await call(sql_load, path="data/sales.csv")

    out = await call(sql_schema, table="sales")

    header, table = out.split("\n", 1)
    assert header == (
        "sales: view, 4 rows, 3 columns, loaded from data/sales.csv (csv); "
        "the view reads the file on every query"
    )
    rows = {r["column"]: r for r in parse_table(table)}
    assert rows["region"] == {
        "column": "region",
        "type": "VARCHAR",
        "nulls": "0",
        "distinct≈": "3",
        "min": "",
        "max": "",
        "sample values": "north, south, east",
    }
    assert rows["amount"]["nulls"] == "1 (25.0%)"
    assert (rows["amount"]["min"], rows["amount"]["max"]) == ("7.25", "20.0")
    assert rows["month"]["sample values"] == "1, 2"


async def test_names_are_found_case_insensitively_and_qualified(call: Call) -> None:
    await call(sql_query, sql="CREATE TABLE Mixed AS SELECT DATE '2024-01-02' AS d")
    await call(sql_query, sql="CREATE TEMP TABLE tmp AS SELECT [1, 2] AS l")

    mixed = await call(sql_schema, table="mixed")
    temp = await call(sql_schema, table="tmp")

    assert mixed.startswith("Mixed: table, 1 rows, 1 columns")
    assert "2024-01-02" in mixed
    assert temp.startswith("tmp: temp table, 1 rows")
    assert "[1, 2]" in temp


async def test_an_unknown_table_lists_the_known_ones(call: Call, refused: Refused) -> None:
    await call(sql_load, path="data/sales.csv")

    message = await refused(sql_schema, table="slaes")

    assert message == (
        "no table or view named 'slaes'. Tables and views you can query: sales. "
        "Load a file with sql_load to add one."
    )

"""sql_load: formats, views that follow the file, snapshots, missing markers, bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest
from agentcore_sql import sql_load, sql_query
from sql_testkit import Call, Refused, parse_table


async def count(call: Call, table: str) -> int:
    rows = parse_table(await call(sql_query, sql=f"SELECT count(*) AS n FROM {table}"))
    return int(rows[0]["n"] or 0)


async def test_a_csv_loads_as_a_view_with_its_inferred_schema(call: Call) -> None:
    out = await call(sql_load, path="data/sales.csv")

    lines = out.splitlines()
    assert lines[0].startswith("loaded data/sales.csv (CSV, ")
    assert lines[0].endswith("as view sales: 4 rows, 3 columns")
    assert "columns:\n  region  VARCHAR\n  month   BIGINT\n  amount  DOUBLE" in out
    assert "The view reads the file on every query" in out
    assert await count(call, "sales") == 4


async def test_a_view_follows_the_file_and_a_table_is_a_snapshot(
    call: Call, workspace: Path
) -> None:
    await call(sql_load, path="data/sales.csv", name="live")
    out = await call(sql_load, path="data/sales.csv", name="frozen", kind="table")
    with (workspace / "data" / "sales.csv").open("a") as f:
        f.write("west,3,1.5\n")

    assert "as table frozen: 4 rows" in out
    assert "The table is a snapshot" in out
    assert await count(call, "live") == 5
    assert await count(call, "frozen") == 4


async def test_parquet_json_and_json_lines_load(call: Call, workspace: Path) -> None:
    duckdb.sql("SELECT range AS id, range * 1.5 AS score FROM range(10)").write_parquet(
        str(workspace / "data" / "scores.parquet")
    )
    (workspace / "data" / "people.json").write_text(
        json.dumps([{"name": "Ada", "age": 36}, {"name": "Alan", "age": 41}])
    )
    (workspace / "data" / "events.jsonl").write_text(
        "\n".join(json.dumps({"kind": k, "n": i}) for i, k in enumerate("abc"))
    )

    scores = await call(sql_load, path="data/scores.parquet")
    people = await call(sql_load, path="data/people.json")
    events = await call(sql_load, path="data/events.jsonl")

    assert "(Parquet, " in scores and "as view scores: 10 rows, 2 columns" in scores
    assert "(JSON, " in people and "as view people: 2 rows, 2 columns" in people
    assert "(JSON lines, " in events and "as view events: 3 rows, 2 columns" in events
    total = await call(sql_query, sql="SELECT sum(score) AS s FROM scores")
    assert parse_table(total) == [{"s": "67.5"}]


async def test_compressed_csv_and_globs_load(call: Call, workspace: Path) -> None:
    with gzip.open(workspace / "data" / "packed.csv.gz", "wt") as f:
        f.write("a,b\n1,2\n3,4\n")
    parts = workspace / "data" / "parts"
    parts.mkdir()
    for i in range(3):
        duckdb.sql(f"SELECT {i} AS part, range AS x FROM range(5)").write_parquet(
            str(parts / f"p{i}.parquet")
        )

    packed = await call(sql_load, path="data/packed.csv.gz")
    many = await call(sql_load, path="data/parts/*.parquet")

    assert "as view packed: 2 rows, 2 columns" in packed
    assert "(Parquet, 3 files, " in many and "as view parts: 15 rows" in many


async def test_na_markers_in_numeric_columns_are_read_as_null(call: Call, workspace: Path) -> None:
    (workspace / "data" / "delays.csv").write_text("flight,delay,code\n1,5,NA\n2,NA,XY\n3,-2,NA\n")

    out = await call(sql_load, path="data/delays.csv")
    mean = await call(sql_query, sql="SELECT avg(delay) AS m, count(delay) AS n FROM delays")

    assert "'NA' read as NULL: the file marks missing values that way (in delay)" in out
    assert "delay   BIGINT" in out
    assert parse_table(mean) == [{"m": "1.5", "n": "2"}]


async def test_text_columns_alone_do_not_turn_na_into_null(call: Call, workspace: Path) -> None:
    (workspace / "data" / "countries.csv").write_text("code,name\nNA,Namibia\nFR,France\n")

    out = await call(sql_load, path="data/countries.csv")

    assert "read as NULL" not in out
    assert parse_table(await call(sql_query, sql="SELECT code FROM countries LIMIT 1")) == [
        {"code": "NA"}
    ]


async def test_files_load_from_a_data_dir_by_relative_or_absolute_path(
    call: Call, data_dir: Path
) -> None:
    relative = await call(sql_load, path="regions.csv")
    absolute = await call(sql_load, path=str(data_dir / "regions.csv"), name="regions2")

    assert f"loaded {data_dir.as_posix()}/regions.csv (CSV, " in relative
    assert "as view regions2: 3 rows" in absolute


async def test_the_workspace_wins_over_a_data_dir_for_the_same_relative_path(
    call: Call, workspace: Path
) -> None:
    (workspace / "regions.csv").write_text("region,manager\nwest,Barbara\n")

    out = await call(sql_load, path="regions.csv")

    assert out.startswith("loaded regions.csv (CSV, ")
    assert "1 rows" in out


async def test_a_missing_file_names_close_ones(refused: Refused, data_dir: Path) -> None:
    message = await refused(sql_load, path="data/sale.csv")

    assert message.startswith("no file 'data/sale.csv' in the workspace (")
    assert f"and the data dirs ({data_dir.as_posix()})" in message
    assert message.endswith("Did you mean: data/sales.csv?")


async def test_a_file_outside_the_allowed_places_is_refused(
    refused: Refused, tmp_path: Path
) -> None:
    absolute = await refused(sql_load, path=str(tmp_path / "secret.csv"))
    climbing = await refused(sql_load, path="../secret.csv")
    url = await refused(sql_load, path="https://example.com/x.csv")

    assert "is outside the run workspace and the configured data dirs" in absolute
    assert climbing.startswith("'../secret.csv' is outside the run workspace")
    assert "is a URL; the SQL tools read local files only" in url


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("report.xlsx", "a '.xlsx' file"),
        ("notes", "a file without a suffix"),
        ("table.parquet.gz", "a '.parquet.gz' file"),
    ],
)
async def test_an_unsupported_format_says_what_is_supported(
    refused: Refused, workspace: Path, name: str, kind: str
) -> None:
    (workspace / name).write_bytes(b"x")

    message = await refused(sql_load, path=name)

    assert message.startswith(f"'{name}' is {kind}; sql_load reads CSV (.csv, .tsv), Parquet")
    assert "Convert other formats first" in message


async def test_table_names_come_from_file_names_or_must_be_identifiers(
    call: Call, refused: Refused, workspace: Path
) -> None:
    (workspace / "data" / "Sales Report 2024.csv").write_text("a\n1\n")
    (workspace / "data" / "2024.csv").write_text("a\n1\n")

    spaced = await call(sql_load, path="data/Sales Report 2024.csv")
    digits = await call(sql_load, path="data/2024.csv")
    bad = await refused(sql_load, path="data/sales.csv", name="my table")

    assert "as view sales_report_2024:" in spaced
    assert "as view t_2024:" in digits
    assert "'my table' cannot be a table name" in bad and "'my_table'" in bad


async def test_loading_again_replaces_a_view_with_a_table(call: Call) -> None:
    await call(sql_load, path="data/sales.csv")

    out = await call(sql_load, path="data/sales.csv", kind="table")

    assert "(replaced the view of that name)" in out
    kinds = await call(
        sql_query,
        sql="SELECT table_type FROM information_schema.tables WHERE table_name = 'sales'",
    )
    assert parse_table(kinds) == [{"table_type": "BASE TABLE"}]


async def test_an_empty_or_broken_file_is_a_tool_error(refused: Refused, workspace: Path) -> None:
    (workspace / "data" / "empty.csv").write_text("")
    (workspace / "data" / "broken.json").write_text("{not json")

    empty = await refused(sql_load, path="data/empty.csv")
    broken = await refused(sql_load, path="data/broken.json")

    assert empty == "'data/empty.csv' is empty (0 bytes); there is nothing to load"
    assert "Error" in broken

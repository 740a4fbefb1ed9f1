"""Every lock of the SQL tools, tried for real against DuckDB, and the reads that stay allowed."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from agentcore_sql import sql_load, sql_query
from sql_testkit import Call, Refused, artifacts, parse_table

from agentcore.tools import ToolContext


async def test_reading_a_system_file_is_refused_with_where_reads_may_go(
    refused: Refused, workspace: Path
) -> None:
    message = await refused(sql_query, sql="SELECT * FROM read_csv('/etc/passwd', sep=':')")

    assert "file access refused: '/etc/passwd' is outside the workspace" in message
    assert str(workspace) in message  # pytest's tmp_path is already resolved
    assert "read_csv('data/file.csv')" in message


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM read_blob('/etc/hostname')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM sniff_csv('/etc/passwd')",
        "SELECT * FROM '../secret.csv'",
        "SELECT * FROM '/tmp/../etc/passwd.csv'",
        "SELECT * FROM read_csv('file:///etc/passwd')",
        "SELECT * FROM read_csv('~/.bashrc')",
        "SELECT * FROM read_csv(['data/sales.csv', '/etc/passwd'])",
    ],
)
async def test_every_reader_is_confined(refused: Refused, sql: str) -> None:
    message = await refused(sql_query, sql=sql)

    assert "refused" in message or "not allowed" in message


async def test_a_relative_path_cannot_climb_out_of_the_workspace(refused: Refused) -> None:
    message = await refused(sql_query, sql="SELECT * FROM read_csv('../secret.csv')")

    assert "'../secret.csv' is outside the workspace" in message


async def test_a_symlink_in_the_workspace_to_a_file_outside_is_refused(
    refused: Refused, workspace: Path, tmp_path: Path
) -> None:
    (workspace / "leak.csv").symlink_to(tmp_path / "secret.csv")
    (workspace / "etc").symlink_to("/etc")

    by_file = await refused(sql_query, sql="SELECT * FROM read_csv('leak.csv')")
    by_dir = await refused(sql_query, sql="SELECT * FROM read_csv('etc/passwd', sep=':')")
    by_load = await refused(sql_load, path="leak.csv")

    assert "through a symbolic link" in by_file
    assert "through a symbolic link" in by_dir
    assert "symbolic link to a place outside" in by_load


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/data.csv",
        "http://127.0.0.1:9/data.parquet",
        "s3://bucket/data.parquet",
        "hf://datasets/x/y.csv",
    ],
)
async def test_network_reads_are_refused(refused: Refused, url: str) -> None:
    reader = "read_parquet" if url.endswith(".parquet") else "read_csv"

    message = await refused(sql_query, sql=f"SELECT * FROM {reader}('{url}')")

    assert f"reading '{url}' is not allowed: the SQL tools have no network access" in message


@pytest.mark.parametrize(
    "sql",
    [
        "INSTALL httpfs",
        "LOAD httpfs",
        "INSTALL spatial FROM community",
        "FORCE INSTALL x",
        "LOAD 'evil.duckdb_extension'",
        "LOAD '{workspace}/evil.duckdb_extension'",
    ],
)
async def test_extensions_cannot_be_installed_or_loaded(
    refused: Refused, workspace: Path, sql: str
) -> None:
    (workspace / "evil.duckdb_extension").write_bytes(b"\x7fELF not really")

    message = await refused(sql_query, sql=sql.format(workspace=workspace))

    assert "installing or loading DuckDB extensions" in message
    assert "CSV, Parquet and JSON readers are built in" in message


@pytest.mark.parametrize(
    "sql",
    [
        "ATTACH 'other.duckdb' AS other",
        "ATTACH ':memory:' AS scratch",
        "attach '/tmp/x.sqlite' (TYPE sqlite)",
        "/* hidden */ ATTACH 'x.db'",
        "SELECT 1; ATTACH 'x.db'",
        "SELECT ';' AS a; ATTACH 'x.db'",
        "SELECT 1 /* ; */; -- trailing\n ATTACH 'x.db'",
        "FROM (SELECT 1);ATTACH 'x.db';",
        "SELECT $$;$$ AS a; ATTACH 'x.db'",
        "DETACH state",
    ],
)
async def test_attach_and_detach_are_refused_before_anything_runs(
    refused: Refused, workspace: Path, sql: str
) -> None:
    message = await refused(sql_query, sql=sql)

    assert "is not allowed: the SQL tools work in this workspace's own database" in message
    assert not [n for n in os.listdir(workspace) if n.endswith((".db", ".duckdb"))]


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("/tmp/agentcore-sql-escape.csv", "it is outside the run workspace"),
        ("../escape.csv", "it is outside the run workspace"),
        ("{data_dir}/new.csv", "data dirs are read-only"),
        (".agentcore/sql/state.duckdb", ".agentcore/ holds agentcore's own state"),
        (".", "it is the workspace itself"),
        ("https://example.com/upload.csv", "SQL may write only to files in the workspace"),
    ],
)
async def test_copy_to_writes_only_inside_the_workspace(
    refused: Refused, data_dir: Path, tmp_path: Path, target: str, reason: str
) -> None:
    where = target.format(data_dir=data_dir)

    message = await refused(sql_query, sql=f"COPY (SELECT 42 AS x) TO '{where}'")

    assert f"COPY ... TO '{where}' is not allowed: {reason}" in message
    assert "out/result.parquet" in message or "subfolder" in message
    assert "agentcore-sql-escape.csv" not in os.listdir("/tmp")
    assert not (tmp_path / "escape.csv").exists() and not (data_dir / "new.csv").exists()


async def test_copy_through_a_symlinked_folder_that_leads_outside_is_refused(
    refused: Refused, workspace: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace / "out").symlink_to(outside)

    message = await refused(sql_query, sql="COPY (SELECT 1 AS x) TO 'out/x.csv'")

    assert "outside the run workspace" in message
    assert not (outside / "x.csv").exists()


async def test_export_database_is_confined_like_copy(
    call: Call, refused: Refused, workspace: Path
) -> None:
    await call(sql_query, sql="CREATE TABLE t AS SELECT 1 AS x")

    outside = await refused(sql_query, sql="EXPORT DATABASE '/tmp/agentcore-sql-export'")
    inside = await call(sql_query, sql="EXPORT DATABASE 'backup' (FORMAT parquet)")

    assert "EXPORT DATABASE '/tmp/agentcore-sql-export' is not allowed" in outside
    assert inside.startswith("ok")
    assert (workspace / "backup" / "schema.sql").exists()


@pytest.mark.parametrize(
    "sql",
    [
        "SET enable_external_access = true",
        "SET allowed_directories = ['/']",
        "SET allowed_paths = ['/etc/passwd']",
        "RESET allowed_directories",
        "SET lock_configuration = false",
        "SET autoload_known_extensions = true",
        "SET memory_limit = '100GB'",
        "SET threads = 64",
        "SET GLOBAL temp_directory = '/tmp'",
        "PRAGMA enable_profiling",
    ],
)
async def test_settings_that_would_undo_the_locks_are_refused(refused: Refused, sql: str) -> None:
    message = await refused(sql_query, sql=sql)

    assert "is not allowed: the SQL tools lock DuckDB's configuration" in message


async def test_the_locks_are_in_force_in_duckdb_itself(call: Call, workspace: Path) -> None:
    out = await call(
        sql_query,
        sql="SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access',"
        " 'lock_configuration', 'autoload_known_extensions', 'autoinstall_known_extensions',"
        " 'allow_community_extensions') ORDER BY name",
    )

    values = {row["name"]: row["value"] for row in parse_table(out)}
    assert values == {
        "allow_community_extensions": "false",
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
        "enable_external_access": "false",
        "lock_configuration": "true",
    }


async def test_a_loaded_source_file_cannot_be_overwritten(
    call: Call, refused: Refused, workspace: Path
) -> None:
    await call(sql_load, path="data/sales.csv")
    before = (workspace / "data" / "sales.csv").read_text()

    over = await refused(sql_query, sql="COPY (SELECT 1 AS x) TO 'data/sales.csv'")
    around = await refused(
        sql_query,
        sql="COPY (SELECT 1 AS x, 2 AS y) TO 'data' (FORMAT csv, PARTITION_BY (y), OVERWRITE)",
    )

    assert "it would overwrite 'data/sales.csv', the source of" in over
    assert "sources are read-only" in over
    assert "it would overwrite 'data/sales.csv'" in around
    assert (workspace / "data" / "sales.csv").read_text() == before


async def test_sources_in_a_data_dir_are_read_only(
    call: Call, refused: Refused, data_dir: Path
) -> None:
    await call(sql_load, path="regions.csv")

    message = await refused(sql_query, sql=f"COPY regions TO '{data_dir}/regions.csv'")

    assert "data dirs are read-only" in message
    assert (data_dir / "regions.csv").read_text().startswith("region,manager")


async def test_sql_cannot_reach_python_objects_of_the_process(refused: Refused) -> None:
    secret_table = duckdb.sql("SELECT 'hunter2' AS password").to_arrow_table()  # noqa: F841

    message = await refused(sql_query, sql="SELECT * FROM secret_table")

    assert "Table with name secret_table does not exist" in message


async def test_reads_inside_the_workspace_and_data_dirs_are_allowed(
    call: Call, workspace: Path, data_dir: Path, events: list[tuple[str, dict[str, object]]]
) -> None:
    relative = await call(sql_query, sql="SELECT count(*) AS n FROM read_csv('data/sales.csv')")
    absolute = await call(sql_query, sql=f"SELECT count(*) AS n FROM '{workspace}/data/sales.csv'")
    glob = await call(sql_query, sql="SELECT count(*) AS n FROM read_csv('data/*.csv')")
    shared = await call(
        sql_query,
        sql=f"SELECT manager FROM read_csv('{data_dir}/regions.csv') WHERE region = 'south'",
    )
    by_name = await call(sql_query, sql="SELECT count(*) AS n FROM read_csv('regions.csv')")

    assert [parse_table(t)[0]["n"] for t in (relative, absolute, glob, by_name)] == [
        "4",
        "4",
        "4",
        "3",
    ]
    assert parse_table(shared) == [{"manager": "Grace"}]


async def test_copy_inside_the_workspace_writes_the_file_and_reports_it(
    call: Call, workspace: Path, events: list[tuple[str, dict[str, object]]]
) -> None:
    out = await call(
        sql_query,
        sql="COPY (SELECT region, sum(amount) AS total FROM 'data/sales.csv' GROUP BY region "
        "ORDER BY region) TO 'out/totals.csv' (HEADER)",
    )

    assert out == "ok: 3 rows copied"
    assert (workspace / "out" / "totals.csv").read_text().splitlines() == [
        "region,total",
        "east,",
        "north,17.75",
        "south,20.0",
    ]
    assert "out/totals.csv" in artifacts(events)


async def test_a_refused_statement_stops_the_whole_call_before_anything_runs(
    call: Call, refused: Refused, ctx: ToolContext
) -> None:
    await refused(sql_query, sql="CREATE TABLE made AS SELECT 1 AS x; ATTACH 'x.db'")

    out = await refused(sql_query, sql="SELECT * FROM made")

    assert "Table with name made does not exist" in out

"""State: one database per workspace that persists across calls, runs and processes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from agentcore_sql import close_all, close_run, open_databases, sql_query, sql_schema
from sql_testkit import Call, Refused, parse_table

from agentcore.tools import ToolContext


def cli(workspace: Path, cwd: Path, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run ``agentcore tools call TOOL ARGS --workspace DIR --json`` in a new process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTCORE_")}
    done = subprocess.run(
        [sys.executable, "-m", "agentcore.cli", "tools", "call", tool, json.dumps(args),
         "--workspace", str(workspace), "--json"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.stdout, done.stderr
    reply: dict[str, Any] = json.loads(done.stdout)
    return reply


async def test_a_table_persists_across_calls_of_a_run(call: Call) -> None:
    await call(sql_query, sql="CREATE TABLE kept AS SELECT 42 AS answer")

    out = await call(sql_query, sql="SELECT answer FROM kept")

    assert parse_table(out) == [{"answer": "42"}]


async def test_tables_persist_after_the_run_ends_and_the_database_closes(
    call: Call, make_ctx: Callable[..., ToolContext], workspace: Path
) -> None:
    first = make_ctx(run_id="first")
    await call(sql_query, context=first, sql="CREATE TABLE kept AS SELECT 42 AS answer")
    close_run(workspace, "first")
    assert open_databases() == []

    again = await call(sql_query, context=make_ctx(run_id="first"), sql="SELECT * FROM kept")
    other = await call(
        sql_query, context=make_ctx(run_id="second"), sql="SELECT * FROM run_first.kept"
    )

    assert parse_table(again) == parse_table(other) == [{"answer": "42"}]


async def test_the_end_of_the_run_closes_its_session_through_defer(
    call: Call, workspace: Path, tmp_path: Path, plugin_settings: dict[str, dict[str, Any]]
) -> None:
    deferred: list[Callable[[], object]] = []
    ctx = ToolContext(
        run_id="deferring",
        agent="coder",
        workspace=workspace,
        data_dir=tmp_path,
        settings=plugin_settings,
        defer=deferred.append,
    )
    await call(sql_query, context=ctx, sql="SELECT 1")
    await call(sql_query, context=ctx, sql="SELECT 2")
    assert len(deferred) == 1 and open_databases() != []

    deferred[0]()

    assert open_databases() == []
    assert (workspace / ".agentcore" / "sql" / "query-2.parquet").exists()


async def test_calls_of_one_run_in_parallel_take_turns(call: Call) -> None:
    await call(sql_query, sql="CREATE TABLE counter (n INT)")

    await asyncio.gather(
        *(call(sql_query, sql=f"INSERT INTO counter VALUES ({i})") for i in range(8))
    )

    assert parse_table(await call(sql_query, sql="SELECT sum(n) AS s FROM counter")) == [
        {"s": "28"}
    ]


async def test_runs_sharing_a_workspace_work_side_by_side(
    call: Call, make_ctx: Callable[..., ToolContext]
) -> None:
    runs = [make_ctx(run_id=f"side-{i}") for i in range(4)]

    outs = await asyncio.gather(
        *(call(sql_query, context=c, sql=f"SELECT {i} AS i") for i, c in enumerate(runs))
    )

    assert [parse_table(o) for o in outs] == [[{"i": str(i)}] for i in range(4)]


def test_state_persists_across_processes_from_the_shell(workspace: Path, tmp_path: Path) -> None:
    made = cli(workspace, tmp_path, "sql_query", {"sql": "CREATE TABLE t AS SELECT 42 AS answer"})
    loaded = cli(workspace, tmp_path, "sql_load", {"path": "data/sales.csv"})
    read = cli(
        workspace,
        tmp_path,
        "sql_query",
        {
            "sql": "SELECT answer, (SELECT count(*) FROM sales) AS sales, current_schema() AS s "
            "FROM t"
        },
    )

    assert made == {"tool": "sql_query", "ok": True, "result": "ok: 1 row written"}
    assert loaded["ok"] and "as view sales: 4 rows" in loaded["result"]
    assert read["ok"], read
    assert parse_table(read["result"]) == [{"answer": "42", "sales": "4", "s": "run_cli"}]
    assert (workspace / ".agentcore" / "sql" / "query-1.parquet").exists()


@pytest.fixture
def other_process(workspace: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the workspace's database open until the test ends."""
    path = workspace / ".agentcore" / "sql" / "state.duckdb"
    path.parent.mkdir(parents=True)
    code = (
        "import sys, duckdb\n"
        f"c = duckdb.connect({str(path)!r})\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    yield proc
    if proc.poll() is None:
        proc.communicate("", timeout=30)


async def test_a_database_held_by_another_process_is_a_clear_error_then_works(
    call: Call,
    refused: Refused,
    plugin_settings: dict[str, dict[str, Any]],
    other_process: subprocess.Popen[str],
) -> None:
    plugin_settings["sql"]["lock_wait_s"] = 0.3

    message = await refused(sql_query, sql="SELECT 1")
    other_process.communicate("", timeout=30)
    out = await call(sql_query, sql="SELECT 1 AS x")

    assert message.startswith("the workspace's SQL database ")
    assert f"is in use by another process (PID {other_process.pid})" in message
    assert "DuckDB lets one process at a time write it. Waited 0.3 s." in message
    assert parse_table(out) == [{"x": "1"}]


async def test_a_shell_call_waits_for_a_run_then_says_who_holds_the_database(
    call: Call, workspace: Path, tmp_path: Path
) -> None:
    (tmp_path / "agentcore.toml").write_text("[plugins.sql]\nlock_wait_s = 0.2\n")
    await call(sql_query, sql="CREATE TABLE busy AS SELECT 1 AS x")  # this process holds it

    held = await asyncio.to_thread(cli, workspace, tmp_path, "sql_schema", {})
    close_all()
    free = await asyncio.to_thread(
        cli, workspace, tmp_path, "sql_query", {"sql": "SELECT * FROM read_csv('/etc/passwd')"}
    )

    assert held["ok"] is False
    assert f"is in use by another process (PID {os.getpid()})" in held["error"]
    assert free["ok"] is False  # the database opened; the query was refused, as JSON
    assert "file access refused: '/etc/passwd' is outside the workspace" in free["error"]


async def test_a_bad_setting_is_reported_to_the_model(
    refused: Refused, plugin_settings: dict[str, dict[str, Any]]
) -> None:
    plugin_settings["sql"]["memory_limit"] = "lots"

    message = await refused(sql_schema)

    assert message.startswith("the SQL tools are misconfigured: [plugins.sql] memory_limit")


async def test_a_damaged_database_file_says_how_to_start_afresh(
    refused: Refused, workspace: Path
) -> None:
    state = workspace / ".agentcore" / "sql" / "state.duckdb"
    state.parent.mkdir(parents=True)
    state.write_bytes(b"this is not a database" * 1000)

    message = await refused(sql_query, sql="SELECT 1")

    assert message.startswith("could not open the SQL database ")
    assert "delete it to start with an empty database" in message

"""``agentcore runs list | show | prune``, and the retention limit keeping the store bounded."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
from cli_helpers import Cli

from agentcore.cli.runs import IN_FLIGHT_S
from agentcore.graph import _checkpoints


def run(cli: Cli, task: str = "hi") -> str:
    result = cli("run", task, "--model", "scripted:hello", "--json")
    assert result.code == 0, result.err
    run_id: str = json.loads(result.out)["run_id"]
    return run_id


def checkpointed(data_dir: Path) -> set[str]:
    with sqlite3.connect(data_dir / "checkpoints.sqlite") as conn:
        return {r[0] for r in conn.execute("SELECT DISTINCT thread_id FROM checkpoints")}


def traces(data_dir: Path) -> set[str]:
    return {p.stem for p in (data_dir / "runs").glob("*.jsonl")}


def test_list_and_show(cli: Cli, cli_home: Path) -> None:
    first, second = run(cli, "first task"), run(cli, "second task")

    listed = json.loads(cli("runs", "list", "--json").out)
    assert [r["run_id"] for r in listed] == [second, first]
    assert listed[0]["status"] == "completed" and listed[0]["task"] == "second task"
    assert listed[0]["checkpointed"] and listed[0]["model"] == "scripted:hello"

    table = cli("runs", "list")
    assert table.code == 0
    assert first in table.out and "second task" in table.out and "completed" in table.out

    # the trace's usage by agent and by model is the run result's
    result = json.loads(cli("run", "third task", "--model", "scripted:hello", "--json").out)
    shown = json.loads(cli("runs", "show", result["run_id"], "--json").out)
    assert shown["usage"]["by_agent"] == result["usage"]["by_agent"]
    assert shown["usage"]["by_model"] == result["usage"]["by_model"]
    assert shown["usage"]["total"] == result["usage"]["total"]
    assert [s["agent"] for s in shown["steps"]] == ["researcher", "coder"]
    assert {s["status"] for s in shown["steps"]} == {"done"}

    text = cli("runs", "show", first)
    assert len(shown["steps"]) == 2
    assert text.code == 0
    assert "researcher" in text.out and "scripted:hello" in text.out and "usage" in text.out


def test_show_an_unknown_run_exits_2(cli: Cli) -> None:
    result = cli("runs", "show", "nope")
    assert result.code == 2
    assert result.err.startswith("error: no run with id 'nope'")
    assert "agentcore runs list" in result.err


def test_list_with_no_runs(cli: Cli) -> None:
    result = cli("runs", "list")
    assert (result.code, result.out.strip()) == (0, "no runs yet")


def test_retention_keeps_the_store_bounded(
    cli: Cli, cli_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTCORE_KEEP_RUNS", "3")
    ids = [run(cli, f"task {i}") for i in range(6)]
    # a trace with no checkpoint (a run that failed before its first step), long ago
    orphan = cli_home / "runs" / "orphan.jsonl"
    orphan.write_text('{"type": "run_start", "run_id": "orphan", "ts": 1}\n')
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))
    ids.append(run(cli, "task 6"))

    assert checkpointed(cli_home) == set(ids[-3:])
    assert traces(cli_home) == set(ids[-3:])


def test_prune_keep_and_older_than(cli: Cli, cli_home: Path) -> None:
    ids = [run(cli, f"task {i}") for i in range(4)]
    old = cli_home / "runs" / f"{ids[1]}.jsonl"
    os.utime(old, (time.time() - 3 * 86400, time.time() - 3 * 86400))

    by_age = json.loads(cli("runs", "prune", "--older-than", "2", "--json").out)
    assert by_age == {"deleted": [ids[1]], "kept": 3}

    result = cli("runs", "prune", "--keep", "1")
    assert result.code == 0
    assert "deleted 2 run(s); 1 kept" in result.out
    assert checkpointed(cli_home) == traces(cli_home) == {ids[3]}


def test_prune_never_deletes_a_run_still_going(cli: Cli, cli_home: Path) -> None:
    ids = [run(cli, f"task {i}") for i in range(2)]
    going = cli_home / "runs" / f"{ids[0]}.jsonl"
    lines = going.read_text().splitlines()
    going.write_text("\n".join(line for line in lines if '"run_end"' not in line) + "\n")
    os.utime(going, (time.time() + 10, time.time() + 10))  # the most recent, but with no end

    result = json.loads(cli("runs", "prune", "--keep", "0", "--json").out)
    assert result["deleted"] == [ids[1]]
    assert traces(cli_home) == {ids[0]}
    listed = json.loads(cli("runs", "list", "--json").out)
    assert [(r["run_id"], r["status"]) for r in listed] == [(ids[0], "running?")]


def test_in_flight_window_is_the_checkpoint_store_s() -> None:
    assert IN_FLIGHT_S == _checkpoints.IN_FLIGHT_S

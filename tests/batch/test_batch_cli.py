"""`agentcore batch` in-process: bad input fails before anything runs; schema; results."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from batch_helpers import CliResult, by_id, read_results, slow_script, write_jsonl

import agentcore.batch
from agentcore.batch import batch_json_schema_text

Cli = Callable[..., CliResult]
SCHEMA_FILE = Path(agentcore.batch.__file__).parent / "task.schema.json"


def test_schema_is_printed_and_the_committed_file_is_current(cli: Cli) -> None:
    result = cli("batch", "--schema")
    assert result.code == 0
    schema = json.loads(result.out)
    assert schema["required"] == ["id", "task"]
    assert set(schema["properties"]) == {
        "id",
        "task",
        "model",
        "limits",
        "agents",
        "files",
        "metadata",
    }
    assert schema["additionalProperties"] is False
    assert result.out == batch_json_schema_text()
    assert SCHEMA_FILE.read_text(encoding="utf-8") == result.out, (
        "agentcore/batch/task.schema.json is stale: "
        "agentcore batch --schema > agentcore/batch/task.schema.json"
    )


def test_no_file_is_bad_input(cli: Cli) -> None:
    result = cli("batch")
    assert result.code == 2
    assert result.err.startswith("error: no batch file given\nhint: ")


def test_a_malformed_file_fails_with_line_and_field_and_runs_nothing(
    cli: Cli, work_dir: Path, tmp_data_dir: Path
) -> None:
    tasks = work_dir / "t.jsonl"
    tasks.write_text(
        '{"id": "a", "task": "x"}\n{"id": "b", "task": "x", "limits": {"max_steps": 0}}\n'
    )
    result = cli("batch", str(tasks), "--model", "scripted:echo")
    assert result.code == 2
    assert result.err.splitlines()[0].startswith(
        f"error: {tasks}:2: field 'limits.max_steps': must be greater than 0"
    )
    assert not (work_dir / "t.results.jsonl").exists()
    assert not (tmp_data_dir / "runs").exists()


def test_duplicate_ids_exit_2_naming_both_lines(cli: Cli, work_dir: Path) -> None:
    (work_dir / "t.yaml").write_text("- {id: a, task: x}\n- {id: b, task: y}\n- {id: a, task: z}\n")
    result = cli("batch", "t.yaml", "--model", "scripted:echo")
    assert result.code == 2
    assert "t.yaml:3: field 'id': duplicate task id 'a' on lines 1 and 3" in result.err


def test_unknown_agent_is_reported_at_its_task(cli: Cli, work_dir: Path) -> None:
    (work_dir / "t.yaml").write_text(
        "- {id: a, task: x}\n- id: b\n  task: y\n  agents: [coder, poet]\n"
    )
    result = cli("batch", "t.yaml", "--model", "scripted:echo")
    assert result.code == 2
    first, hint = result.err.splitlines()[:2]
    assert first == "error: t.yaml:2: field 'agents[1]': unknown agent 'poet' in task 'b'"
    assert "coder" in hint and "researcher" in hint


def test_an_unusable_model_is_reported_at_its_task(cli: Cli, work_dir: Path) -> None:
    write_jsonl(
        work_dir / "t.jsonl",
        [{"id": "a", "task": "x"}, {"id": "b", "task": "y", "model": "nosuch:thing"}],
    )
    result = cli("batch", "t.jsonl", "--model", "scripted:echo")
    assert result.code == 2
    assert result.err.startswith("error: t.jsonl:2: field 'model': ")
    assert "nosuch" in result.err


def test_no_model_anywhere_is_bad_input(cli: Cli, work_dir: Path) -> None:
    write_jsonl(work_dir / "t.jsonl", [{"id": "a", "task": "x"}])
    result = cli("batch", "t.jsonl")
    assert result.code == 2
    assert "no model configured" in result.err


def test_an_output_file_that_is_not_jsonl_is_refused_before_anything_runs(
    cli: Cli, work_dir: Path, tmp_data_dir: Path
) -> None:
    write_jsonl(work_dir / "t.jsonl", [{"id": "a", "task": "x"}])
    out = work_dir / "out.jsonl"
    out.write_text("id,status\na,completed\n")
    for extra in ([], ["--resume"]):
        result = cli("batch", "t.jsonl", "--out", str(out), "--model", "scripted:echo", *extra)
        assert result.code == 2
        assert f"error: {out}:1: not JSON" in result.err
        assert "not a JSONL results file" in result.err
    assert out.read_text() == "id,status\na,completed\n"
    assert not (tmp_data_dir / "runs").exists()


def test_a_json_line_that_is_not_a_result_is_refused(cli: Cli, work_dir: Path) -> None:
    write_jsonl(work_dir / "t.jsonl", [{"id": "a", "task": "x"}])
    out = write_jsonl(work_dir / "out.jsonl", [{"id": "a", "status": "completed"}, {"x": 1}])
    result = cli("batch", "t.jsonl", "-o", str(out), "-m", "scripted:echo", "--resume")
    assert result.code == 2
    assert f"{out}:2: not a batch result (no string 'id')" in result.err


def test_existing_results_need_resume(cli: Cli, work_dir: Path) -> None:
    write_jsonl(work_dir / "t.jsonl", [{"id": "a", "task": "x"}])
    assert cli("batch", "t.jsonl", "-m", "scripted:echo").code == 0
    again = cli("batch", "t.jsonl", "-m", "scripted:echo")
    assert again.code == 2
    assert "already holds 1 result(s)" in again.err
    assert "--resume" in again.err


def test_ray_address_needs_the_ray_executor(cli: Cli, work_dir: Path) -> None:
    write_jsonl(work_dir / "t.jsonl", [{"id": "a", "task": "x"}])
    result = cli("batch", "t.jsonl", "--ray-address", "auto")
    assert result.code == 2
    assert "--ray-address is for --executor ray" in result.err


def test_missing_ray_names_the_extra(
    cli: Cli, work_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    write_jsonl(work_dir / "t.jsonl", [{"id": "a", "task": "x"}])
    result = cli("batch", "t.jsonl", "-m", "scripted:echo", "--executor", "ray")
    assert result.code == 2
    assert "'ray' is not installed" in result.err
    assert "pip install 'agentcore[ray]'" in result.err
    assert not (work_dir / "t.results.jsonl").exists()


def test_dry_run_checks_and_runs_nothing(cli: Cli, work_dir: Path, tmp_data_dir: Path) -> None:
    write_jsonl(work_dir / "t.jsonl", [{"id": "a", "task": "x"}, {"id": "b", "task": "y"}])
    result = cli("batch", "t.jsonl", "-m", "scripted:echo", "--dry-run", "--json")
    assert result.code == 0
    plan = json.loads(result.out)
    assert plan["run"] == ["a", "b"]
    assert plan["resume"] == [] and plan["done"] == []
    assert not (work_dir / "t.results.jsonl").exists()
    assert not (tmp_data_dir / "runs").exists()


def test_json_summary_and_result_lines(cli: Cli, work_dir: Path) -> None:
    write_jsonl(
        work_dir / "t.jsonl",
        [
            {"id": "ok", "task": "hello there", "metadata": {"row": 1}},
            {
                "id": "loops",
                "task": "go",
                "model": "scripted:loop",
                "limits": {"max_tool_calls": 2},
            },
        ],
    )
    result = cli("batch", "t.jsonl", "-m", "scripted:echo", "--json", "-c", "2")
    assert result.code == 1  # one task reached a limit
    lines = result.out.splitlines()
    assert len(lines) == 1, "--json prints one JSON object and nothing else"
    summary = json.loads(lines[0])
    assert summary["counts"] == {"completed": 1, "limit_reached": 1}
    assert summary["total"] == 2 and summary["ran"] == 2 and summary["exit_code"] == 1
    assert [p["id"] for p in summary["problems"]] == ["loops"]
    results = by_id(read_results(work_dir / "t.results.jsonl"))
    ok = results["ok"]
    assert ok["status"] == "completed"
    assert ok["answer"] == "hello there"
    assert ok["metadata"] == {"row": 1}
    assert ok["run_id"].startswith("batch-t-ok-")
    assert ok["usage"]["total"]["calls"] == 1
    assert {"id", "run_id", "status", "answer", "usage", "duration_s", "error"} <= set(ok)
    assert results["loops"]["status"] == "limit_reached"
    assert results["loops"]["limit"] == "max_tool_calls"


def test_plain_summary_when_not_a_tty(cli: Cli, work_dir: Path) -> None:
    write_jsonl(work_dir / "t.jsonl", [{"id": "a", "task": "x"}])
    result = cli("batch", "t.jsonl", "-m", "scripted:echo")
    assert result.code == 0, result.err
    assert "completed" in result.out and "total" in result.out
    assert f"results: {work_dir / 't.results.jsonl'}" in result.out
    assert "\x1b[" not in result.out
    assert result.err == ""  # no progress bar outside a terminal


def test_agents_restrict_the_plan(cli: Cli, work_dir: Path) -> None:
    # The script's planner always assigns the coder.
    model = slow_script(work_dir / "plan.yaml", latency_s=0)
    write_jsonl(
        work_dir / "t.jsonl",
        [
            {"id": "coder-ok", "task": "x", "agents": ["coder"]},
            {"id": "researcher-only", "task": "y", "agents": ["researcher"]},
        ],
    )
    result = cli("batch", "t.jsonl", "-m", model, "--json")
    results = by_id(read_results(work_dir / "t.results.jsonl"))
    assert results["coder-ok"]["status"] == "completed"
    refused = results["researcher-only"]
    assert refused["status"] == "failed"
    assert "did not produce a valid plan" in refused["error"]
    assert result.code == 1


def test_files_are_copied_into_the_task_workspace(cli: Cli, work_dir: Path) -> None:
    (work_dir / "in").mkdir()
    (work_dir / "in" / "data.csv").write_text("a,b\n1,2\n")
    (work_dir / "in" / "docs").mkdir()
    (work_dir / "in" / "docs" / "readme.md").write_text("# hi\n")
    (work_dir / "in" / "t.yaml").write_text(
        "- id: a\n  task: look at data.csv\n  files: [data.csv, docs]\n"
    )
    result = cli("batch", "in/t.yaml", "-m", "scripted:echo")
    assert result.code == 0, result.err
    (line,) = read_results(work_dir / "t.results.jsonl")
    workspace = Path(line["workspace"])
    assert (workspace / "data.csv").read_text() == "a,b\n1,2\n"
    assert (workspace / "docs" / "readme.md").read_text() == "# hi\n"


@pytest.mark.parametrize("unattended", ["deny", "approve"])
def test_approvals_are_decided_by_config_without_asking(
    cli: Cli, work_dir: Path, unattended: str
) -> None:
    # The hello script's researcher calls `think`; the policy asks about every such call.
    (work_dir / "agentcore.toml").write_text(
        f'[approvals]\nunattended = "{unattended}"\n[approvals.tools]\nthink = "always"\n'
    )
    write_jsonl(work_dir / "t.jsonl", [{"id": "a", "task": "hello"}])
    result = cli("batch", "t.jsonl", "-m", "scripted:hello")
    assert result.code == 0, result.err
    (line,) = read_results(work_dir / "t.results.jsonl")
    assert line["approvals"] == [
        {
            "agent": "researcher",
            "step": "s1",
            "tool": "think",
            "decision": unattended,
            "by": "policy",
        }
    ]


PROBE = """
import json, sys
from agentcore.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = ("ray", "langgraph", "lancedb", "langchain_core", "prompt_toolkit")
sys.stderr.write("\\nPROBE " + json.dumps([code, sorted(n for n in heavy if n in sys.modules)]))
"""


@pytest.mark.parametrize("args", [("--help",), ("batch", "--help"), ("batch", "--schema")])
def test_help_and_schema_import_nothing_heavy(args: tuple[str, ...]) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60
    )
    code, loaded = json.loads(proc.stderr.rsplit("PROBE ", 1)[1])
    assert code == 0
    assert loaded == []


def test_a_batch_larger_than_keep_runs_keeps_all_its_runs(
    cli: Cli, work_dir: Path, tmp_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTCORE_KEEP_RUNS", "2")
    write_jsonl(work_dir / "t.jsonl", [{"id": f"t{i}", "task": f"task {i}"} for i in range(5)])
    result = cli("batch", "t.jsonl", "-m", "scripted:echo", "-c", "1")
    assert result.code == 0, result.err
    for line in read_results(work_dir / "t.results.jsonl"):
        assert (tmp_data_dir / "runs" / f"{line['run_id']}.jsonl").exists(), line["id"]

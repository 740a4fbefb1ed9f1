"""`agentcore run` and `agentcore demo` end to end on scripted models."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import Cli, run_subprocess


def only_json(out: str) -> dict[str, object]:
    """stdout must hold exactly one JSON object and nothing else."""
    lines = out.splitlines()
    assert len(lines) == 1, out
    doc = json.loads(lines[0])
    assert isinstance(doc, dict)
    return doc


def test_run_json_completed(cli: Cli) -> None:
    result = cli("run", "hello", "--model", "scripted:echo", "--json")
    assert result.code == 0, result.err
    doc = only_json(result.out)
    assert doc["status"] == "completed"
    assert doc["answer"] == "hello"
    assert doc["model"] == "scripted:echo"
    usage = doc["usage"]
    assert isinstance(usage, dict)
    assert set(usage) >= {"total", "by_agent"}


def test_run_json_limit_reached_exits_1(cli: Cli) -> None:
    result = cli("run", "keep going", "--model", "scripted:loop", "--max-tool-calls", "3", "--json")
    assert result.code == 1, result.err
    doc = only_json(result.out)
    assert doc["status"] == "limit_reached"
    assert doc["limit"] == "max_tool_calls"
    assert doc["answer"]


def test_run_json_in_a_real_process_keeps_stdout_clean() -> None:
    proc = run_subprocess(
        "--log-level", "debug", "run", "hello", "--model", "scripted:echo", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    assert only_json(proc.stdout)["answer"] == "hello"


def test_logs_go_to_stderr_as_json_lines(tmp_path: Path) -> None:
    proc = run_subprocess(
        "--log-level",
        "debug",
        "tools",
        "call",
        "write_file",
        '{"path": "a.txt", "content": "x"}',
        "--json",
        "--workspace",
        str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    assert only_json(proc.stdout)["ok"] is True
    logs = [json.loads(line) for line in proc.stderr.splitlines()]
    assert {"event": "tool event", "kind": "artifact", "level": "debug"}.items() <= logs[-1].items()


def test_run_plain_text_when_not_a_tty(cli: Cli) -> None:
    result = cli("run", "hello", "--model", "scripted:echo")
    assert result.code == 0, result.err
    assert "answer:\nhello\n" in result.out
    assert "status: completed" in result.out
    assert "\x1b[" not in result.out  # no terminal escapes in a pipe


def test_run_plain_text_shows_tool_calls_and_the_limit(cli: Cli) -> None:
    result = cli("run", "keep going", "--model", "scripted:loop", "--max-tool-calls", "2")
    assert result.code == 1
    assert "calls think(" in result.out
    assert "limit reached: max_tool_calls" in result.out
    assert "status: limit_reached" in result.out


def test_run_uses_the_given_workspace(cli: Cli, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    result = cli("run", "hello", "--model", "scripted:echo", "--workspace", str(ws), "--json")
    assert result.code == 0, result.err
    assert only_json(result.out)["workspace"] == str(ws.resolve())
    assert ws.is_dir()


def test_limits_from_config_file_apply(cli: Cli) -> None:
    Path("agentcore.toml").write_text("[limits]\nmax_tool_calls = 2\n")
    result = cli("run", "keep going", "--model", "scripted:loop", "--json")
    assert result.code == 1
    assert only_json(result.out)["limit"] == "max_tool_calls"


def test_demo_json(cli: Cli, cli_home: Path) -> None:
    result = cli("demo", "--json")
    assert result.code == 0, result.err
    doc = only_json(result.out)
    assert doc["status"] == "completed"
    assert doc["model"] == "scripted:demo"
    assert "SCRIPTED" in result.err  # the banner goes to stderr in JSON mode
    workspace = Path(str(doc["workspace"]))
    assert workspace.parent == cli_home / "workspaces"
    assert any(workspace.iterdir())  # the demo data was copied in


def test_demo_plain_shows_the_banner_and_the_answer(cli: Cli) -> None:
    result = cli("demo")
    assert result.code == 0, result.err
    assert "SCRIPTED run" in result.out
    assert "No real LLM is called" in result.out
    assert "answer:" in result.out
    assert "status: completed" in result.out

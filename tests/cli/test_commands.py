"""agents, tools, plugins and doctor; plugin-registered commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import Cli

BUILTIN_AGENTS = ("planner", "researcher", "coder", "ml_specialist")


def squash(text: str) -> str:
    """Tables fold long cells at the console width: compare text without any whitespace."""
    return "".join(text.split())


def has(out: str, *needles: str) -> bool:
    return all(squash(n) in squash(out) for n in needles)


# --- agents ---------------------------------------------------------------------------------


def test_agents_list(cli: Cli) -> None:
    result = cli("agents", "list")
    assert result.code == 0, result.err
    for name in BUILTIN_AGENTS:
        assert name in result.out
    assert result.out.index("planner") < result.out.index("coder")  # the planner first


def test_agents_list_includes_user_agent_dirs(cli: Cli, tmp_path: Path) -> None:
    agents = tmp_path / "my_agents"
    agents.mkdir()
    (agents / "poet.md").write_text(
        "---\nname: poet\ndescription: Writes short poems\ntools: [think]\n---\n\n"
        "You write poems.\n"
    )
    Path("agentcore.toml").write_text(f'agent_dirs = ["{agents}"]\n')
    result = cli("agents", "list")
    assert result.code == 0, result.err
    assert has(result.out, "poet", "Writes short poems")


def test_agents_show_prints_an_agent_file(cli: Cli) -> None:
    result = cli("agents", "show", "researcher")
    assert result.code == 0, result.err
    assert result.out.startswith("# source: ")
    body = result.out.split("\n", 1)[1]
    assert body.startswith("---\nname: researcher\n")
    assert all(len(line) < 400 for line in body.splitlines())  # never re-wrapped


def test_agents_schema_is_json_schema(cli: Cli) -> None:
    result = cli("agents", "schema")
    assert result.code == 0
    schema = json.loads(result.out)
    assert {"name", "description", "tools"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


# --- tools ----------------------------------------------------------------------------------


def test_tools_list_shows_builtins_and_plugins(cli: Cli, cli_plugin: str) -> None:
    result = cli("tools", "list")
    assert result.code == 0, result.err
    assert has(result.out, "think", "builtin:tools", "cli_fail", cli_plugin)


def test_tools_show(cli: Cli) -> None:
    result = cli("tools", "show", "think")
    assert result.code == 0
    assert "risk: read_only" in result.out
    schema = json.loads(result.out.split("arguments (JSON schema):\n", 1)[1])
    assert schema["required"] == ["thought"]


def test_tools_show_unknown(cli: Cli) -> None:
    result = cli("tools", "show", "nope")
    assert result.code == 2
    assert result.err.startswith("error: unknown tool 'nope'")


def test_tools_call_prints_the_result(cli: Cli) -> None:
    result = cli("tools", "call", "think", '{"thought": "check the data first"}')
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith("Thought recorded.")


def test_tools_call_json(cli: Cli) -> None:
    result = cli("tools", "call", "think", '{"thought": "x"}', "--json")
    assert result.code == 0
    doc = json.loads(result.out)
    assert doc["tool"] == "think" and doc["ok"] is True
    assert doc["result"].startswith("Thought recorded.")


def test_tools_call_structured_result(cli: Cli, cli_plugin: str) -> None:
    result = cli("tools", "call", "cli_struct", '{"n": 3}')
    assert result.code == 0, result.err
    assert json.loads(result.out) == {"items": [0, 1, 2]}


def test_tools_call_tool_error_exits_1(cli: Cli, cli_plugin: str) -> None:
    result = cli("tools", "call", "cli_fail", '{"reason": "no"}')
    assert result.code == 1
    assert result.out == ""
    assert result.err == "tool error: refused: no\n"


def test_tools_call_tool_error_json(cli: Cli, cli_plugin: str) -> None:
    result = cli("tools", "call", "cli_fail", '{"reason": "no"}', "--json")
    assert result.code == 1
    assert json.loads(result.out) == {"tool": "cli_fail", "ok": False, "error": "refused: no"}


def test_tools_call_workspace(cli: Cli, cli_home: Path, tmp_path: Path) -> None:
    # default: the "cli" workspace under the data dir
    result = cli("tools", "call", "write_file", '{"path": "a.txt", "content": "hi"}')
    assert result.code == 0, result.err
    assert (cli_home / "workspaces" / "cli" / "a.txt").read_text() == "hi"
    ws = tmp_path / "elsewhere"
    result = cli(
        "tools", "call", "write_file", '{"path": "b.txt", "content": "yo"}', "--workspace", str(ws)
    )
    assert result.code == 0, result.err
    assert (ws / "b.txt").read_text() == "yo"


# --- plugins --------------------------------------------------------------------------------


def test_plugins_list(cli: Cli, cli_plugin: str) -> None:
    result = cli("plugins", "list")
    assert result.code == 0, result.err
    assert has(result.out, "builtin:models", "builtin:tools", cli_plugin, "cli_fail, cli_struct")
    assert has(result.out, "commands: greetings, hello, run")


def test_plugins_list_shows_a_failed_plugin(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import functools

    import agentcore.plugins
    from agentcore.plugins import hookimpl

    class Broken:
        @hookimpl
        def register_tools(self, register: object) -> None:
            raise RuntimeError("boom at import")

    real = agentcore.plugins.load_registry
    monkeypatch.setattr(
        agentcore.plugins, "load_registry", functools.partial(real, extra=[("broken", Broken())])
    )
    result = cli("plugins", "list")
    assert result.code == 0
    assert has(result.out, "error: RuntimeError: boom at import")
    doctor = cli("doctor")
    assert doctor.code == 1
    assert has(doctor.out, "1 failed: broken: RuntimeError: boom at import")


def test_plugin_command_is_mounted_on_demand(cli: Cli, cli_plugin: str) -> None:
    result = cli("hello", "--name", "agents")
    assert result.code == 0, result.err
    assert result.out == "hello agents from a plugin\n"


def test_plugin_typer_app_is_mounted_as_a_group(cli: Cli, cli_plugin: str) -> None:
    result = cli("--log-level", "info", "greetings", "hi")
    assert (result.code, result.out) == (0, "hi from a plugin group\n")


def test_plugin_cannot_shadow_a_builtin_command(cli: Cli, cli_plugin: str) -> None:
    result = cli("run", "hi", "--model", "scripted:echo", "--json")
    assert result.code == 0
    assert "shadowed!" not in result.out


# --- doctor ---------------------------------------------------------------------------------


def test_doctor_healthy(cli: Cli, monkeypatch: pytest.MonkeyPatch, cli_home: Path) -> None:
    monkeypatch.setenv("AGENTCORE_MODEL", "scripted:echo")
    result = cli("doctor")
    assert result.code == 0, result.out
    assert result.out.rstrip().endswith("healthy")
    assert has(result.out, f"{cli_home} (writable)", "model scripted:echo")
    assert has(result.out, "OPENAI_API_KEY not set", str(cli_home / "checkpoints.sqlite"))
    assert has(result.out, "sandbox")


def test_doctor_never_prints_a_key(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-test-0123456789abcdefghijklmnop"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    result = cli("doctor")
    assert secret not in result.out + result.err
    assert has(result.out, "OPENAI_API_KEY set", "model openai:gpt-4o-mini")  # would be chosen
    assert result.code == 0


def test_doctor_without_a_model_is_unhealthy(cli: Cli) -> None:
    result = cli("doctor")
    assert result.code == 1
    assert has(result.out, "no model configured")


def test_doctor_configured_model_missing_its_key(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTCORE_MODEL", "anthropic:claude-sonnet-4-5")
    result = cli("doctor")
    assert result.code == 1
    assert has(result.out, "ANTHROPIC_API_KEY is not set")


def test_doctor_broken_config(cli: Cli) -> None:
    Path("agentcore.toml").write_text("this is = not toml [")
    result = cli("doctor")
    assert result.code == 1
    assert has(result.out, "invalid TOML")

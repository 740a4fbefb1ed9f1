"""Bad input and configuration: exit code 2 and one `error:` line (plus a `hint:`), no traceback."""

from __future__ import annotations

import pytest
from cli_helpers import Cli, CliResult, run_subprocess


def assert_user_error(result: CliResult, *needles: str) -> None:
    assert result.code == 2, result.err
    assert result.out == ""
    lines = result.err_lines
    assert lines[0].startswith("error: "), result.err
    assert len(lines) <= 2 and all(ln.startswith("hint: ") for ln in lines[1:]), result.err
    assert "Traceback" not in result.err
    for needle in needles:
        assert needle in result.err


def test_unknown_provider(cli: Cli) -> None:
    assert_user_error(cli("run", "hello", "--model", "nope:x"), "unknown model provider 'nope'")


def test_missing_key_names_the_variable(cli: Cli) -> None:
    result = cli("run", "hello", "--model", "openai:gpt-4o-mini")
    assert_user_error(result, "OPENAI_API_KEY")


def test_missing_key_in_json_mode_prints_nothing_on_stdout(cli: Cli) -> None:
    assert_user_error(
        cli("run", "hello", "--model", "openai:gpt-4o-mini", "--json"), "OPENAI_API_KEY"
    )


def test_no_model_and_no_key(cli: Cli) -> None:
    assert_user_error(cli("run", "hello"), "no model configured")


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--max-steps", "-1"),
        ("--max-tool-calls", "0"),
        ("--max-tokens", "-5"),
        ("--max-cost-usd", "-0.5"),
        ("--timeout-s", "0"),
    ],
)
def test_non_positive_limit_names_the_flag(cli: Cli, flag: str, value: str) -> None:
    result = cli("run", "hello", "--model", "scripted:echo", flag, value)
    assert_user_error(result, flag, "greater than 0", value)


def test_limit_that_is_not_a_number_is_a_usage_error(cli: Cli) -> None:
    result = cli("run", "hello", "--max-steps", "many")
    assert result.code == 2
    assert "Traceback" not in result.err


@pytest.mark.parametrize("task", ["", "   "])
def test_empty_task(cli: Cli, task: str) -> None:
    assert_user_error(cli("run", task, "--model", "scripted:echo"), "the task is empty")


def test_missing_task(cli: Cli) -> None:
    assert_user_error(cli("run", "--model", "scripted:echo"), "no task given")


def test_task_and_resume_together(cli: Cli) -> None:
    assert_user_error(cli("run", "hello", "--resume", "abc"), "not both")


def test_resume_with_a_new_model_or_limit(cli: Cli) -> None:
    result = cli("run", "--resume", "abc", "--max-steps", "3")
    assert_user_error(result, "its own model, limits and workspace")


def test_resume_unknown_run(cli: Cli) -> None:
    assert_user_error(cli("run", "--resume", "no-such-run", "--json"), "no-such-run")


def test_bad_config_file_is_a_user_error(cli: Cli) -> None:
    with open("agentcore.toml", "w") as fh:
        fh.write("[limits]\nmax_steps = -3\n")
    assert_user_error(cli("run", "hello", "--model", "scripted:echo"), "max_steps")


def test_tools_call_bad_json(cli: Cli) -> None:
    result = cli("tools", "call", "think", "{thought: hi}")
    assert_user_error(result, "not valid JSON", '\'{"thought": "..."}\'')


def test_tools_call_args_not_an_object(cli: Cli) -> None:
    assert_user_error(cli("tools", "call", "think", "[1, 2]"), "must be a JSON object")


def test_tools_call_unknown_tool(cli: Cli) -> None:
    assert_user_error(cli("tools", "call", "nope", "{}"), "unknown tool 'nope'", "think")


def test_tools_call_args_failing_the_schema(cli: Cli) -> None:
    result = cli("tools", "call", "think", '{"thought": 1, "extra": true}')
    assert_user_error(result, "invalid arguments for tool 'think'", "extra", "tools show think")


def test_agents_show_unknown(cli: Cli) -> None:
    assert_user_error(cli("agents", "show", "nope"), "unknown agent 'nope'", "researcher")


def test_real_process_exit_code_and_stderr() -> None:
    # the console script path: a real exit status, one error line, no traceback
    proc = run_subprocess("run", "", "--model", "scripted:echo")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines()[0] == "error: the task is empty"
    assert "Traceback" not in proc.stderr


def test_ctrl_c_is_cancelled_with_exit_130(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentcore.api import Team

    async def interrupted(self: Team, task: str, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Team, "arun", interrupted)
    result = cli("run", "hello", "--model", "scripted:echo", "--json")
    assert (result.code, result.out, result.err) == (130, "", "cancelled\n")


def test_run_error_escaping_the_api_is_one_line_exit_1(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentcore.api import Team
    from agentcore.errors import ModelError

    async def broken(self: Team, task: str, **kwargs: object) -> None:
        raise ModelError("provider down after 4 attempts", model="openai:gpt-4o-mini")

    monkeypatch.setattr(Team, "arun", broken)
    result = cli("run", "hello", "--model", "scripted:echo", "--json")
    assert (result.code, result.out) == (1, "")
    assert result.err == "error: provider down after 4 attempts\n"

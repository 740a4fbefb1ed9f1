"""The typer app: built-in commands, plugin commands, and the error handling around them.

Plugin commands (the ``register_commands`` hook) are mounted only when the command line names
a command that is not built in: loading the registry imports every plugin, which the built-in
commands (and ``agentcore --help``) should not pay for. ``agentcore plugins list`` shows which
plugin registered which command.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer

from agentcore.cli import agents, memory, plugins, runs, tools
from agentcore.cli import eval as eval_cli
from agentcore.cli import mcp as mcp_cli
from agentcore.cli._common import GlobalOptions
from agentcore.cli.batch import batch_command
from agentcore.cli.chat import chat_command
from agentcore.cli.demo import demo_command
from agentcore.cli.doctor import doctor_command
from agentcore.cli.run import run_command
from agentcore.errors import AgentCoreError, UserError

PROG = "agentcore"
CANCELLED_EXIT = 130
HELP = """\
A team of AI agents (planner, researcher, coder, ML specialist) that work on a task with
sandboxed tools, inside hard limits.

Start with: agentcore demo (scripted, no API key needed). Then: agentcore run "TASK"
--model openai:gpt-4o-mini. Commands that plugins add: agentcore plugins list.
"""
EPILOG = "Exit codes: 0 ok, 1 run failed or reached a limit, 2 bad input or configuration."
BUILTIN_COMMANDS = (
    "run",
    "chat",
    "batch",
    "eval",
    "demo",
    "agents",
    "tools",
    "mcp",
    "plugins",
    "memory",
    "runs",
    "doctor",
)
_VALUE_OPTIONS = frozenset({"--log-level"})


class LogLevel(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


def _print_version(value: bool) -> None:
    if value:
        from agentcore import __version__

        sys.stdout.write(f"{PROG} {__version__}\n")
        raise typer.Exit(0)


def _root(
    ctx: typer.Context,
    log_level: Annotated[
        LogLevel | None,
        typer.Option(
            help="Log level; logs go to stderr (env: AGENTCORE_LOG_LEVEL).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
        ),
    ] = False,
) -> None:
    overrides: dict[str, Any] = {}
    if log_level is not None:
        overrides["log"] = {"level": log_level.value}
    ctx.obj = GlobalOptions(overrides=overrides)


def build_app(*, plugin_commands: Mapping[str, Any] | None = None) -> typer.Typer:
    """Assemble the app; ``plugin_commands`` maps a name to a ``typer.Typer`` or a function."""
    app = typer.Typer(
        name=PROG,
        help=HELP,
        epilog=EPILOG,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="markdown",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    app.command("run")(run_command)
    app.command("chat")(chat_command)
    app.command("batch")(batch_command)
    app.add_typer(eval_cli.app, name="eval")
    app.command("demo")(demo_command)
    app.add_typer(agents.app, name="agents")
    app.add_typer(tools.app, name="tools")
    app.add_typer(mcp_cli.app, name="mcp")
    app.add_typer(plugins.app, name="plugins")
    app.add_typer(memory.app, name="memory")
    app.add_typer(runs.app, name="runs")
    app.command("doctor")(doctor_command)
    for name, obj in (plugin_commands or {}).items():
        if name in BUILTIN_COMMANDS:
            continue  # a built-in command is never shadowed by a plugin
        if isinstance(obj, typer.Typer):
            app.add_typer(obj, name=name)
        else:
            app.command(name)(obj)
    return app


def command_name(args: Sequence[str]) -> str | None:
    """The first word of the command line that is not a global option or its value."""
    it = iter(args)
    for arg in it:
        if arg in _VALUE_OPTIONS:
            next(it, None)
        elif not arg.startswith("-"):
            return arg
    return None


def _plugin_commands() -> dict[str, Any]:
    from agentcore.plugins import load_registry

    return dict(load_registry().items["commands"])


def _report(exc: UserError) -> None:
    sys.stderr.write(f"error: {exc.message}\n")
    if exc.hint:
        sys.stderr.write(f"hint: {exc.hint}\n")


def invoke(args: Sequence[str]) -> int:
    """Run the command line ``args`` and return the exit code; never raises ``UserError``."""
    from typer import _click
    from typer.main import get_command

    try:
        name = command_name(args)
        extra = _plugin_commands() if name and name not in BUILTIN_COMMANDS else None
        command = get_command(build_app(plugin_commands=extra))
        code = command.main(args=list(args), prog_name=PROG, standalone_mode=False)
    except UserError as exc:
        _report(exc)
        return exc.exit_code
    except AgentCoreError as exc:  # a run error nothing below turned into a result
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except _click.exceptions.ClickException as exc:
        from typer.rich_utils import rich_format_error

        rich_format_error(exc)
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        code = CANCELLED_EXIT
    if code == CANCELLED_EXIT:
        sys.stderr.write("cancelled\n")
    return code if isinstance(code, int) else 0

"""Helpers for the CLI tests: results, subprocess runs, and a plugin the tests load."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import typer

from agentcore.errors import ToolError
from agentcore.plugins import hookimpl
from agentcore.tools import tool


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


Cli = Callable[..., CliResult]


def run_subprocess(*args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m agentcore.cli ARGS...`` (or ``python -c CODE ARGS...``) in a subprocess."""
    argv = (
        [sys.executable, "-c", code, *args]
        if code
        else [sys.executable, "-m", "agentcore.cli", *args]
    )
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


# --- a plugin the tests add to the registry -------------------------------------------------


@tool()
async def cli_fail(reason: str) -> str:
    """Always fails with a ToolError, like a tool refusing bad input.

    Args:
        reason: What to say.
    """
    raise ToolError(f"refused: {reason}")


@tool()
async def cli_struct(n: int = 2) -> dict[str, Any]:
    """Return a structured (non-string) result.

    Args:
        n: How many items.
    """
    return {"items": list(range(n))}


def hello(name: str = "world") -> None:
    """Say hello (a plugin command given as a function)."""
    print(f"hello {name} from a plugin")


greetings_app = typer.Typer(help="A command group a plugin added (a typer app).")


@greetings_app.command("hi")
def greetings_hi() -> None:
    """Say hi."""
    print("hi from a plugin group")


@greetings_app.command("bye")
def greetings_bye() -> None:
    """Say bye."""
    print("bye")


def shadow_run() -> None:
    """A plugin trying to replace the built-in run command."""
    print("shadowed!")


class CliTestPlugin:
    @hookimpl
    def register_tools(self, register: Callable[[Any], None]) -> None:
        register(cli_fail)
        register(cli_struct)

    @hookimpl
    def register_commands(self, register: Callable[[str, Any], None]) -> None:
        register("hello", hello)
        register("greetings", greetings_app)
        register("run", shadow_run)

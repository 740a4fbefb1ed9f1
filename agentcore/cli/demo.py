"""``agentcore demo``: a scripted run of the whole team, offline, with no API key."""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer

from agentcore.cli._common import cli_settings, stdout_console

BANNER = """\
agentcore demo: a SCRIPTED run. No real LLM is called: the model {model} plays back
scripted replies, so the run is offline, free and the same every time. Everything else is
real: the planner splits the task into steps, the researcher, coder and ML specialist call
real tools in a real workspace, limits and usage are tracked, and a synthesis step writes
the final answer.

workspace: {workspace}
to use a real model: agentcore run "your task" --model openai:gpt-4o-mini
"""


def demo_command(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (the RunResult) and nothing else.")
    ] = False,
) -> None:
    """Watch the team work on a sample task, with a scripted model: no API key needed.

    The workspace is a fresh directory under the data dir; its files stay there to look at.
    """
    settings = cli_settings(ctx)

    from agentcore import demo
    from agentcore.api import Team
    from agentcore.cli.run import execute

    stamp = time.strftime("%Y%m%d-%H%M%S")
    workspace = settings.workspaces_dir / f"demo-{stamp}"
    suffix = 1
    while workspace.exists():
        suffix += 1
        workspace = settings.workspaces_dir / f"demo-{stamp}-{suffix}"
    workspace.mkdir(parents=True)
    demo.prepare_workspace(workspace)

    banner = BANNER.format(model=demo.DEMO_MODEL, workspace=workspace)
    if as_json:  # stdout carries the JSON object only
        sys.stderr.write(banner + "\n")
    else:
        console = stdout_console()
        if console.is_terminal:
            from rich.panel import Panel
            from rich.text import Text

            console.print(Panel(Text(banner.strip()), title="demo", border_style="cyan"))
        else:
            sys.stdout.write(banner + "\n")
        sys.stdout.write(f"task: {demo.DEMO_TASK}\n\n")

    team = Team.load(settings=settings)
    code = execute(
        team,
        demo.DEMO_TASK,
        model=demo.DEMO_MODEL,
        limits=settings.limits,
        workspace=workspace,
        as_json=as_json,
    )
    raise typer.Exit(code)

"""``agentcore run``: run one task through the team, live or as one JSON object."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentcore.cli._common import cli_settings, limit_overrides, print_json, stdout_console
from agentcore.errors import UserError

if TYPE_CHECKING:
    from agentcore.api import RunResult, Team
    from agentcore.cli._render import EventSink
    from agentcore.config import Limits

CANCELLED_EXIT = 130


def execute(
    team: Team,
    task: str,
    *,
    model: str | None,
    limits: Limits,
    workspace: Path | None = None,
    resume: str | None = None,
    as_json: bool = False,
) -> int:
    """Run ``task`` (or resume a run), render it, and return the process exit code."""
    kwargs: dict[str, Any] = {"model": model, "limits": limits, "workspace": workspace}
    if resume is not None:
        kwargs = {"resume": resume}
    try:
        if as_json:
            result = asyncio.run(_drive(team, task, kwargs, sink=None))
            print_json(result.to_json())
        else:
            result = asyncio.run(_rendered(team, task, kwargs))
    except KeyboardInterrupt:  # the caller prints "cancelled" for this exit code
        return CANCELLED_EXIT
    return result.exit_code


async def _drive(
    team: Team, task: str, kwargs: dict[str, Any], sink: EventSink | None
) -> RunResult:
    """Stream the run, hand each event to ``sink``, and return the result."""
    async for event in team.astream(task, **kwargs):
        if event.kind == "run_end":
            result: RunResult = event.data["result"]
            return result
        if sink is not None:
            sink.handle(event)
    raise RuntimeError("the run ended without a result")  # a bug upstream


async def _rendered(team: Team, task: str, kwargs: dict[str, Any]) -> RunResult:
    from agentcore.cli._render import LiveSink, PlainSink

    console = stdout_console()
    if console.is_terminal:
        with LiveSink(console) as live:
            result = await _drive(team, task, kwargs, sink=live)
        live.finish(result)
        return result
    plain = PlainSink(sys.stdout)
    result = await _drive(team, task, kwargs, sink=plain)
    plain.finish(result)
    return result


def run_command(
    ctx: typer.Context,
    task: Annotated[
        str | None,
        typer.Argument(
            metavar="TASK",
            help="What to do, in plain words. Optional with --resume.",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Model as provider:name, e.g. openai:gpt-4o-mini."),
    ] = None,
    max_steps: Annotated[int | None, typer.Option(help="Plan steps, re-plans included.")] = None,
    max_tool_calls: Annotated[
        int | None, typer.Option(help="Tool calls across all agents.")
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option(help="Input + output tokens, all calls.")
    ] = None,
    max_cost_usd: Annotated[float | None, typer.Option(help="Estimated spend in USD.")] = None,
    timeout_s: Annotated[float | None, typer.Option(help="Wall-clock seconds for the run.")] = None,
    workspace: Annotated[
        Path | None,
        typer.Option(
            help="Directory the agents work in (default: a new one per run).", file_okay=False
        ),
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option(help="Continue an interrupted run from its checkpoint.", metavar="RUN_ID"),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (the RunResult) and nothing else.")
    ] = False,
) -> None:
    """Run one task through the team of agents.

    Limits not given here come from the configuration. Exit code 0 when the run completed,
    1 when it failed or reached a limit, 2 for bad input or configuration.
    """
    if resume is not None and task is not None:
        raise UserError(
            "give either a TASK or --resume RUN_ID, not both",
            hint="a resumed run continues its original task",
        )
    if resume is None and task is None:
        raise UserError("no task given", hint='say what to do: agentcore run "summarise notes.md"')
    if resume is None and not (task or "").strip():
        raise UserError(
            "the task is empty", hint='say what to do: agentcore run "summarise notes.md"'
        )
    if resume is not None and not resume.strip():
        raise UserError(
            "--resume needs a run id",
            hint="run ids are the file names in the data dir's runs/ folder",
        )
    limits = limit_overrides(
        max_steps=max_steps,
        max_tool_calls=max_tool_calls,
        max_tokens=max_tokens,
        max_cost_usd=max_cost_usd,
        timeout_s=timeout_s,
    )
    if resume is not None and (limits or model is not None or workspace is not None):
        raise UserError(
            "--resume continues a run with its own model, limits and workspace",
            hint="leave out --model, --workspace and the limit flags, or start a new run",
        )
    overrides: dict[str, Any] = {"limits": limits}
    if model is not None:
        if not model.strip():
            raise UserError("--model is empty", hint="pass provider:name, e.g. openai:gpt-4o-mini")
        overrides["model"] = model
    settings = cli_settings(ctx, overrides)

    from agentcore.api import Team

    team = Team.load(settings=settings)
    code = execute(
        team,
        (task or "").strip(),
        model=settings.model,
        limits=settings.limits,
        workspace=workspace.resolve() if workspace is not None else None,
        resume=resume,
        as_json=as_json,
    )
    raise typer.Exit(code)

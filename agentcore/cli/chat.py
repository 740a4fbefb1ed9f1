"""``agentcore chat``: talk to the team; each message is a task, earlier turns its context."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from agentcore.cli._common import cli_settings
from agentcore.errors import UserError


def chat_command(
    ctx: typer.Context,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Model as provider:name, e.g. openai:gpt-4o-mini."),
    ] = None,
    workspace: Annotated[
        Path | None,
        typer.Option(
            help="Directory the agents work in, every turn (default: a new one per chat).",
            file_okay=False,
        ),
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option(
            help="Continue an interrupted run from its checkpoint, then keep chatting.",
            metavar="RUN_ID",
        ),
    ] = None,
) -> None:
    """Chat with the team: each message is a task, and earlier turns are its context.

    Every turn works in the same workspace, so later turns see the files earlier ones
    wrote. Enter sends, Alt-Enter adds a line, Tab completes, /help lists the commands.
    Ctrl-C cancels the running task (its checkpoint is kept); Ctrl-D or /quit leaves.
    """
    overrides: dict[str, Any] = {}
    if model is not None:
        if not model.strip():
            raise UserError("--model is empty", hint="pass provider:name, e.g. openai:gpt-4o-mini")
        overrides["model"] = model.strip()
    if resume is not None and not resume.strip():
        raise UserError(
            "--resume needs a run id", hint="run ids are the file names in the data dir's runs/"
        )
    settings = cli_settings(ctx, overrides)

    from agentcore.api import Team
    from agentcore.chat import run_chat

    team = Team.load(settings=settings)
    code = run_chat(
        team,
        model=settings.model,
        resume=resume and resume.strip(),
        workspace=workspace.resolve() if workspace is not None else None,
    )
    raise typer.Exit(code)

"""The interactive chat (``agentcore chat``): a conversation with the team, turn by turn.

* :class:`ChatSession` is what a chat remembers: turns, model, limits, approvals; save/load.
* :mod:`agentcore.chat._commands` holds the slash commands; :mod:`._render` how a turn looks;
  :mod:`._input` the line editor; :mod:`._approvals` the inline approval questions;
  :class:`ChatRepl` the loop that ties them together.

Start one from Python with :func:`run_chat`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from agentcore.chat._repl import ChatRepl
from agentcore.chat._session import ChatSession, Turn

if TYPE_CHECKING:
    from rich.console import Console

    from agentcore.api import Team
    from agentcore.chat._input import ChatInput

__all__ = ["ChatRepl", "ChatSession", "Turn", "run_chat"]


def _model_choices(team: Team) -> list[str]:
    from agentcore.testing import builtin_scripts

    providers = sorted(f"{name}:" for name in team.registry.models)
    return [*providers, *(f"scripted:{name}" for name in builtin_scripts())]


def run_chat(
    team: Team,
    *,
    model: str | None = None,
    resume: str | None = None,
    workspace: Path | None = None,
    console: Console | None = None,
    reader: ChatInput | None = None,
) -> int:
    """Run an interactive chat until the person leaves; returns the exit code.

    Args:
        team: The team that works on each message.
        model: The model spec (default: the configuration's, or the resumed run's).
        resume: A run id to continue first, from its checkpoint.
        workspace: The directory every turn works in (default: the first run's new one).
        console: Where to write (default: stdout).
        reader: Where to read (default: a line editor on a terminal, else stdin lines).

    Raises:
        UserError: No usable model (unless ``resume`` gives one), before the chat starts.
    """
    import asyncio
    import os
    import sys

    from rich.console import Console

    from agentcore.chat._commands import check_model
    from agentcore.chat._input import PipeInput, TerminalInput
    from agentcore.errors import UserError
    from agentcore.models import choose_model

    try:
        spec = check_model(team, choose_model(model, team.settings, os.environ))
    except UserError:
        if resume is None:
            raise
        spec = ""  # the resumed run's model, once it is known
    session = ChatSession(model=spec, workspace=str(workspace) if workspace else "")
    if console is None:
        console = Console(highlight=False)
    if reader is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            reader = TerminalInput(
                team.settings.data_dir / "chat_history",
                agents=lambda: list(team.agents),
                tools=lambda: list(team.registry.tools),
                models=lambda: _model_choices(team),
            )
        else:
            reader = PipeInput()
    repl = ChatRepl(team, session, console, reader)
    return asyncio.run(repl.run(resume=resume))

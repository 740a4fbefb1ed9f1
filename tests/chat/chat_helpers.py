"""Helpers for the in-process chat tests: a console on a buffer, and a fake chat for commands."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from agentcore import Team
from agentcore.chat import ChatSession
from agentcore.chat._commands import dispatch, parse

SCRIPTS = Path(__file__).parent / "scripts"


def console() -> Console:
    """A wide console that writes plain text to a buffer (``.file.getvalue()``)."""
    return Console(file=io.StringIO(), width=200, highlight=False, color_system=None)


def output(con: Console) -> str:
    file = con.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


@dataclass
class FakeChat:
    """What a slash command sees, without a terminal: the Chat protocol on a buffer."""

    team: Team
    session: ChatSession = field(default_factory=lambda: ChatSession(model="scripted:echo"))
    console: Console = field(default_factory=console)
    quitting: bool = False
    resumed: list[str] = field(default_factory=list)

    def quit(self) -> None:
        self.quitting = True

    async def resume_run(self, run_id: str) -> None:
        self.resumed.append(run_id)

    @property
    def out(self) -> str:
        return output(self.console)

    async def run(self, line: str) -> str:
        """Dispatch ``line``; return what it printed (the buffer is emptied)."""
        command = parse(line)
        assert command is not None, line
        await dispatch(self, command)
        file = self.console.file
        assert isinstance(file, io.StringIO)
        text = file.getvalue()
        file.seek(0)
        file.truncate()
        return text

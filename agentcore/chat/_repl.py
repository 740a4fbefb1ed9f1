"""The chat loop: read a line, run it as a command or as a turn of the conversation.

Signals: while a run (or a slow command) is in the foreground, SIGINT cancels it and the loop
goes back to the prompt; the run's checkpoint stays, so ``/resume RUN_ID`` continues it. At
the prompt, prompt_toolkit reads Ctrl-C as a key: on a line with text it clears the line, on
an empty line it warns once and exits the second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from agentcore.chat._approvals import ChatApprovals
from agentcore.chat._commands import KEYS_HELP, as_text, dispatch, effective_limits, parse
from agentcore.chat._input import PROMPT
from agentcore.chat._render import TurnSink, render_turn
from agentcore.chat._session import ChatSession, Turn
from agentcore.errors import UserError

if TYPE_CHECKING:
    from rich.console import Console

    from agentcore.api import Team
    from agentcore.chat._input import ChatInput
    from agentcore.events import RunEvent
    from agentcore.result import RunResult

_T = TypeVar("_T")
QUIT_WARNING = "press Ctrl-C again or Ctrl-D to quit"


class ChatRepl:
    """One interactive session: the team, the conversation so far, the terminal.

    Args:
        team: The team that runs each turn.
        session: The session state (model, limits, turns, approvals).
        console: Where output goes.
        reader: Where input comes from.
    """

    def __init__(
        self, team: Team, session: ChatSession, console: Console, reader: ChatInput
    ) -> None:
        self.team = team
        self.session = session
        self.console = console
        self.reader = reader
        self._quit = False
        self._foreground_task: asyncio.Task[Any] | None = None
        self._sink: TurnSink | None = None
        self._interrupts = 0

    # --- what commands may call (the Chat protocol) ----------------------------------------

    def quit(self) -> None:
        """End the session once the current command returns."""
        self._quit = True

    async def resume_run(self, run_id: str) -> None:
        """Continue a checkpointed run as a turn; its answer joins the conversation."""
        await self._turn(None, resume=run_id)

    # --- the loop ---------------------------------------------------------------------------

    async def run(self, *, resume: str | None = None) -> int:
        """Run the session until /quit, Ctrl-D, or Ctrl-C twice; returns the exit code."""
        self.banner()
        self._catch_sigint()
        if resume:
            await self.handle(f"/resume {resume}")
        while not self._quit:
            try:
                line = await self.reader.read()
            except EOFError:
                break
            except KeyboardInterrupt:
                self._catch_sigint()
                self._interrupts += 1
                if self._interrupts >= 2:
                    break
                self.console.print(QUIT_WARNING, style="dim", markup=False)
                continue
            self._catch_sigint()
            self._interrupts = 0
            if not self.reader.interactive and line.strip():
                self.console.print(f"{PROMPT}{line}", markup=False, highlight=False)
            await self.handle(line)
        self._goodbye()
        return 0

    def banner(self) -> None:
        from rich.text import Text

        agents, tools = len(self.team.agents), len(self.team.registry.tools)
        title = Text("agentcore chat", style="bold cyan")
        title.append(f" · model {self.session.model or '(from the run)'}", style="")
        title.append(f" · {agents} agents · {tools} tools", style="dim")
        self.console.print(title)
        if self.session.workspace:
            self.console.print(f"workspace: {self.session.workspace}", style="dim", markup=False)
        self.console.print(KEYS_HELP, style="dim", markup=False)
        self.console.print("Type a task, or /help for the commands.", markup=False)

    def _goodbye(self) -> None:
        turns = len(self.session.turns)
        self.console.print(
            f"bye · {turns} turn(s) · ${self.session.cost_usd:.4f}", style="dim", markup=False
        )

    async def handle(self, line: str) -> None:
        """One input line: a slash command or a task; errors are printed, never raised."""
        if not line.strip():
            return
        try:
            command = parse(line)
            if command is not None:
                await self._foreground(dispatch(self, command))
            else:
                await self._turn(as_text(line))
        except KeyboardInterrupt:
            self.console.print("cancelled", style="yellow", markup=False)
        except UserError as exc:
            self.error(exc.message, exc.hint)
        except Exception as exc:  # a bug must not end the session and lose the conversation
            self.error(f"{type(exc).__name__}: {exc}", "the session goes on; /save keeps it")

    def error(self, message: str, hint: str | None = None) -> None:
        from rich.text import Text

        self.console.print(Text(f"error: {message}", style="red"))
        if hint:
            self.console.print(Text(f"hint: {hint}", style="dim"))

    # --- foreground work and Ctrl-C --------------------------------------------------------

    def _catch_sigint(self) -> None:
        """(Re)install the SIGINT handler; prompt_toolkit drops it while it reads a line."""
        # Not the main thread, or no signals on this platform: Ctrl-C raises instead.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGINT, self._on_sigint)

    def _on_sigint(self) -> None:
        task = self._foreground_task
        if task is not None and not task.done():
            task.cancel()

    async def _foreground(self, work: Coroutine[Any, Any, _T]) -> _T:
        """Run ``work`` so that Ctrl-C cancels it; then raise ``KeyboardInterrupt`` here.

        The caller catches it in the same task (an uncaught ``KeyboardInterrupt`` would stop
        the event loop). Nested calls (``/resume`` runs a turn) cancel the innermost work.
        """
        task = asyncio.ensure_future(work)
        outer, self._foreground_task = self._foreground_task, task
        self._catch_sigint()
        try:
            return await task
        except asyncio.CancelledError:
            if not task.cancelled():
                raise  # it is this loop that is being cancelled
            raise KeyboardInterrupt from None
        except KeyboardInterrupt:  # no signal handler (see _catch_sigint): Ctrl-C raised here
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise
        finally:
            self._foreground_task = outer

    # --- turns ------------------------------------------------------------------------------

    async def _ask(self, question: str) -> str | None:
        try:
            return await self.reader.ask(question)
        except KeyboardInterrupt:
            # Ctrl-C at an approval question cancels the run, as it does anywhere in a run;
            # the question is still pending in the checkpoint, and /resume asks it again.
            self._on_sigint()
            raise asyncio.CancelledError from None
        finally:
            self._catch_sigint()

    def _say(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)

    def _run_kwargs(self, *, resume: bool) -> dict[str, Any]:
        approvals = ChatApprovals(
            self.session.always,
            self._ask,
            pause=lambda: self._sink.pause() if self._sink else None,
            resume=lambda: self._sink.resume() if self._sink else None,
            say=self._say,
        )
        kwargs: dict[str, Any] = {"approve": approvals}
        if not resume:
            kwargs["model"] = self.session.model or None
            kwargs["limits"] = effective_limits(self)
            kwargs["conversation"] = self.session.conversation()
            kwargs["workspace"] = Path(self.session.workspace) if self.session.workspace else None
        return kwargs

    async def _turn(self, task: str | None, *, resume: str | None = None) -> None:
        kwargs = self._run_kwargs(resume=resume is not None)
        if resume is not None:
            events = self.team.astream(resume=resume, **kwargs)
        else:
            events = self.team.astream(task, **kwargs)
        sink = TurnSink(self.console)
        self._sink = sink
        try:
            with sink:
                result = await self._foreground(_drive(events, sink))
        except KeyboardInterrupt:
            self._cancelled(task or sink.task or "", sink.run_id)
            return
        finally:
            self._sink = None
        turn = Turn.from_result(task or sink.task or "", result)
        self.session.add(turn)
        if resume and not self.session.model:
            self.session.model = result.model
        if not self.session.workspace and result.workspace:
            self.session.workspace = result.workspace  # the next turns work on the same files
        render_turn(self.console, result, turn, self.session)

    def _cancelled(self, task: str, run_id: str | None) -> None:
        self.session.add(Turn(task=task, status="cancelled", run_id=run_id))
        line = "cancelled"
        if run_id:
            line += f" · run {run_id} keeps its checkpoint: /resume {run_id} continues it"
        self.console.print(line, style="yellow", markup=False)


async def _drive(events: AsyncIterator[RunEvent], sink: TurnSink) -> RunResult:
    """Hand each event to ``sink``; return the result the ``run_end`` event carries."""
    try:
        async for event in events:
            if event.kind == "run_end":
                result: RunResult = event.data["result"]
                return result
            sink.handle(event)
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()
    raise RuntimeError("the run ended without a result")  # a bug upstream

"""Reading what the person types: a prompt_toolkit line editor on a terminal, lines otherwise.

On a terminal: history in ``<data_dir>/chat_history``, Enter sends, Alt-Enter (or Esc then
Enter) starts a new line, Tab completes slash commands and their arguments (agent and tool
names, limits, models, files). Ctrl-C clears a line with text and raises
``KeyboardInterrupt`` on an empty one; Ctrl-D on an empty line raises ``EOFError``. From a
pipe, each line is one input.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from agentcore.chat._commands import argument_words, names

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import CompleteEvent, Completer, Completion
    from prompt_toolkit.document import Document

PROMPT = "\u276f "  # a heavy right-pointing angle
CONTINUATION = "… "
_FILE_COMMANDS = frozenset({"save", "load"})


class ChatInput(Protocol):
    """Where a chat reads its input from.

    ``interactive`` is False when nobody types (a pipe): the chat then echoes each input so
    that the transcript says what was asked.
    """

    interactive: bool

    async def read(self) -> str:
        """The next input (a task or a command).

        Raises:
            EOFError: End of input (Ctrl-D).
            KeyboardInterrupt: Ctrl-C at the prompt.
        """
        ...

    async def ask(self, question: str) -> str | None:
        """One short answer (e.g. to an approval question); ``None`` at end of input."""
        ...


class PipeInput:
    """Lines from a stream that is not a terminal; each line is one input."""

    interactive = False

    def __init__(self, stream: Iterable[str] | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdin

    async def _line(self) -> str | None:
        reader = getattr(self._stream, "readline", None)
        if reader is not None:
            line: str = await asyncio.to_thread(reader)
            return line if line else None
        return next(iter(self._stream), None)

    async def read(self) -> str:
        line = await self._line()
        if line is None:
            raise EOFError
        return line.rstrip("\n")

    async def ask(self, question: str) -> str | None:
        sys.stdout.write(question)
        sys.stdout.flush()
        line = await self._line()
        if line is not None:
            sys.stdout.write(line if line.endswith("\n") else line + "\n")
        return None if line is None else line.strip()


def _completer(
    agents: Callable[[], Sequence[str]],
    tools: Callable[[], Sequence[str]],
    models: Callable[[], Sequence[str]],
) -> Completer:
    from prompt_toolkit.completion import Completer, Completion, PathCompleter
    from prompt_toolkit.document import Document

    paths = PathCompleter(expanduser=True)

    class SlashCompleter(Completer):
        """Command names after ``/``; each command's arguments after it."""

        def get_completions(
            self, document: Document, complete_event: CompleteEvent
        ) -> Iterable[Completion]:
            text = document.text_before_cursor
            if not text.startswith("/") or text.startswith("//") or "\n" in text:
                return
            if " " not in text:
                typed = text[1:].lower()
                for name in names():
                    if name.startswith(typed):
                        yield Completion("/" + name, start_position=-len(text))
                return
            name, _, rest = text[1:].partition(" ")
            word = rest.rsplit(" ", 1)[-1]
            if name in _FILE_COMMANDS:
                yield from paths.get_completions(Document(word, len(word)), complete_event)
                return
            choices = models() if name == "model" else argument_words(name, agents(), tools())
            for choice in choices:
                if choice.startswith(word) and choice != word:
                    yield Completion(choice, start_position=-len(word))

    return SlashCompleter()


class TerminalInput:
    """A prompt_toolkit line editor: history, multi-line input, completion.

    Args:
        history_file: Where earlier inputs are kept (created when missing).
        agents: The agent names to complete (called at completion time).
        tools: The tool names to complete.
        models: Model specs to complete after ``/model``.
    """

    interactive = True

    def __init__(
        self,
        history_file: Path,
        *,
        agents: Callable[[], Sequence[str]] = list,
        tools: Callable[[], Sequence[str]] = list,
        models: Callable[[], Sequence[str]] = list,
    ) -> None:
        self._session = _prompt_session(history_file, _completer(agents, tools, models))
        self._asker: PromptSession[str] | None = None

    async def read(self) -> str:
        text: str = await self._session.prompt_async(PROMPT)
        return text

    async def ask(self, question: str) -> str | None:
        from prompt_toolkit import PromptSession

        if self._asker is None:
            self._asker = PromptSession()
        try:
            answer: str = await self._asker.prompt_async(question)
        except EOFError:
            return None
        return answer.strip()


def _prompt_session(history_file: Path, completer: Completer) -> PromptSession[str]:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.filters import Condition
    from prompt_toolkit.history import FileHistory, InMemoryHistory
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

    bindings = KeyBindings()

    # Ctrl-J is what Enter becomes when typed ahead while a run holds the terminal (ICRNL).
    @bindings.add("enter")
    @bindings.add("c-j")
    def _send(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.current_completion is not None:
            buffer.apply_completion(state.current_completion)
            return
        buffer.validate_and_handle()

    @bindings.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @bindings.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.text:
            buffer.reset()  # Ctrl-C on a line with text clears it, like a shell
        else:
            event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    try:
        history_file.parent.mkdir(parents=True, exist_ok=True)
        history: FileHistory | InMemoryHistory = FileHistory(str(history_file))
    except OSError:  # a read-only data dir: keep history for this session only
        history = InMemoryHistory()

    session: PromptSession[str] = PromptSession(
        history=history,
        multiline=True,
        key_bindings=bindings,
        completer=completer,
        complete_while_typing=Condition(lambda: _typing_a_command(session)),
        prompt_continuation=lambda width, line_number, wrap_count: CONTINUATION.rjust(width),
        enable_history_search=False,
        mouse_support=False,
    )
    return session


def _typing_a_command(session: PromptSession[str]) -> bool:
    text = session.default_buffer.text
    return text.startswith("/") and " " not in text and "\n" not in text

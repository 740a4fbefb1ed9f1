"""Input: Enter sends, Alt-Enter adds a line, Ctrl-C and Ctrl-D, completion, piped lines."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.input.base import PipeInput as PtPipeInput
from prompt_toolkit.output import DummyOutput

from agentcore.chat._commands import names
from agentcore.chat._input import PipeInput, TerminalInput, _completer


@pytest.fixture
def keys() -> Iterator[PtPipeInput]:
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe


def terminal(tmp_path: Path) -> TerminalInput:
    return TerminalInput(
        tmp_path / "data" / "chat_history",
        agents=lambda: ["coder", "researcher"],
        tools=lambda: ["write_file", "web_search"],
        models=lambda: ["scripted:echo", "openai:"],
    )


async def test_enter_sends_and_alt_enter_adds_a_line(keys: PtPipeInput, tmp_path: Path) -> None:
    reader = terminal(tmp_path)
    keys.send_text("first\x1b\rsecond\r")
    assert await reader.read() == "first\nsecond"
    assert (tmp_path / "data" / "chat_history").is_file()  # kept across sessions


async def test_typed_ahead_enter_sends_too(keys: PtPipeInput, tmp_path: Path) -> None:
    # a line typed while a run held the terminal arrives with LF (the tty's ICRNL), not CR
    keys.send_text("typed ahead\n")
    assert await terminal(tmp_path).read() == "typed ahead"


async def test_ctrl_c_clears_a_line_with_text_and_interrupts_on_an_empty_one(
    keys: PtPipeInput, tmp_path: Path
) -> None:
    reader = terminal(tmp_path)
    keys.send_text("oops\x03after\r")
    assert await reader.read() == "after"
    keys.send_text("\x03")
    with pytest.raises(KeyboardInterrupt):
        await reader.read()


async def test_ctrl_d_on_an_empty_line_ends_input(keys: PtPipeInput, tmp_path: Path) -> None:
    keys.send_text("\x04")
    with pytest.raises(EOFError):
        await terminal(tmp_path).read()


async def test_history_recalls_earlier_inputs(keys: PtPipeInput, tmp_path: Path) -> None:
    reader = terminal(tmp_path)
    keys.send_text("count the rows\r")
    await reader.read()
    again = terminal(tmp_path)  # a new session reads the same history file
    keys.send_text("\x1b[A\r")  # Up, Enter
    assert await again.read() == "count the rows"


async def test_ask_reads_one_answer(keys: PtPipeInput, tmp_path: Path) -> None:
    reader = terminal(tmp_path)
    keys.send_text(" y \r")
    assert await reader.ask("Allow? ") == "y"
    keys.send_text("\x04")
    assert await reader.ask("Allow? ") is None


def completions(text: str) -> list[str]:
    completer = _completer(
        lambda: ["coder", "researcher"],
        lambda: ["write_file", "web_search"],
        lambda: ["scripted:echo", "openai:"],
    )
    doc = Document(text, len(text))
    return [
        c.text for c in completer.get_completions(doc, CompleteEvent(completion_requested=True))
    ]


def test_completion_of_commands_and_their_arguments(tmp_path: Path) -> None:
    assert completions("/he") == ["/help"]
    assert completions("/") == [f"/{name}" for name in names()]
    assert completions("/agents r") == ["researcher"]
    assert completions("/tools w") == ["web_search", "write_file"]
    assert completions("/limits max_st") == ["max_steps="]
    assert completions("/memory s") == ["search", "stats"]
    assert completions("/model scr") == ["scripted:echo"]
    assert completions("/approvals ") == ["reset"]
    assert completions("hello /he") == []  # only at the start of a line
    assert completions("//he") == []


def test_completion_of_files_for_save_and_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chat-one.json").write_text("{}")
    assert completions("/load chat-") == ["one.json"]


async def test_piped_lines_are_inputs_and_answers() -> None:
    reader = PipeInput(io.StringIO("first task\ny\n"))
    assert await reader.read() == "first task"
    assert await reader.ask("Allow? ") == "y"
    assert await reader.ask("Allow? ") is None
    with pytest.raises(EOFError):
        await reader.read()

"""The chat loop in-process: turns, the conversation, cancelling, approvals, errors, exiting."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from chat_helpers import console, output
from langchain_core.messages import AIMessage, BaseMessage

from agentcore import Team
from agentcore.chat import ChatRepl, ChatSession, run_chat
from agentcore.chat._input import PipeInput
from agentcore.chat._repl import QUIT_WARNING
from agentcore.errors import UserError
from agentcore.testing import CallInfo, FunctionChatModel


class Keyboard:
    """Input from a list: a str is a line; an exception class is raised (Ctrl-C, Ctrl-D)."""

    interactive = True

    def __init__(self, lines: Sequence[str | type[BaseException]], answers: Sequence[str] = ()):
        self.lines = list(lines)
        self.answers = list(answers)
        self.questions: list[str] = []

    async def read(self) -> str:
        if not self.lines:
            raise EOFError
        item = self.lines.pop(0)
        if isinstance(item, type):
            raise item
        return item

    async def ask(self, question: str) -> str | None:
        self.questions.append(question)
        return self.answers.pop(0) if self.answers else None


def final(answer: str, info: CallInfo) -> AIMessage:
    call = {"name": "final_answer", "args": {"answer": answer}, "id": f"f{info.call_index}"}
    return AIMessage(content="", tool_calls=[call])


def repl_for(team: Team, keyboard: Keyboard, model: str = "test:main") -> ChatRepl:
    return ChatRepl(team, ChatSession(model=model), console(), keyboard)


async def test_turns_continue_one_conversation(make_team: Callable[..., Team]) -> None:
    prompts: list[str] = []

    def reply(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        prompts.append(messages[-1].text)
        return final(f"answer {len(prompts)}", info)

    team = make_team(main=FunctionChatModel(reply))
    repl = repl_for(team, Keyboard(["How many rows?", "  ", "And columns?", "/reset", "Again?"]))
    assert await repl.run() == 0

    assert [t.answer for t in repl.session.turns] == ["answer 1", "answer 2", "answer 3"]
    # one workspace for the whole chat: later turns see the files earlier ones wrote
    assert {t.workspace for t in repl.session.turns} == {repl.session.workspace}
    assert repl.session.workspace.endswith(repl.session.turns[0].run_id or "?")
    assert "Earlier in this conversation" not in prompts[0]
    assert "User: How many rows?" in prompts[1] and "Answer: answer 1" in prompts[1]
    assert "Earlier in this conversation" not in prompts[2]  # after /reset
    out = output(repl.console)
    assert "agentcore chat · model test:main" in out
    assert out.count("completed · ") == 3
    assert "bye · 3 turn(s)" in out


async def test_ctrl_c_during_a_run_cancels_it_and_the_session_goes_on(
    make_team: Callable[..., Team], tmp_data_dir: Any
) -> None:
    repl: ChatRepl | None = None

    async def reply(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        task = messages[-1].text
        if "slow" in task:
            assert repl is not None
            repl._on_sigint()  # what the SIGINT handler does when Ctrl-C is pressed
            await asyncio.sleep(60)
        return final("quick answer", info)

    team = make_team(main=FunctionChatModel(reply))
    repl = repl_for(team, Keyboard(["a slow one", "a quick one"]))
    await repl.run()

    cancelled, done = repl.session.turns
    assert (cancelled.task, cancelled.status, cancelled.answer) == ("a slow one", "cancelled", "")
    assert cancelled.run_id and (tmp_data_dir / "runs" / f"{cancelled.run_id}.jsonl").is_file()
    assert done.status == "completed" and done.answer == "quick answer"
    assert repl.session.conversation() == [("a quick one", "quick answer")]
    assert f"/resume {cancelled.run_id}" in output(repl.console)


async def test_ctrl_c_during_a_resumed_run_cancels_only_that_run(
    make_team: Callable[..., Team],
) -> None:
    repl: ChatRepl | None = None
    calls: list[str] = []

    async def reply(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        calls.append(messages[-1].text)
        if len(calls) <= 2:  # the first run, then the same run resumed by /resume
            assert repl is not None
            repl._on_sigint()
            await asyncio.sleep(60)
        return final("at last", info)

    team = make_team(main=FunctionChatModel(reply))
    keyboard = Keyboard(["slow"])
    repl = repl_for(team, keyboard)
    await repl.run()
    run_id = repl.session.turns[0].run_id
    assert run_id is not None
    keyboard.lines = [f"/resume {run_id}", f"/resume {run_id}", "/history"]
    await repl.run()

    assert [t.status for t in repl.session.turns] == ["cancelled", "cancelled", "completed"]
    assert {t.run_id for t in repl.session.turns} == {run_id}
    assert repl.session.conversation() == [("slow", "at last")]


async def test_ctrl_c_twice_at_an_empty_prompt_exits(team: Team) -> None:
    repl = repl_for(team, Keyboard([KeyboardInterrupt, KeyboardInterrupt, "never read"]))
    assert await repl.run() == 0
    assert output(repl.console).count(QUIT_WARNING) == 1
    assert repl.reader.lines == ["never read"]  # type: ignore[attr-defined]


async def test_a_line_between_two_ctrl_c_keeps_the_session(team: Team) -> None:
    keyboard = Keyboard([KeyboardInterrupt, "/history", KeyboardInterrupt, "/quit", "unread"])
    repl = repl_for(team, keyboard, model="scripted:echo")
    await repl.run()
    assert output(repl.console).count(QUIT_WARNING) == 2
    assert keyboard.lines == ["unread"]


async def test_approvals_are_asked_through_the_input(make_team: Callable[..., Team]) -> None:
    def reply(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        if info.agent == "planner":
            step = {"id": "s1", "agent": "coder", "instruction": "Run it."}
            call = {"name": "submit_plan", "args": {"steps": [step]}, "id": "p"}
            return AIMessage(content="", tool_calls=[call])
        if info.agent == "coder" and not any(m.type == "tool" for m in messages):
            call = {"name": "write_file", "args": {"path": "x.txt", "content": "x"}, "id": "w"}
            return AIMessage(content="", tool_calls=[call])
        return AIMessage(content="finished")

    settings = {"approvals": {"tools": {"write_file": "always"}}}
    team = make_team(settings, main=FunctionChatModel(reply))
    keyboard = Keyboard(["one", "two", "three"], answers=["n", "a"])
    repl = repl_for(team, keyboard)
    await repl.run()

    assert len(keyboard.questions) == 2  # the third turn is approved by "always"
    assert repl.session.always == {"write_file"}
    out = output(repl.console)
    assert out.count("✗ write_file: not approved") == 1
    assert out.count("✓ write_file: approved") == 2
    assert [t.status for t in repl.session.turns] == ["completed"] * 3


async def test_errors_are_printed_and_the_session_goes_on(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentcore.chat import _commands

    async def broken(chat: Any, args: str) -> None:
        raise RuntimeError("a bug in a command")

    runs = _commands.find("runs")
    monkeypatch.setitem(_commands._BY_NAME, "runs", dataclasses.replace(runs, handler=broken))
    keyboard = Keyboard(["/nope", "/runs", "/limits max_steps=-1", "hello"])
    repl = repl_for(team, keyboard, model="nosuch:model")
    await repl.run()
    out = output(repl.console)
    assert "error: unknown command '/nope'" in out
    assert "error: RuntimeError: a bug in a command" in out
    assert "error: max_steps must be greater than 0" in out
    assert "error: unknown model provider 'nosuch' in 'nosuch:model'" in out
    assert repl.session.turns == []  # a turn refused before it ran is not a turn
    assert "bye · 0 turn(s)" in out


def test_run_chat_from_a_pipe_answers_each_line(team: Team) -> None:
    con = console()
    code = run_chat(
        team,
        model="scripted:echo",
        console=con,
        reader=PipeInput(io.StringIO("first\n/history\nsecond\n")),
    )
    assert code == 0
    out = output(con)
    assert out.count("completed · ") == 2
    assert "\u276f first\n" in out and "\u276f /history\n" in out  # what was asked is echoed


def test_run_chat_works_in_the_workspace_it_is_given(team: Team, tmp_path: Path) -> None:
    con = console()
    reader = PipeInput(io.StringIO("one\ntwo\n"))
    run_chat(team, model="scripted:echo", workspace=tmp_path / "proj", console=con, reader=reader)
    assert f"workspace: {tmp_path / 'proj'}" in output(con)
    assert (tmp_path / "proj").is_dir()


def test_run_chat_without_a_model_is_a_user_error(team: Team) -> None:
    with pytest.raises(UserError, match="no model configured"):
        run_chat(team, console=console(), reader=PipeInput(io.StringIO("")))

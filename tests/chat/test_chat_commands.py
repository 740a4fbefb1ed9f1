"""Slash commands: parsing, close matches for bad names, and what each command does."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from chat_helpers import FakeChat

from agentcore import Team
from agentcore.chat import ChatSession, Turn
from agentcore.chat._commands import (
    COMMANDS,
    CommandLine,
    argument_words,
    as_text,
    close_matches,
    find,
    names,
    parse,
)
from agentcore.errors import UserError

REQUIRED = {
    "help",
    "agents",
    "tools",
    "model",
    "limits",
    "memory",
    "history",
    "reset",
    "save",
    "load",
    "runs",
    "approvals",
    "quit",
}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/help", CommandLine(name="help", args="")),
        ("  /HELP  ", CommandLine(name="help", args="")),
        ("/memory search  metric units ", CommandLine(name="memory", args="search  metric units")),
        ("/save\nmore", CommandLine(name="save", args="more")),
        ("hello", None),
        ("//etc/hosts is a path", None),
        ("", None),
    ],
)
def test_parse(line: str, expected: CommandLine | None) -> None:
    assert parse(line) == expected


def test_double_slash_sends_text_that_starts_with_a_slash() -> None:
    assert as_text("//etc/hosts is a path") == "/etc/hosts is a path"
    assert as_text("  plain  ") == "plain"


def test_every_command_the_issue_asks_for_exists_with_usage_and_summary() -> None:
    assert set(names()) >= REQUIRED
    for command in COMMANDS:
        assert command.usage.startswith(f"/{command.name}")
        assert command.summary.endswith(".")


def test_close_matches_prefer_prefixes_then_similar_names() -> None:
    assert close_matches("hist", names()) == ["history"]
    assert close_matches("hepl", names())[0] == "help"
    assert close_matches("zzzz", names()) == []


def test_an_unknown_command_names_the_closest_and_points_to_help() -> None:
    with pytest.raises(UserError) as exc:
        find("hepl")
    assert exc.value.message == "unknown command '/hepl'"
    assert exc.value.hint == "did you mean /help? type /help for the list"
    with pytest.raises(UserError) as exc:
        find("xyzzy")
    assert exc.value.hint == "type /help for the list"


def test_exit_is_quit() -> None:
    assert find("exit") is find("quit")


def test_argument_words_complete_names() -> None:
    assert argument_words("agents", ["coder", "planner"], ["think"]) == ["coder", "planner"]
    assert argument_words("tools", ["coder"], ["write_file", "think"]) == ["think", "write_file"]
    assert "max_steps=" in argument_words("limits", [], [])
    assert argument_words("memory", [], []) == ["search", "list", "stats"]
    assert "history" in argument_words("help", [], [])
    assert argument_words("nosuch", [], []) == []


# --- handlers, on a real team -------------------------------------------------------------


@pytest.fixture
def chat(team: Team) -> FakeChat:
    return FakeChat(team=team)


async def test_help_lists_every_command_and_the_keys(chat: FakeChat) -> None:
    out = await chat.run("/help")
    for command in COMMANDS:
        assert command.usage in out  # shown as text: "[...]" is not read as markup
    assert "Alt-Enter" in out and "Ctrl-D" in out and "//" in out
    out = await chat.run("/help /limits")
    assert "/limits [NAME=VALUE ... | reset]" in out
    with pytest.raises(UserError, match="unknown command '/nope'"):
        await chat.run("/help nope")


async def test_agents_lists_them_and_shows_one(chat: FakeChat) -> None:
    out = await chat.run("/agents")
    assert out.index("planner") < out.index("coder")  # the planner first
    out = await chat.run("/agents researcher")
    assert "researcher (worker)" in out and "tools: " in out and "model: (the chat model)" in out
    with pytest.raises(UserError) as exc:
        await chat.run("/agents reseacher")
    assert exc.value.message == "unknown agent 'reseacher'"
    assert exc.value.hint is not None and "did you mean researcher?" in exc.value.hint
    assert "agents: coder, ml_specialist, planner, researcher" in exc.value.hint


async def test_tools_show_risk_approval_and_who_uses_them(chat: FakeChat) -> None:
    out = await chat.run("/tools")
    assert "run_python" in out and "executes_code" in out
    chat.session.always.add("run_python")
    out = await chat.run("/tools run_python")
    assert "risk: executes_code" in out and "approval: always (this session)" in out
    assert "used by: coder, ml_specialist" in out
    with pytest.raises(UserError, match="unknown tool 'run_pyhton'") as exc:
        await chat.run("/tools run_pyhton")
    assert "did you mean run_python?" in (exc.value.hint or "")


async def test_model_shows_checks_and_changes(chat: FakeChat) -> None:
    assert "model: scripted:echo" in await chat.run("/model")
    out = await chat.run("/model scripted:hello")
    assert chat.session.model == "scripted:hello" and "from the next turn" in out
    with pytest.raises(UserError, match="nosuch"):
        await chat.run("/model nosuch:thing")
    with pytest.raises(UserError):
        await chat.run("/model openai:gpt-4o-mini")  # no key in tests: refused now, not mid-turn
    assert chat.session.model == "scripted:hello"


async def test_limits_show_set_validate_and_reset(chat: FakeChat) -> None:
    out = await chat.run("/limits")
    assert "max_steps" in out and "configuration" in out
    out = await chat.run("/limits max_steps=3 max-tool-calls=7 max_cost_usd=none")
    assert chat.session.limits == {"max_steps": 3, "max_tool_calls": 7, "max_cost_usd": None}
    assert "this session" in out
    with pytest.raises(UserError, match="unknown limit 'max_stpes'"):
        await chat.run("/limits max_stpes=3")
    with pytest.raises(UserError, match="max_steps must be greater than 0"):
        await chat.run("/limits max_steps=0 max_tokens=5")
    with pytest.raises(UserError, match="cannot read 'max_steps'"):
        await chat.run("/limits max_steps")
    with pytest.raises(UserError, match="timeout_s cannot be turned off"):
        await chat.run("/limits timeout_s=off")
    assert chat.session.limits["max_steps"] == 3  # a refused change changes nothing
    await chat.run("/limits reset")
    assert chat.session.limits == {}


async def test_memory_without_a_store_says_so_and_creates_nothing(chat: FakeChat) -> None:
    store = Path(chat.team.settings.memory_uri)
    out = await chat.run("/memory")
    assert "no memories yet" in out
    assert not store.exists()  # noqa: ASYNC240 (a test's own check)
    with pytest.raises(UserError, match="unknown /memory action 'forget'"):
        await chat.run("/memory forget all")
    with pytest.raises(UserError, match="needs a query"):
        await chat.run("/memory search")


async def test_history_and_reset(chat: FakeChat) -> None:
    assert "no turns yet" in await chat.run("/history")
    chat.session.add(Turn(task="count the rows", answer="42", run_id="r1", cost_usd=0.25))
    chat.session.add(Turn(task="stopped", status="cancelled"))
    out = await chat.run("/history")
    assert "count the rows" in out and "cancelled" in out and "$0.2500" in out
    out = await chat.run("/reset")
    assert "1 earlier turn(s) set aside" in out
    assert chat.session.conversation() == []
    assert "before the last /reset" in await chat.run("/history")
    with pytest.raises(UserError, match="/reset takes no arguments"):
        await chat.run("/reset now")


async def test_save_and_load(chat: FakeChat, tmp_path: Path) -> None:
    chat.session.add(Turn(task="t1", answer="a1"))
    out = await chat.run("/save")
    saved = chat.team.settings.data_dir / "chats" / f"{chat.session.id}.json"
    assert str(saved) in out and saved.is_file()
    target = tmp_path / "my chat.json"
    await chat.run(f'/save "{target}"')
    assert json.loads(target.read_text())["turns"][0]["task"] == "t1"

    fresh = FakeChat(team=chat.team, session=ChatSession(model="scripted:hello"))
    fresh.session.always.add("run_python")
    out = await fresh.run(f'/load "{target}"')
    assert "loaded 1 turn(s) (1 in the conversation)" in out
    assert fresh.session.conversation() == [("t1", "a1")]
    assert fresh.session.model == "scripted:echo"  # the saved model, which works here
    assert fresh.session.always == {"run_python"}  # approvals stay with this session
    with pytest.raises(UserError, match="/load needs one file"):
        await fresh.run("/load")
    with pytest.raises(UserError, match="no such file"):
        await fresh.run(f"/load {tmp_path / 'nope.json'}")


async def test_load_keeps_the_current_model_when_the_saved_one_is_unusable(
    chat: FakeChat, tmp_path: Path
) -> None:
    path = ChatSession(model="openai:gpt-4o-mini").save(tmp_path / "s.json")
    out = await chat.run(f"/load {path}")
    assert "is not usable here" in out and chat.session.model == "scripted:echo"


async def test_runs_lists_recent_runs_and_marks_this_sessions(chat: FakeChat) -> None:
    assert "no runs yet" in await chat.run("/runs")
    runs = chat.team.settings.runs_dir
    runs.mkdir(parents=True)
    now = time.time()
    for run_id, status in (("r-old", "completed"), ("r-mine", None)):
        lines = [{"ts": now, "run_id": run_id, "type": "run_start", "task": f"task {run_id}"}]
        if status:
            lines.append({"type": "run_end", "status": status, "usage": {"cost_usd": 0.5}})
        (runs / f"{run_id}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    (runs / "broken.jsonl").write_text("not json\n")
    chat.session.add(Turn(task="task r-mine", status="cancelled", run_id="r-mine"))
    out = await chat.run("/runs")
    assert "r-mine *" in out and "running?" in out
    assert "r-old" in out and "completed" in out and "$0.5000" in out
    assert "broken" in out  # an unreadable trace is listed, not fatal


async def test_resume_hands_the_run_id_to_the_repl(chat: FakeChat) -> None:
    await chat.run("/resume 20250101-000000-abcdef")
    assert chat.resumed == ["20250101-000000-abcdef"]
    with pytest.raises(UserError, match="/resume needs one run id"):
        await chat.run("/resume")


async def test_approvals_show_and_reset(chat: FakeChat) -> None:
    assert "no tool is approved" in await chat.run("/approvals")
    chat.session.always.update({"run_python", "web_search"})
    out = await chat.run("/approvals")
    assert "run_python, web_search" in out
    assert "2 tool(s) will ask again" in await chat.run("/approvals reset")
    assert chat.session.always == set()
    with pytest.raises(UserError, match="unknown /approvals argument"):
        await chat.run("/approvals clear")


async def test_quit(chat: FakeChat) -> None:
    await chat.run("/exit")
    assert chat.quitting


async def test_memory_stats_list_and_search_on_a_store(make_team: Callable[..., Team]) -> None:
    from agentcore.memory import Memory

    team = make_team({"memory": {"embedder": "testing:hashing"}})
    memory = Memory.open(team.settings)
    memory.add("The user prefers metric units.", kind="preference", scope="user")
    memory.add("flights.csv has a header row.", kind="fact")
    chat = FakeChat(team=team)

    out = await chat.run("/memory stats")
    assert "2 memories (0 expired)" in out and "preference 1" in out and "fact 1" in out
    out = await chat.run("/memory list")
    assert "metric units" in out and "header row" in out and "preference" in out
    out = await chat.run("/memory search metric units")
    assert "metric units" in out.splitlines()[1]  # the best hit first

"""Session state: which turns the next run sees, /reset, and saving and loading sessions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentcore.chat import ChatSession, Turn
from agentcore.errors import UserError
from agentcore.result import AgentUsage, RunResult, UsageReport


def session_with_turns() -> ChatSession:
    session = ChatSession(model="scripted:echo", limits={"max_steps": 3}, workspace="/ws")
    session.add(Turn(task="first", answer="one", run_id="r1", cost_usd=0.5, input_tokens=10))
    session.add(Turn(task="stopped", status="cancelled", run_id="r2"))
    session.add(Turn(task="broken", answer="partial", status="failed", run_id="r3"))
    session.add(Turn(task="capped", answer="best so far", status="limit_reached", run_id="r4"))
    session.add(Turn(task="silent", answer="  ", status="completed"))
    return session


def test_the_conversation_is_the_answered_turns_in_order() -> None:
    session = session_with_turns()
    assert session.conversation() == [("first", "one"), ("capped", "best so far")]
    assert session.run_ids == ["r1", "r2", "r3", "r4"]
    assert session.cost_usd == 0.5
    assert session.tokens == 10


def test_reset_sets_earlier_turns_aside_but_keeps_them() -> None:
    session = session_with_turns()
    assert session.reset() == 2
    assert session.conversation() == []
    assert len(session.turns) == 5
    session.add(Turn(task="fresh", answer="start"))
    assert session.conversation() == [("fresh", "start")]


def test_a_turn_from_a_result_carries_usage_and_artifacts() -> None:
    result = RunResult(
        run_id="r9",
        status="limit_reached",
        answer="a",
        model="scripted:echo",
        duration_s=1.5,
        usage=UsageReport(total=AgentUsage(input_tokens=3, output_tokens=4, cost_usd=0.01)),
        artifacts=["out.csv"],
        workspace="/ws",
    )
    turn = Turn.from_result("task", result)
    assert (turn.status, turn.run_id, turn.input_tokens, turn.output_tokens) == (
        "limit_reached",
        "r9",
        3,
        4,
    )
    assert turn.artifacts == ["out.csv"] and turn.workspace == "/ws" and turn.answered


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    session = session_with_turns()
    session.reset()
    session.always.add("run_python")
    path = session.save(tmp_path / "sub" / "chat.json")
    doc = json.loads(path.read_text())
    assert doc["format"] == "agentcore-chat" and doc["version"] == 1
    assert "always" not in doc  # approvals are for one session only, never saved

    loaded = ChatSession.load(path)
    assert loaded.model == "scripted:echo"
    assert loaded.limits == {"max_steps": 3}
    assert loaded.workspace == "/ws"
    assert [t.task for t in loaded.turns] == [t.task for t in session.turns]
    assert loaded.context_start == 5 and loaded.conversation() == []
    assert loaded.always == set()


def test_a_markdown_transcript_is_for_people(tmp_path: Path) -> None:
    path = session_with_turns().save(tmp_path / "chat.md")
    text = path.read_text()
    assert "## 1. first" in text and "one" in text and "_cancelled · run r2" in text
    with pytest.raises(UserError, match="is a transcript, not a session file"):
        ChatSession.load(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "is not JSON"),
        ('{"turns": []}', "is not a saved chat session"),
        ('{"format": "agentcore-chat", "version": 9}', "unsupported chat session version 9"),
        ('{"format": "agentcore-chat", "version": 1, "turns": [{"answer": "x"}]}', "turns\\[0\\]"),
        ('{"format": "agentcore-chat", "version": 1, "turns": "abc"}', "'turns' must be a list"),
        ('{"format": "agentcore-chat", "version": 1, "limits": [1]}', "'limits' must be"),
    ],
)
def test_loading_a_bad_file_says_what_is_wrong(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UserError, match=message):
        ChatSession.load(path)


def test_unknown_turn_fields_are_ignored_so_newer_files_load(tmp_path: Path) -> None:
    doc = {
        "format": "agentcore-chat",
        "version": 1,
        "turns": [{"task": "t", "answer": "a", "status": "completed", "from_the_future": 1}],
    }
    (tmp_path / "s.json").write_text(json.dumps(doc))
    assert ChatSession.load(tmp_path / "s.json").conversation() == [("t", "a")]


def test_saving_where_it_cannot_write_is_a_user_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserError, match="cannot write"):
        ChatSession().save(blocker / "chat.json")

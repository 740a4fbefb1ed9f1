"""Long-term memory inside a run: memories reach the planner and each step; lessons are kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from agentcore.config import load_settings
from agentcore.graph._memory import lessons_in
from agentcore.memory import Memory
from agentcore.testing import CallInfo, FunctionChatModel, HashingEmbedder, ScriptedChatModel
from tests.graph.conftest import plan, say

MEMORY = {"memory": {"embedder": "testing:hashing"}}


def _memory(data_dir: Path) -> Memory:
    settings = load_settings({"data_dir": str(data_dir), **MEMORY})
    return Memory.open(settings, embedder=HashingEmbedder())


def test_lessons_are_the_bullets_under_the_last_lessons_heading() -> None:
    answer = (
        "The mean delay is 12.6 minutes.\n\nLessons: (ignored: not a heading line)\n\n"
        "**Lessons:**\n- The CSV marks missing values as NA.\n"
        "* Group by carrier before joining.\n1. Third one\n\nA trailing paragraph."
    )
    assert lessons_in(answer) == [
        "The CSV marks missing values as NA.",
        "Group by carrier before joining.",
        "Third one",
    ]
    assert lessons_in("No lessons here.\n- a bullet that is not under a heading") == []
    assert lessons_in("## Lessons\n") == []


async def test_a_remembered_lesson_reaches_the_planner_and_the_step(make_team, tmp_data_dir):
    _memory(tmp_data_dir).add(
        "The flights CSV marks missing delays as NA, not as empty cells.", kind="lesson"
    )
    seen: dict[str, list[BaseMessage]] = {}

    def respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        agent = info.agent or ""
        seen.setdefault(agent, messages)
        if agent == "planner":
            args = plan(("s1", "researcher", []))["tool_calls"][0]["args"]
            args["steps"][0]["instruction"] = "count missing delays in the flights CSV"
            return AIMessage(
                content="", tool_calls=[{"name": "submit_plan", "id": "p", "args": args}]
            )
        return AIMessage(content="12 missing" if agent == "researcher" else "done")

    team = make_team(FunctionChatModel(respond), settings=MEMORY)
    result = await team.arun("How many flights have a missing departure delay in flights CSV?")

    assert result.status == "completed", result.error
    for agent in ("planner", "researcher"):
        prompt = str(seen[agent][1].content)
        assert "Memories from earlier runs" in prompt
        assert "marks missing delays as NA" in prompt
    assert "Memories from earlier runs" not in str(seen["synthesis"][-1].content)
    assert [t["agent"] for t in result.trace if t["type"] == "memory_context"] == [
        "planner",
        "researcher",
    ]


async def test_without_a_memory_store_nothing_is_opened_or_created(make_team, tmp_data_dir):
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("s1", "researcher", []))],
                "researcher": [say("found")],
                "synthesis": [say("final")],
            }
        }
    )
    result = await make_team(model, settings=MEMORY).arun("task")

    assert result.status == "completed"
    assert not (tmp_data_dir / "memory").exists()
    assert not [t for t in result.trace if t["type"].startswith("memory")]


async def test_lessons_in_the_final_answer_are_stored_for_the_next_run(make_team, tmp_data_dir):
    answer = "The answer is 42.\n\nLessons:\n- Dates in sales.csv are day-first (DD/MM/YYYY)."
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("s1", "researcher", []))],
                "researcher": [say("42")],
                "synthesis": [say(answer)],
            }
        }
    )
    result = await make_team(model, settings=MEMORY).arun("sum the sales")

    assert result.status == "completed"
    assert result.answer == answer  # the user sees the lessons too
    hits = _memory(tmp_data_dir).search("what date format does sales.csv use?", k=3)
    assert hits and hits[0].record.text == "Dates in sales.csv are day-first (DD/MM/YYYY)."
    assert hits[0].record.kind == "lesson"
    assert hits[0].record.run_id == result.run_id
    assert [t["count"] for t in result.trace if t["type"] == "memory_stored"] == [1]


async def test_learning_can_be_switched_off(make_team, tmp_data_dir):
    settings: dict[str, Any] = {"memory": {**MEMORY["memory"], "learn": False}}
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("s1", "researcher", []))],
                "researcher": [say("42")],
                "synthesis": [say("42\n\nLessons:\n- something")],
            }
        }
    )
    result = await make_team(model, settings=settings).arun("task")

    assert result.status == "completed"
    assert not (tmp_data_dir / "memory").exists()


async def test_a_broken_memory_store_never_fails_the_run(make_team, tmp_data_dir):
    store = tmp_data_dir / "memory"
    store.mkdir(parents=True)
    (store / "memories.lance").write_text("not a lance table")
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("s1", "researcher", []))],
                "researcher": [say("found")],
                "synthesis": [say("final\n\nLessons:\n- a lesson")],
            }
        }
    )
    result = await make_team(model, settings=MEMORY).arun("task")

    assert result.status == "completed"
    assert result.answer.startswith("final")
    errors = [t["error"] for t in result.trace if t["type"] == "error"]
    assert len(errors) == 1 and errors[0].startswith("long-term memory unavailable")


async def test_the_graph_store_is_long_term_storage_opened_on_first_use(tmp_data_dir):
    from agentcore.graph import LazyStore, build_graph

    settings = load_settings({"data_dir": str(tmp_data_dir), **MEMORY})
    store = LazyStore(settings)
    graph = build_graph(store=store)
    assert graph.store is store and not store.opened
    assert not (tmp_data_dir / "memory").exists()

    await store.aput(("project", "notes"), "units", {"text": "the user wants metric units"})
    hits = await store.asearch(("project",), query="which units does the user want?")

    assert store.opened
    assert [(h.key, h.value["text"]) for h in hits] == [("units", "the user wants metric units")]
    # the same storage, seen from a new store object (a new process would see the same)
    again = LazyStore(settings)
    item = await again.aget(("project", "notes"), "units")
    assert item is not None and item.value == {"text": "the user wants metric units"}

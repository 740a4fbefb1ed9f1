"""An interrupted run resumes from its checkpoint without repeating finished tool calls."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agentcore.errors import UserError
from agentcore.testing import ScriptedChatModel
from tests.graph.conftest import call, plan, say


def script(latency_b: float) -> ScriptedChatModel:
    return ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("a", "tester", []), ("b", "tester", ["a"]))],
                "tester/a": [call("record", item="a"), say("recorded a")],
                "tester/b": [
                    {**call("record", item="b"), "latency_s": latency_b},
                    say("recorded b"),
                ],
                "synthesis": [say("both recorded")],
            }
        }
    )


async def test_cancelled_run_resumes_without_redoing_finished_steps(make_team):
    team = make_team(script(latency_b=5.0))
    events = []
    b_started = asyncio.Event()

    def on_event(event):
        events.append(event)
        if event.kind == "step_start" and event.step == "b":
            b_started.set()

    job = asyncio.ensure_future(team.arun("record two things", on_event=on_event))
    await b_started.wait()
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    run_id = events[0].data["run_id"]
    ledger = Path(events[0].data["workspace"]) / "ledger.txt"
    assert ledger.read_text().splitlines() == ["a"]

    resumed = await make_team(script(latency_b=0.0)).aresume(run_id)  # a new process, in effect
    assert resumed.status == "completed", resumed.error
    assert resumed.run_id == run_id
    assert ledger.read_text().splitlines() == ["a", "b"]  # a was not recorded twice
    assert [(s.id, s.status) for s in resumed.steps] == [("a", "done"), ("b", "done")]
    assert resumed.answer == "both recorded"
    # The trace keeps both invocations.
    assert [t["type"] for t in resumed.trace].count("run_start") == 2


async def test_resuming_a_finished_run_returns_its_result(make_team):
    team = make_team(script(latency_b=0.0))
    first = await team.arun("record two things")
    again = await make_team(script(latency_b=0.0)).aresume(first.run_id)
    assert again.status == "completed" and again.answer == first.answer
    assert [t["type"] for t in again.trace].count("model_call") == [
        t["type"] for t in first.trace
    ].count("model_call")


async def test_resuming_an_unknown_run_is_a_user_error(make_team):
    team = make_team(script(latency_b=0.0))
    await team.arun("record two things")
    with pytest.raises(UserError, match="no run with id 'nope'"):
        await team.aresume("nope")


async def test_old_runs_are_pruned_to_the_retention_setting(make_team, tmp_data_dir):
    ids = []
    for _ in range(3):
        team = make_team(
            ScriptedChatModel(script={"agents": {"planner": [call("final_answer", answer="x")]}}),
            settings={"keep_runs": 2},
        )
        ids.append((await team.arun("t")).run_id)
    traces = sorted(p.stem for p in (tmp_data_dir / "runs").glob("*.jsonl"))
    assert traces == sorted(ids[1:])
    with pytest.raises(UserError):
        await team.aresume(ids[0])


async def test_a_run_that_never_saved_a_step_is_not_resumable(make_team, tmp_data_dir):
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    team = make_team(ScriptedChatModel(script={"agents": {"planner": [say("x")]}}))
    await team.arun("create the checkpoint database")
    # what a run killed at once leaves: its input, no state with meta
    async with aiosqlite.connect(str(tmp_data_dir / "checkpoints.sqlite")) as conn:
        from agentcore.graph import build_graph

        graph = build_graph(checkpointer=AsyncSqliteSaver(conn))
        await graph.aupdate_state({"configurable": {"thread_id": "killed"}}, {"task": "t"})
    with pytest.raises(UserError, match="stopped before its first step was saved"):
        await team.aresume("killed")

"""Planner → router → workers → synthesis on scripted models."""

from __future__ import annotations

import json
from pathlib import Path

from langchain_core.messages import AIMessage, BaseMessage

from agentcore.testing import CallInfo, FunctionChatModel, ScriptedChatModel
from agentcore.tools import ToolContext, tool
from tests.graph.conftest import call, plan, say


async def test_trivial_task_is_answered_by_the_planner_without_steps(make_team):
    model = ScriptedChatModel(script={"agents": {"planner": [call("final_answer", answer="4")]}})
    result = await make_team(model).arun("what is 2+2?")
    assert result.status == "completed"
    assert result.answer == "4"
    assert result.steps == []
    assert list(result.usage.by_agent) == ["planner"]


async def test_independent_steps_run_in_parallel_and_dependents_after(make_team):
    slow = {"content": "found it", "latency_s": 0.2}
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [
                    plan(
                        ("a", "researcher", []),
                        ("b", "coder", []),
                        ("c", "ml_specialist", ["a", "b"]),
                    )
                ],
                "researcher": [slow],
                "coder": [slow],
                "ml_specialist": [say("combined")],
                "synthesis": [say("final")],
            }
        }
    )
    result = await make_team(model).arun("task")
    assert result.status == "completed", result.error
    assert [(s.id, s.status) for s in result.steps] == [("a", "done"), ("b", "done"), ("c", "done")]
    events = [
        (t["type"], t.get("step")) for t in result.trace if t["type"] in ("step_start", "step_end")
    ]
    # a and b both start before either ends (one superstep); c starts after both end.
    assert events.index(("step_start", "b")) < events.index(("step_end", "a"))
    assert events.index(("step_start", "a")) < events.index(("step_end", "b"))
    assert events.index(("step_start", "c")) > max(
        events.index(("step_end", "a")), events.index(("step_end", "b"))
    )
    assert result.answer == "final"


async def test_each_agent_sees_only_its_step_and_its_dependencies(make_team):
    seen: dict[str, list[BaseMessage]] = {}

    def respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        agent = info.agent or ""
        seen[agent] = messages
        if agent == "planner":
            return AIMessage(
                content="",
                tool_calls=[
                    {
                        "name": "submit_plan",
                        "id": "p",
                        "args": plan(
                            ("a", "researcher", []),
                            ("b", "coder", []),
                            ("c", "ml_specialist", ["a"]),
                        )["tool_calls"][0]["args"],
                    }
                ],
            )
        if agent == "researcher" and info.call_index == 0:
            return AIMessage(
                content="",
                tool_calls=[{"name": "think", "args": {"thought": "SECRET-SCRATCH"}, "id": "t1"}],
            )
        return AIMessage(content=f"summary from {agent}")

    result = await make_team(FunctionChatModel(respond)).arun("the task")
    assert result.status == "completed"
    ml_text = "\n".join(m.text for m in seen["ml_specialist"])
    assert "summary from researcher" in ml_text  # its dependency
    assert "summary from coder" not in ml_text  # not a dependency
    assert "SECRET-SCRATCH" not in ml_text  # another agent's tool calls never leak
    assert "the task" in ml_text
    assert len(seen["ml_specialist"]) == 2  # system prompt + step message: no transcript


async def test_invalid_plan_gets_feedback_and_a_corrected_plan_runs(make_team):
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [
                    plan(("a", "nobody", [])),
                    plan(("a", "coder", ["zz"])),
                    plan(("a", "coder", [])),
                ],
                "coder": [say("ok")],
                "synthesis": [say("done")],
            }
        }
    )
    result = await make_team(model).arun("task")
    assert result.status == "completed"
    planner_calls = [
        t for t in result.trace if t["type"] == "model_call" and t["agent"] == "planner"
    ]
    assert len(planner_calls) == 3


async def test_planner_that_never_plans_validly_fails_the_run_cleanly(make_team):
    model = ScriptedChatModel(
        script={"agents": {"planner": [plan(("a", "nobody", []))]}, "repeat_last": True}
    )
    result = await make_team(model).arun("task")
    assert result.status == "failed"
    assert "valid plan" in (result.error or "")
    assert result.exit_code == 1


async def test_unknown_tool_bad_args_raising_and_hanging_tools_go_back_to_the_model(make_team):
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("a", "tester", []))],
                "tester": [
                    call("no_such_tool", x=1),
                    call("record", wrong=1),
                    call("explode", reason="kaboom"),
                    call("hang"),
                    say("survived"),
                ],
                "synthesis": [say("ok")],
            }
        }
    )
    result = await make_team(model).arun("task")
    assert result.status == "completed"
    outputs = [t["output"] for t in result.trace if t["type"] == "tool_result"]
    assert all(t["is_error"] for t in result.trace if t["type"] == "tool_result")
    assert "no tool 'no_such_tool'" in outputs[0] and "record" in outputs[0]
    assert "invalid arguments for record" in outputs[1]
    assert "RuntimeError: kaboom" in outputs[2]
    assert "timed out" in outputs[3]
    assert result.steps[0].summary == "survived"


async def test_artifacts_written_by_tools_are_reported(make_team):
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("a", "coder", []))],
                "coder": [
                    call("write_file", path="out/report.md", content="# hi"),
                    say("wrote it"),
                ],
                "synthesis": [say("see out/report.md")],
            }
        }
    )
    result = await make_team(model).arun("task")
    assert result.artifacts == ["out/report.md"]
    assert (Path(result.workspace) / "out/report.md").read_text() == "# hi"


async def test_trace_file_is_jsonl_and_matches_the_result(make_team, tmp_data_dir):
    model = ScriptedChatModel(script={"agents": {"planner": [call("final_answer", answer="x")]}})
    result = await make_team(model).arun("task")
    path = tmp_data_dir / "runs" / f"{result.run_id}.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["type"] for r in lines] == ["run_start", "model_call", "answer", "run_end"]
    assert lines == result.trace


async def test_astream_yields_events_ending_with_the_result(make_team):
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("a", "coder", []))],
                "coder": [call("think", thought="x"), say("ok")],
                "synthesis": [say("the answer")],
            }
        }
    )
    kinds = []
    async for event in make_team(model).astream("task"):
        kinds.append(event.kind)
        last = event
    assert kinds[0] == "run_start" and kinds[-1] == "run_end"
    for kind in ("plan", "step_start", "tool_call", "tool_result", "step_end", "token", "answer"):
        assert kind in kinds
    assert last.data["result"].answer == "the answer"


async def test_synthesis_streams_tokens_that_add_up_to_the_answer(make_team):
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("a", "coder", []))],
                "coder": [say("ok")],
                "synthesis": [say("a longer final answer in several words")],
            }
        }
    )
    tokens = []
    async for event in make_team(model).astream("task"):
        if event.kind == "token":
            tokens.append(event.data["text"])
    assert len(tokens) > 1
    assert "".join(tokens) == "a longer final answer in several words"


async def test_usage_is_attributed_per_agent_and_per_model(make_team):
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [
                    {
                        **plan(("a", "coder", [])),
                        "usage": {"input_tokens": 100, "output_tokens": 10},
                    }
                ],
                "coder": [{"content": "ok", "usage": {"input_tokens": 50, "output_tokens": 5}}],
                "synthesis": [
                    {"content": "fin", "usage": {"input_tokens": 20, "output_tokens": 2}}
                ],
            }
        }
    )
    result = await make_team(model).arun("task")
    by = result.usage.by_agent
    assert (by["planner"].input_tokens, by["coder"].input_tokens, by["synthesis"].input_tokens) == (
        100,
        50,
        20,
    )
    assert result.usage.total.input_tokens == 170 and result.usage.total.output_tokens == 17
    assert result.usage.total.calls == 3
    assert list(result.usage.by_model) == ["test:main"]


@tool()
def open_thing(ctx: ToolContext) -> str:
    """Open something that must be closed at the end of the run."""
    ctx.defer(lambda: CLOSED.append(ctx.run_id))
    ctx.defer(lambda: 1 / 0)  # a failing cleanup does not stop the others
    return "opened"


CLOSED: list[str] = []


async def test_callbacks_tools_defer_run_when_the_run_ends(make_team):
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("a", "tester", []))],
                "tester": [call("open_thing"), say("done")],
                "synthesis": [say("ok")],
            }
        }
    )
    team = make_team(model)
    team.registry.add("tools", "open_thing", open_thing, "deferring")
    tester = team.agents["tester"]
    team.agents["tester"] = tester.model_copy(update={"tools": (*tester.tools, "open_thing")})
    result = await team.arun("task")
    assert result.status == "completed"
    assert [result.run_id] == CLOSED
    assert any("cleanup failed: ZeroDivisionError" in (t.get("error") or "") for t in result.trace)

"""Every limit ends the run gracefully: one tool-less wrap-up call, status limit_reached."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, BaseMessage

from agentcore.errors import UserError
from agentcore.testing import CallInfo, FunctionChatModel, ScriptedChatModel
from tests.graph.conftest import call, plan, say


def looping(latency: float = 0.0, tokens: int = 10) -> FunctionChatModel:
    """Plans one coder step; the coder thinks forever with distinct arguments."""

    def respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        usage = {"input_tokens": tokens, "output_tokens": tokens, "total_tokens": 2 * tokens}
        if info.agent == "planner":
            return AIMessage(
                content="",
                usage_metadata=usage,
                tool_calls=[
                    {
                        "name": "submit_plan",
                        "id": "p",
                        "args": {
                            "steps": [
                                {
                                    "id": "s1",
                                    "agent": "coder",
                                    "instruction": "loop",
                                    "depends_on": [],
                                }
                            ]
                        },
                    }
                ],
            )
        if info.agent == "synthesis":
            assert info.tools == ()  # the wrap-up call never has tools
            return AIMessage(content="partial answer", usage_metadata=usage)
        return AIMessage(
            content="thinking",
            usage_metadata=usage,
            tool_calls=[
                {
                    "name": "think",
                    "id": f"t{info.call_index}",
                    "args": {"thought": f"n{info.call_index}"},
                }
            ],
        )

    return FunctionChatModel(respond, latency_s=latency) if latency else FunctionChatModel(respond)


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ({"max_tool_calls": 3}, "max_tool_calls"),
        ({"max_tokens": 100}, "max_tokens"),
        ({"max_iterations": 4}, "max_iterations"),
    ],
)
async def test_limits_wrap_up_with_status_limit_reached(make_team, limits, expected):
    result = await make_team(looping()).arun("task", limits=limits)
    assert result.status == "limit_reached"
    assert result.limit == expected
    assert result.answer == "partial answer"
    assert result.exit_code == 1
    assert result.steps[0].status == "limit_reached"
    assert "[step stopped" in result.steps[0].summary
    types = [t["type"] for t in result.trace]
    assert types.count("limit") == 1
    assert types[-3:] == ["model_call", "answer", "run_end"]  # exactly one wrap-up call


async def test_tool_call_limit_is_never_exceeded(make_team):
    result = await make_team(looping()).arun("task", limits={"max_tool_calls": 3})
    assert sum(1 for t in result.trace if t["type"] == "tool_call") == 3


async def test_cost_limit(make_team):
    team = make_team(
        looping(tokens=1000),
        settings={"pricing": {"test:main": {"input": 1000.0, "output": 1000.0}}},
    )
    result = await team.arun("task", limits={"max_cost_usd": 5.0})
    assert result.status == "limit_reached" and result.limit == "max_cost_usd"
    assert result.usage.total.cost_usd >= 5.0


async def test_wall_time_limit(make_team):
    result = await make_team(looping(latency=0.05)).arun("task", limits={"timeout_s": 0.3})
    assert result.status == "limit_reached" and result.limit == "timeout_s"
    assert result.answer == "partial answer"


async def test_step_limit_stops_before_starting_more_steps(make_team):
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("a", "coder", []), ("b", "coder", ["a"]), ("c", "coder", ["b"]))],
                "coder": [say("ok")],
                "synthesis": [say("partial")],
            },
            "repeat_last": True,
        }
    )
    result = await make_team(model).arun("task", limits={"max_steps": 2})
    assert result.status == "limit_reached" and result.limit == "max_steps"
    assert [s.status for s in result.steps] == ["done", "done", "pending"]


async def test_repeated_identical_tool_calls_are_detected_as_a_stall_and_replanned(make_team):
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("a", "coder", [])), plan(("b", "researcher", []))],
                "coder": [call("think", thought="same")],  # repeated forever (repeat_last)
                "researcher": [say("done differently")],
                "synthesis": [say("recovered")],
            },
            "repeat_last": True,
        }
    )
    result = await make_team(model).arun("task")
    assert result.status == "completed", result.error
    assert [(s.id, s.status) for s in result.steps] == [("a", "stalled"), ("b", "done")]
    assert sum(1 for t in result.trace if t["type"] == "tool_call") == 2  # the third is not run
    assert any(t["type"] == "replan" for t in result.trace)


async def test_a_failing_step_triggers_a_replan(make_team):
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("a", "coder", [])), plan(("b", "researcher", []))],
                "coder": [{"error": {"message": "model down", "retryable": False}}],
                "researcher": [say("found")],
                "synthesis": [say("ok")],
            }
        }
    )
    result = await make_team(model).arun("task")
    assert result.status == "completed"
    assert [(s.id, s.status) for s in result.steps] == [("a", "failed"), ("b", "done")]


async def test_replans_are_bounded_then_the_run_fails_with_an_answer(make_team):
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [
                    plan(("a", "coder", [])),
                    plan(("b", "coder", [])),
                    plan(("c", "coder", [])),
                ],
                "coder": [{"error": {"message": "model down", "retryable": False}}],
                "synthesis": [say("could not do it")],
            },
            "repeat_last": True,
        }
    )
    result = await make_team(model).arun("task")
    assert result.status == "failed"
    assert result.answer == "could not do it"
    assert len([t for t in result.trace if t["type"] == "replan"]) == 2


@pytest.mark.parametrize(
    "limits", [{"max_steps": 0}, {"max_tool_calls": -1}, {"timeout_s": -5}, {"bogus": 1}]
)
async def test_bad_limits_are_user_errors_before_anything_is_written(
    make_team, tmp_data_dir, limits
):
    team = make_team(looping())
    with pytest.raises(UserError):
        await team.arun("task", limits=limits)
    assert not (tmp_data_dir / "checkpoints.sqlite").exists()


async def test_empty_task_is_a_user_error(make_team):
    with pytest.raises(UserError, match="empty"):
        await make_team(looping()).arun("   ")


async def test_unknown_provider_is_a_user_error_before_anything_is_written(make_team, tmp_data_dir):
    with pytest.raises(UserError, match="nope"):
        await make_team(looping()).arun("task", model="nope:x")
    assert not tmp_data_dir.exists() or not any(tmp_data_dir.iterdir())

"""Faults injected by scripted models, through whole Team runs: every one ends in a retry,
feedback to the model, or a graceful wrap-up, and the trace says which."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agentcore import Team
from agentcore.testing import ScriptedChatModel
from tests.reliability.conftest import Ledger, records, types_of

LAYER = "scripted model"


def plan(*steps: str, agent: str = "tester") -> dict[str, Any]:
    return {
        "tool_calls": [
            {
                "name": "submit_plan",
                "args": {
                    "steps": [
                        {"id": s, "agent": agent, "instruction": f"do {s}", "depends_on": []}
                        for s in steps
                    ]
                },
            }
        ]
    }


def call(name: str, **args: Any) -> dict[str, Any]:
    return {"tool_calls": [{"name": name, "args": args}]}


def team_with(make_team: Callable[..., Team], agents: dict[str, list[Any]], **kw: Any) -> Team:
    return make_team(ScriptedChatModel(script={"agents": agents}), **kw)


def fault(kind: str, **fields: Any) -> dict[str, Any]:
    return {"error": {"kind": kind, **fields}}


TRANSIENT = [
    ("429 + Retry-After: 2", fault("http", status=429, retry_after_s=2), [2.0]),
    ("500", fault("http", status=500), None),
    ("529 overloaded", fault("http", status=529, message="Overloaded"), None),
    ("timeout", fault("timeout"), None),
    ("connection reset", fault("connection_reset"), None),
]


@pytest.mark.parametrize(
    ("name", "injected", "waits"), TRANSIENT, ids=[t[0].split()[0] for t in TRANSIENT]
)
@pytest.mark.parametrize("where", ["planner", "tester", "synthesis"])
async def test_transient_model_faults_are_retried(
    make_team: Callable[..., Team],
    ledger: Ledger,
    sleeps: list[float],
    name: str,
    injected: dict[str, Any],
    waits: list[float] | None,
    where: str,
) -> None:
    agents: dict[str, list[Any]] = {
        "planner": [plan("s1")],
        "tester": ["s1 is done"],
        "synthesis": ["the answer"],
    }
    agents[where] = [injected, *agents[where]]
    result = await team_with(make_team, agents).arun("task")

    survived = ledger.record(
        result, fault=name, layer=LAYER, handling="retried; the run goes on", injected=1
    )
    assert survived and result.status == "completed" and result.answer == "the answer"
    (retried,) = [r for r in records(result, "model_call") if r["agent"] == where]
    assert retried["attempts"] == 2  # the fault, then the answer
    assert "error" not in types_of(result)
    if waits is not None:
        assert sleeps == waits  # the server's Retry-After, not a backoff guess
    else:
        assert len(sleeps) == 1


async def test_a_fault_that_outlasts_the_retries_ends_in_a_replan(
    make_team: Callable[..., Team], ledger: Ledger, sleeps: list[float]
) -> None:
    down = fault("http", status=503)
    team = team_with(
        make_team,
        {
            "planner": [plan("s1"), plan("s2")],
            "tester/s1": [down, down],
            "tester/s2": ["s2 is done"],
            "synthesis": ["the answer"],
        },
        retries={"max_attempts": 2},
    )
    result = await team.arun("task")

    survived = ledger.record(
        result,
        fault="503 on every attempt",
        layer=LAYER,
        handling="retries run out: the step fails, the planner re-plans around it",
        injected=2,
    )
    assert survived and result.answer == "the answer"
    assert [s.status for s in result.steps] == ["failed", "done"]
    (error,) = records(result, "error")
    assert error["retryable"] is True and "(2 attempts)" in error["error"]
    assert "replan" in types_of(result)


FED_BACK = [
    (
        "malformed tool-call JSON",
        {"tool_calls": [{"name": "add", "raw_args": '{"a": 1, "b": '}]},
        "could not read the arguments of your call to add: they are not valid JSON",
    ),
    (
        "tool-call arguments not an object",
        {"tool_calls": [{"name": "add", "raw_args": "[1, 2]"}]},
        "they are a JSON list, not an object",
    ),
    (
        "unknown tool name",
        call("teleport", where="mars"),
        "there is no tool 'teleport' for you. Tools you can call: add,",
    ),
    (
        "arguments of the wrong type",
        call("add", a="one", b=[2]),
        "invalid arguments for add: a: Input should be a valid integer",
    ),
    ("a tool that raises", call("explode", reason="boom"), "explode failed: RuntimeError: boom"),
    ("a tool that hangs (async)", call("hang"), "hang timed out after 0.2 s and was cancelled"),
    (
        "a tool that hangs (blocking)",
        call("hang_sync"),
        "hang_sync timed out after 0.2 s and was cancelled",
    ),
]


@pytest.mark.parametrize(("name", "bad", "feedback"), FED_BACK, ids=[f[0] for f in FED_BACK])
async def test_bad_tool_calls_are_fed_back_to_the_model(
    make_team: Callable[..., Team], ledger: Ledger, name: str, bad: dict[str, Any], feedback: str
) -> None:
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan("s1")],
                "tester": [bad, call("add", a=1, b=2), "1 + 2 = 3"],
                "synthesis": ["the answer is 3"],
            }
        }
    )
    result = await make_team(model).arun("task")

    survived = ledger.record(
        result,
        fault=name,
        layer=LAYER,
        handling="an error message goes back to the model, which calls again",
        injected=1,
    )
    assert survived and result.answer == "the answer is 3"
    assert result.steps[0].status == "done" and result.steps[0].summary == "1 + 2 = 3"
    # The model's second call saw the error as the answer to its first call.
    second = model.calls_by("tester")[1]
    errors = [m for m in second.messages if getattr(m, "status", None) == "error"]
    assert len(errors) == 1 and feedback in str(errors[0].content)
    fed_back = [
        r.get("output") or r.get("error")
        for r in result.trace
        if r["type"] in ("tool_result", "invalid_tool_call")
    ]
    assert any(feedback in str(text) for text in fed_back)


async def test_a_model_that_never_stops_calling_tools_is_wrapped_up(
    make_team: Callable[..., Team], ledger: Ledger
) -> None:
    thoughts = [call("think", thought=f"thought {i}") for i in range(50)]
    team = team_with(
        make_team,
        {"planner": [plan("s1")], "tester": thoughts, "synthesis": ["the best I can say"]},
    )
    result = await team.arun("task", limits={"max_iterations": 5})

    survived = ledger.record(
        result,
        fault="a model that never stops calling tools",
        layer=LAYER,
        handling="stopped at max_iterations; one tool-less wrap-up call answers",
        injected=1,
        statuses=("limit_reached",),
    )
    assert survived and result.limit == "max_iterations"
    assert result.answer == "the best I can say"
    assert result.steps[0].status == "limit_reached"
    assert "[step stopped: 5 iterations; this is a partial result]" in result.steps[0].summary
    assert types_of(result).count("tool_call") == 5
    assert types_of(result)[-3:] == ["model_call", "answer", "run_end"]


async def test_the_same_tool_call_over_and_over_is_a_stall(
    make_team: Callable[..., Team], ledger: Ledger
) -> None:
    team = team_with(
        make_team,
        {
            "planner": [plan("s1"), plan("s2")],
            "tester/s1": [call("think", thought="again")] * 3,
            "tester/s2": ["s2 is done"],
            "synthesis": ["the answer"],
        },
    )
    result = await team.arun("task")

    survived = ledger.record(
        result,
        fault="the same tool call over and over",
        layer=LAYER,
        handling="detected as a stall: the step ends, the planner re-plans",
        injected=1,
    )
    assert survived and result.answer == "the answer"
    assert [s.status for s in result.steps] == ["stalled", "done"]
    assert {"stall", "replan"} <= set(types_of(result))


@pytest.mark.parametrize("where", ["planner", "tester", "synthesis"])
async def test_an_empty_response(
    make_team: Callable[..., Team], ledger: Ledger, where: str
) -> None:
    agents: dict[str, list[Any]] = {
        "planner": [plan("s1")],
        "tester": ["s1 is done"],
        "synthesis": ["the answer"],
    }
    agents[where] = ["", *agents[where]]
    model = ScriptedChatModel(script={"agents": agents})
    result = await make_team(model).arun("task")

    handling = {
        "planner": "the planner is told its reply was empty and asked again",
        "tester": "the agent is told its reply was empty and asked again",
        "synthesis": "the answer is assembled from the step results",
    }[where]
    survived = ledger.record(
        result, fault=f"an empty response ({where})", layer=LAYER, handling=handling, injected=1
    )
    assert survived and result.status == "completed"
    assert result.steps and result.steps[0].summary == "s1 is done"
    if where == "synthesis":
        assert "s1 is done" in result.answer
    else:
        assert result.answer == "the answer"
        assert len(model.calls_by(where)) == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "http"},  # no status
        {"status": 429},  # a status without kind http
        {"kind": "timeout", "retry_after_s": 1},
    ],
)
def test_fault_fields_that_do_not_go_together_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="kind: http"):
        ScriptedChatModel(script=[{"error": bad}])

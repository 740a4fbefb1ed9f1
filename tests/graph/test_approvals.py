"""Approvals: the policy, the callback, denials, "always", unattended runs, pause and resume."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agentcore.approvals import ApprovalRequest, approval_reason
from agentcore.config import ApprovalSettings
from agentcore.testing import CallInfo, FunctionChatModel, ScriptedChatModel
from agentcore.tools import Risk, ToolMeta
from tests.graph.conftest import call, plan, say

ASK_RECORD = {"approvals": {"tools": {"record": "always"}}}


def _ledger(result: Any) -> list[str]:
    path = Path(result.workspace) / "ledger.txt"
    return path.read_text().splitlines() if path.exists() else []


def _script(*tester: dict[str, Any]) -> ScriptedChatModel:
    return ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("s1", "tester", []))],
                "tester": list(tester),
                "synthesis": [say("final")],
            }
        }
    )


def test_the_policy_asks_about_risky_tools_and_what_config_names() -> None:
    settings = ApprovalSettings()
    code = ToolMeta(risk=Risk.EXECUTES_CODE)
    web = ToolMeta(risk=Risk.NETWORK)
    files = ToolMeta(risk=Risk.WRITES)
    assert approval_reason("run_python", code, settings) == "run_python executes code"
    assert approval_reason("web_search", web, settings) == "web_search reaches the network"
    assert approval_reason("write_file", files, settings) is None
    marked = ToolMeta(risk=Risk.READ_ONLY, requires_approval=True)
    assert approval_reason("x", marked, settings) == "x is marked as needing approval"
    assert approval_reason("run_python", code, ApprovalSettings(mode="never")) is None
    per_tool = ApprovalSettings(tools={"write_file": "always", "run_python": "never"})
    assert approval_reason("write_file", files, per_tool) is not None
    assert approval_reason("run_python", code, per_tool) is None


async def test_an_approved_call_runs_once_and_no_model_call_is_repeated(make_team):
    asked: list[ApprovalRequest] = []

    def approve(request: ApprovalRequest) -> str:
        asked.append(request)
        return "approve"

    model = _script(call("record", item="apple"), say("recorded"))
    result = await make_team(model, settings=ASK_RECORD).arun("record an apple", approve=approve)

    assert result.status == "completed", result.error
    assert [(r.tool, r.args, r.agent, r.step) for r in asked] == [
        ("record", {"item": "apple"}, "tester", "s1")
    ]
    assert asked[0].reason == "the approval policy asks about every call to record"
    assert _ledger(result) == ["apple"]
    # planner, tester x2, synthesis: each model call made (and traced) exactly once
    assert [t["agent"] for t in result.trace if t["type"] == "model_call"] == [
        "planner",
        "tester",
        "tester",
        "synthesis",
    ]
    assert [t["tool"] for t in result.trace if t["type"] == "tool_call"] == ["record"]
    approvals = [t for t in result.trace if t["type"] == "approval"]
    assert [(a["tool"], a["decision"], a["by"]) for a in approvals] == [
        ("record", "approve", "person")
    ]


async def test_a_denied_call_is_reported_to_the_model_and_the_run_goes_on(make_team):
    seen: list[BaseMessage] = []

    def respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        if info.agent == "planner":
            return AIMessage(content="", tool_calls=[_plan_call()])
        if info.agent == "tester" and info.call_index == 0:
            return AIMessage(
                content="", tool_calls=[{"name": "record", "id": "c1", "args": {"item": "x"}}]
            )
        if info.agent == "tester":
            seen.extend(messages)
        return AIMessage(content="could not record")

    events: list[str] = []
    result = await make_team(FunctionChatModel(respond), settings=ASK_RECORD).arun(
        "record x", approve=lambda r: "deny", on_event=lambda e: events.append(e.kind)
    )

    assert result.status == "completed"
    assert _ledger(result) == []
    denial = [m for m in seen if isinstance(m, ToolMessage)]
    assert len(denial) == 1 and denial[0].status == "error"
    assert "was not approved" in str(denial[0].content)
    assert "approval_request" in events and "approval" in events


async def test_always_approves_the_tool_for_the_rest_of_the_run(make_team):
    asked: list[str] = []

    async def approve(request: ApprovalRequest) -> str:  # async callbacks work too
        await asyncio.sleep(0)
        asked.append(request.tool)
        return "always"

    model = _script(call("record", item="a"), call("record", item="b"), say("done"))
    result = await make_team(model, settings=ASK_RECORD).arun("two", approve=approve)

    assert result.status == "completed", result.error
    assert asked == ["record"]
    assert _ledger(result) == ["a", "b"]


async def test_an_always_does_not_answer_a_later_approval_of_another_tool(make_team):
    # The step replays its calls on each resume; the "always" given for record must not
    # make the replay skip record's approval and hand its answer to explode's.
    asked: list[str] = []

    def approve(request: ApprovalRequest) -> str:
        asked.append(request.tool)
        return "always" if request.tool == "record" else "deny"

    settings = {"approvals": {"tools": {"record": "always", "explode": "always"}}}
    model = _script(call("record", item="a"), call("explode", reason="boom"), say("done"))
    result = await make_team(model, settings=settings).arun("two", approve=approve)

    assert result.status == "completed", result.error
    assert asked == ["record", "explode"]
    decisions = [(t["tool"], t["decision"]) for t in result.trace if t["type"] == "approval"]
    assert decisions == [("record", "always"), ("explode", "deny")]
    assert [t["tool"] for t in result.trace if t["type"] == "tool_call"] == ["record"]


@pytest.mark.parametrize(("unattended", "ledger"), [("approve", ["x"]), ("deny", [])])
async def test_without_a_callback_the_unattended_setting_decides(make_team, unattended, ledger):
    settings = {"approvals": {"tools": {"record": "always"}, "unattended": unattended}}
    model = _script(call("record", item="x"), say("done"))
    result = await make_team(model, settings=settings).arun("record x")

    assert result.status == "completed"
    assert _ledger(result) == ledger
    approvals = [(t["decision"], t["by"]) for t in result.trace if t["type"] == "approval"]
    assert approvals == [(unattended, "policy")]


async def test_parallel_steps_each_wait_for_their_own_approval(make_team):
    model = ScriptedChatModel(
        script={
            "agents": {
                "planner": [plan(("a", "tester", []), ("b", "tester", []))],
                "tester": [
                    call("record", item="one"),
                    call("record", item="two"),
                    say("ok"),
                    say("ok"),
                ],
                "synthesis": [say("final")],
            }
        }
    )
    asked: list[str] = []

    def approve(request: ApprovalRequest) -> str:
        asked.append(request.step)
        return "approve"

    result = await make_team(model, settings=ASK_RECORD).arun("both", approve=approve)

    assert result.status == "completed", result.error
    assert sorted(asked) == ["a", "b"]
    assert sorted(_ledger(result)) == ["one", "two"]
    assert len([t for t in result.trace if t["type"] == "model_call"]) == 6


async def test_a_run_paused_on_an_approval_is_asked_again_when_resumed(make_team):
    model = _script(call("record", item="later"), say("recorded"))
    team = make_team(model, settings=ASK_RECORD)

    def walk_away(request: ApprovalRequest) -> str:
        raise RuntimeError("nobody answered")

    first = await team.arun("record later", approve=walk_away)
    assert first.status == "failed"
    assert "nobody answered" in (first.error or "")
    assert _ledger(first) == []

    resumed = await team.aresume(first.run_id, approve=lambda r: "approve")

    assert resumed.status == "completed", resumed.error
    assert resumed.answer == "final"
    assert _ledger(resumed) == ["later"]
    # the tester's first call was made before the pause and is not made again
    calls = [t["agent"] for t in resumed.trace if t["type"] == "model_call"]
    assert calls == ["planner", "tester", "tester", "synthesis"]


def _plan_call() -> dict[str, Any]:
    args = plan(("s1", "tester", []))["tool_calls"][0]["args"]
    return {"name": "submit_plan", "id": "p", "args": args}


async def test_a_paused_run_resumed_without_a_callback_is_decided_by_policy(make_team):
    model = _script(call("record", item="later"), say("recorded"))
    team = make_team(model, settings=ASK_RECORD)

    def walk_away(request: ApprovalRequest) -> str:
        raise RuntimeError("nobody answered")

    first = await team.arun("record later", approve=walk_away)
    assert first.status == "failed"

    resumed = await team.aresume(first.run_id)  # no callback: [approvals] unattended = approve

    assert resumed.status == "completed", resumed.error
    assert _ledger(resumed) == ["later"]
    calls = [t["agent"] for t in resumed.trace if t["type"] == "model_call"]
    assert calls == ["planner", "tester", "tester", "synthesis"]  # nothing made twice
    decisions = [(t["decision"], t["by"]) for t in resumed.trace if t["type"] == "approval"]
    assert decisions == [("approve", "policy")]

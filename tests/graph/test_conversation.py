"""A run that continues a conversation: the planner and the final answer see earlier turns."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, BaseMessage

from agentcore.errors import UserError
from agentcore.graph._conversation import MAX_TURNS
from agentcore.testing import CallInfo, FunctionChatModel


async def test_earlier_turns_reach_the_planner_and_the_synthesis(make_team):
    prompts: dict[str, str] = {}

    def respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        prompts[info.agent or ""] = str(messages[-1].content)
        return AIMessage(
            content="",
            tool_calls=[{"name": "final_answer", "id": "f", "args": {"answer": "JFK: 111,279"}}],
        )

    earlier = [("How many flights left EWR in 2013?", "120,835 flights left EWR.")]
    result = await make_team(FunctionChatModel(respond)).arun("And from JFK?", conversation=earlier)

    assert result.status == "completed"
    planner = prompts["planner"]
    assert "Earlier in this conversation" in planner
    assert "User: How many flights left EWR in 2013?" in planner
    assert "Answer: 120,835 flights left EWR." in planner
    assert planner.index("Earlier in this conversation") < planner.index("And from JFK?")


async def test_only_the_latest_turns_are_shown(make_team):
    prompts: list[str] = []

    def respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        prompts.append(str(messages[-1].content))
        return AIMessage(
            content="", tool_calls=[{"name": "final_answer", "id": "f", "args": {"answer": "ok"}}]
        )

    turns = [(f"question {i}", f"answer {i}") for i in range(MAX_TURNS + 3)]
    await make_team(FunctionChatModel(respond)).arun("next", conversation=turns)

    assert "(3 earlier turns not shown)" in prompts[0]
    assert "question 2\n" not in prompts[0] and f"question {MAX_TURNS + 2}" in prompts[0]


async def test_a_malformed_turn_is_refused_before_anything_runs(make_team, tmp_data_dir):
    team = make_team(FunctionChatModel(lambda m, i: AIMessage(content="x")))
    with pytest.raises(UserError, match="turn 0 is not a"):
        await team.arun("next", conversation=[("only the task",)])  # type: ignore[list-item]
    assert not (tmp_data_dir / "runs").exists()

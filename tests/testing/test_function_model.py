import asyncio

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import tool

from agentcore.testing import CallInfo, FunctionChatModel


@tool
def search(query: str) -> str:
    """Search."""
    return query


def cfg(agent: str, step: str = "") -> dict:
    return {"metadata": {"agentcore_agent": agent, "agentcore_step": step, "agentcore_run": "r1"}}


def test_sync_function_sees_messages_and_call_info():
    seen: list[CallInfo] = []

    def reply(messages: list[BaseMessage], info: CallInfo) -> str:
        seen.append(info)
        return f"{info.agent} says {messages[-1].content}"

    model = FunctionChatModel(reply)
    bound = model.bind_tools([search], tool_choice="search")
    assert bound.invoke("hello", config=cfg("coder", "s1")).content == "coder says hello"
    bound.invoke("again", config=cfg("coder", "s1"))
    model.invoke("x", config=cfg("planner"))
    first, second, third = seen
    assert (first.agent, first.step, first.run_id) == ("coder", "s1", "r1")
    assert (first.tools, first.tool_choice) == (("search",), "search")
    assert (first.call_index, second.call_index, third.call_index) == (0, 1, 0)
    assert (third.global_index, third.step, third.tools) == (2, None, ())


def test_message_replies_get_usage_ids_and_model_name():
    def reply(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        return AIMessage("", tool_calls=[{"name": "search", "args": {"query": "q"}, "id": None}])

    model = FunctionChatModel(reply)
    out = model.invoke([HumanMessage("find")], config=cfg("researcher"))
    assert out.response_metadata == {"model_name": "scripted:reply"}
    assert out.tool_calls[0]["id"] == "call_researcher_0_0"
    assert out.usage_metadata is not None
    assert out.usage_metadata["input_tokens"] == 1


def test_own_usage_is_kept():
    usage = {"input_tokens": 5, "output_tokens": 6, "total_tokens": 11}
    model = FunctionChatModel(lambda m, i: AIMessage("x", usage_metadata=usage))
    assert model.invoke("x").usage_metadata == usage
    assert model.script_name == "lambda"


async def test_async_function_works_from_async_and_sync_callers():
    async def reply(messages: list[BaseMessage], info: CallInfo) -> str:
        await asyncio.sleep(0)
        return f"#{info.global_index}"

    model = FunctionChatModel(reply, script_name="asyncy")
    assert (await model.ainvoke("x")).content == "#0"
    # a sync call from inside a running loop must not deadlock or fail
    assert model.invoke("x").content == "#1"
    assert model.calls[1].response.response_metadata["model_name"] == "scripted:asyncy"


def test_async_function_from_plain_sync_code():
    async def reply(messages: list[BaseMessage], info: CallInfo) -> str:
        return "fine"

    assert FunctionChatModel(reply).invoke("x").content == "fine"


def test_streaming_aggregates_to_the_same_message():
    def reply(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        return AIMessage(
            "some words to split",
            tool_calls=[{"name": "search", "args": {"query": "q"}, "id": "c1"}],
        )

    model = FunctionChatModel(reply)
    expected = model.invoke("x")
    chunks = list(model.stream("x"))
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert (total.content, total.tool_calls) == (expected.content, expected.tool_calls)
    assert total.usage_metadata == expected.usage_metadata


def test_bad_return_type_is_a_type_error():
    model = FunctionChatModel(lambda m, i: 42)  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="return an AIMessage or a str"):
        model.invoke("x")

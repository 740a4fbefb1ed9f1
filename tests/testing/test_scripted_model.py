import asyncio
import threading
import time

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from agentcore.errors import ModelError, RunError, ScriptExhaustedError, SpecError
from agentcore.testing import ScriptedChatModel


def cfg(agent: str | None = None, step: str | None = None) -> dict:
    metadata = {}
    if agent is not None:
        metadata["agentcore_agent"] = agent
    if step is not None:
        metadata["agentcore_step"] = step
    return {"metadata": metadata}


@tool
def list_files(path: str) -> str:
    """List files."""
    return path


@tool
def read_file(path: str) -> str:
    """Read a file."""
    return path


def test_flat_list_is_served_in_order_to_any_caller():
    model = ScriptedChatModel(script=["one", "two", "three"])
    assert model.invoke("hi", config=cfg("planner")).content == "one"
    assert model.invoke("hi", config=cfg("coder")).content == "two"
    assert model.invoke("hi").content == "three"


def test_keyed_script_gives_each_agent_its_own_queue():
    model = ScriptedChatModel(
        script={"planner": ["p1", "p2"], "coder": ["c1"], "*": ["any1", "any2"]}
    )
    assert model.invoke("x", config=cfg("coder")).content == "c1"
    assert model.invoke("x", config=cfg("planner")).content == "p1"
    # "*" has one cursor per agent, so these do not depend on each other's order
    assert model.invoke("x", config=cfg("researcher")).content == "any1"
    assert model.invoke("x", config=cfg("synthesis")).content == "any1"
    assert model.invoke("x", config=cfg("researcher")).content == "any2"
    assert model.invoke("x", config=cfg("planner")).content == "p2"


def test_agent_slash_step_key_wins_over_the_agent_key():
    model = ScriptedChatModel(script={"coder/s2": ["for s2"], "coder": ["for any step"]})
    assert model.invoke("x", config=cfg("coder", "s2")).content == "for s2"
    assert model.invoke("x", config=cfg("coder", "s1")).content == "for any step"


def test_every_message_carries_model_name_and_usage():
    model = ScriptedChatModel(script={"name": "mine", "responses": ["hello there"]})
    reply = model.invoke([HumanMessage("x" * 40)])
    assert reply.response_metadata["model_name"] == "scripted:mine"
    assert reply.usage_metadata == {"input_tokens": 10, "output_tokens": 3, "total_tokens": 13}


def test_usage_estimate_is_deterministic_and_counts_tool_calls():
    script = [{"tool_calls": [{"name": "list_files", "args": {"path": "."}}]}]
    first = ScriptedChatModel(script=script).invoke("the same prompt")
    second = ScriptedChatModel(script=script).invoke("the same prompt")
    assert first.usage_metadata == second.usage_metadata
    assert first.usage_metadata is not None
    assert first.usage_metadata["output_tokens"] > 1


def test_scripted_usage_is_reported_as_is():
    model = ScriptedChatModel(
        script=[{"content": "x", "usage": {"input_tokens": 120, "output_tokens": 30}}]
    )
    assert model.invoke("hi").usage_metadata == {
        "input_tokens": 120,
        "output_tokens": 30,
        "total_tokens": 150,
    }


def test_tool_calls_get_deterministic_ids_unless_given():
    model = ScriptedChatModel(
        script={
            "coder": [
                {
                    "tool_calls": [
                        {"name": "list_files", "args": {"path": "."}},
                        {"name": "read_file", "args": {"path": "a"}, "id": "mine"},
                    ]
                }
            ]
        }
    )
    reply = model.invoke("x", config=cfg("coder"))
    assert [c["id"] for c in reply.tool_calls] == ["call_coder_0_0", "mine"]
    assert reply.tool_calls[0]["args"] == {"path": "."}


def test_task_placeholder_uses_the_task_line_or_the_first_human_message():
    script = {"responses": ["answer: {task}"], "repeat_last": True}
    model = ScriptedChatModel(script=script)
    prompt = [SystemMessage("You plan."), HumanMessage("Task:\nadd 2 and 2\n\nAgents: coder")]
    assert model.invoke(prompt).content == "answer: add 2 and 2"
    assert model.invoke([HumanMessage("Task: inline one")]).content == "answer: inline one"
    assert model.invoke([HumanMessage("just this")]).content == "answer: just this"
    tc = ScriptedChatModel(script=[{"tool_calls": [{"name": "t", "args": {"q": ["{task}"]}}]}])
    assert tc.invoke("find it").tool_calls[0]["args"] == {"q": ["find it"]}


def test_exhaustion_names_script_agent_and_count():
    model = ScriptedChatModel(script={"name": "plan-test", "agents": {"coder": ["a", "b"]}})
    model.invoke("x", config=cfg("coder"))
    model.invoke("x", config=cfg("coder"))
    with pytest.raises(ScriptExhaustedError) as info:
        model.invoke("x", config=cfg("coder"))
    err = info.value
    assert isinstance(err, RunError)
    assert (err.script, err.agent, err.served) == ("plan-test", "coder", 2)
    assert "'plan-test'" in str(err)
    assert "agent 'coder'" in str(err)
    assert "after serving 2" in str(err)
    assert "repeat_last" in str(err)


def test_unlisted_agent_without_wildcard_is_a_clear_error():
    model = ScriptedChatModel(script={"planner": ["p"]})
    with pytest.raises(ScriptExhaustedError, match=r"no list for it \(it lists: planner\)"):
        model.invoke("x", config=cfg("coder"))
    with pytest.raises(ScriptExhaustedError, match="no 'agentcore_agent' metadata"):
        model.invoke("x")


def test_repeat_last_repeats_the_final_response():
    model = ScriptedChatModel(script={"agents": {"coder": ["a", "b"]}, "repeat_last": True})
    got = [model.invoke("x", config=cfg("coder")).content for _ in range(4)]
    assert got == ["a", "b", "b", "b"]


def test_bind_tools_records_tools_and_tool_choice():
    model = ScriptedChatModel(script=["ok"])
    model.bind_tools([list_files, read_file], tool_choice="any").invoke("x", config=cfg("coder"))
    (call,) = model.calls
    assert call.info.tools == ("list_files", "read_file")
    assert call.info.tool_choice == "any"
    assert call.info.agent == "coder"
    assert call.messages[0].content == "x"
    assert call.response.content == "ok"


class Plan(BaseModel):
    goal: str
    steps: list[str]


def test_with_structured_output_parses_a_pydantic_model():
    model = ScriptedChatModel(script=[{"structured": {"goal": "g", "steps": ["a", "b"]}}])
    assert model.with_structured_output(Plan).invoke("plan it") == Plan(goal="g", steps=["a", "b"])
    assert model.calls[0].info.structured_tool == "Plan"


async def test_with_structured_output_include_raw_async():
    model = ScriptedChatModel(script=[{"structured": {"goal": "{task}", "steps": []}}])
    out = await model.with_structured_output(Plan, include_raw=True).ainvoke("ship it")
    assert out["parsed"] == Plan(goal="ship it", steps=[])
    assert isinstance(out["raw"], AIMessage)


def test_structured_goes_to_the_tool_named_by_tool_choice():
    model = ScriptedChatModel(script=[{"structured": {"path": "src"}}])
    bound = model.bind_tools([list_files, read_file], tool_choice="read_file")
    call = bound.invoke("x").tool_calls[0]
    assert (call["name"], call["args"]) == ("read_file", {"path": "src"})


def test_structured_without_an_output_tool_is_a_spec_error():
    model = ScriptedChatModel(script=[{"structured": {"path": "src"}}])
    with pytest.raises(SpecError, match="bound tools: list_files, read_file"):
        model.bind_tools([list_files, read_file]).invoke("x")


def test_error_response_injects_a_model_failure_then_continues():
    model = ScriptedChatModel(script=[{"error": {"message": "rate limited"}}, "recovered"])
    with pytest.raises(ModelError, match="rate limited") as info:
        model.invoke("x")
    assert info.value.retryable is True
    assert info.value.model == "scripted:script"
    assert model.invoke("x").content == "recovered"


def test_latency_is_simulated_sync():
    model = ScriptedChatModel(script=[{"content": "slow", "latency_s": 0.05}])
    start = time.perf_counter()
    model.invoke("x")
    assert time.perf_counter() - start >= 0.05


async def test_latency_is_simulated_async_and_does_not_block_the_loop():
    script = {"a": [{"content": "a", "latency_s": 0.1}], "b": [{"content": "b", "latency_s": 0.1}]}
    model = ScriptedChatModel(script=script)
    start = time.perf_counter()
    await asyncio.gather(model.ainvoke("x", config=cfg("a")), model.ainvoke("x", config=cfg("b")))
    elapsed = time.perf_counter() - start
    assert 0.1 <= elapsed < 0.19  # concurrent sleeps, not sequential ones


async def test_parallel_agents_get_deterministic_answers_under_gather():
    agents = [f"agent{i}" for i in range(6)]
    script = {
        "agents": {
            a: [f"{a}-1", {"content": f"{a}-2", "latency_s": 0.001 * i}, f"{a}-3"]
            for i, a in enumerate(agents)
        }
    }
    model = ScriptedChatModel(script=script)

    async def run(agent: str) -> list[str]:
        out = []
        for _ in range(3):
            reply = await model.ainvoke("x", config=cfg(agent))
            out.append(reply.content)
        return out

    for _ in range(2):
        model.reset()
        results = await asyncio.gather(*(run(a) for a in reversed(agents)))
        assert results == [[f"{a}-1", f"{a}-2", f"{a}-3"] for a in reversed(agents)]


def test_cursor_is_thread_safe():
    model = ScriptedChatModel(script=[str(i) for i in range(200)])
    seen: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            content = model.invoke("x").content
            with lock:
                seen.append(content)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen, key=int) == [str(i) for i in range(200)]


def test_reset_rewinds_and_forgets_calls():
    model = ScriptedChatModel(script=["a"])
    model.invoke("x")
    model.reset()
    assert model.calls == []
    assert model.invoke("x").content == "a"


STREAM_SCRIPT = [
    {"content": "Let me look at the files in this folder first."},
    {
        "content": "working on it",
        "tool_calls": [
            {"name": "list_files", "args": {"path": "."}},
            {"name": "read_file", "args": {"path": "a/b.py", "nested": {"x": [1, 2]}}},
        ],
        "usage": {"input_tokens": 7, "output_tokens": 9},
    },
    {"tool_calls": [{"name": "list_files", "args": {}}]},
]


def _same(a: AIMessage, b: AIMessage) -> None:
    assert a.content == b.content
    assert a.tool_calls == b.tool_calls
    assert a.usage_metadata == b.usage_metadata
    assert a.response_metadata == b.response_metadata


def test_streaming_aggregates_to_the_non_streamed_message():
    plain = ScriptedChatModel(script=STREAM_SCRIPT)
    streamed = ScriptedChatModel(script=STREAM_SCRIPT)
    for _ in STREAM_SCRIPT:
        expected = plain.invoke("prompt")
        chunks = list(streamed.stream("prompt"))
        assert all(isinstance(c, AIMessageChunk) for c in chunks)
        total = chunks[0]
        for chunk in chunks[1:]:
            total = total + chunk
        _same(total, expected)
        # usage rides on the last chunk only, so summing chunks does not inflate it
        assert sum(1 for c in chunks if c.usage_metadata) == 1


async def test_async_streaming_aggregates_and_streams_in_pieces():
    plain = ScriptedChatModel(script=STREAM_SCRIPT)
    streamed = ScriptedChatModel(script=STREAM_SCRIPT)
    for i in range(len(STREAM_SCRIPT)):
        expected = await plain.ainvoke("prompt", config=cfg("coder"))
        chunks = [c async for c in streamed.astream("prompt", config=cfg("coder"))]
        total = chunks[0]
        for chunk in chunks[1:]:
            total = total + chunk
        _same(total, expected)
        if i == 0:  # text arrives in several pieces, like a provider's stream
            assert len([c for c in chunks if c.content]) >= 3
        if i == 1:  # each tool call's arguments arrive in more than one chunk
            assert len([c for c in chunks if c.tool_call_chunks]) == 4


async def test_stream_dispatches_on_the_agent_in_config():
    model = ScriptedChatModel(script={"planner": ["plan"], "coder": ["code"]})
    bound = model.bind_tools([list_files])
    chunks = [c async for c in bound.astream("x", config=cfg("coder"))]
    assert "".join(str(c.content) for c in chunks) == "code"
    assert model.calls[0].info.tools == ("list_files",)


async def test_implicit_streaming_in_a_langgraph_graph_keeps_per_agent_dispatch():
    # stream_mode="messages" makes langchain call _astream without a run manager; the model
    # must still see which agent is calling.
    from langgraph.graph import END, START, MessagesState, StateGraph

    model = ScriptedChatModel(
        script={"planner": ["first the plan"], "coder": ["then the code, in pieces"]}
    )

    async def planner(state: MessagesState) -> dict:
        msg = await model.ainvoke(state["messages"], config=cfg("planner"))
        return {"messages": [msg]}

    async def coder(state: MessagesState) -> dict:
        msg = await model.ainvoke(state["messages"], config=cfg("coder"))
        return {"messages": [msg]}

    graph = StateGraph(MessagesState)
    graph.add_node("planner", planner)
    graph.add_node("coder", coder)
    graph.add_edge(START, "planner")
    graph.add_edge("planner", "coder")
    graph.add_edge("coder", END)
    app = graph.compile()

    pieces: dict[str, list[str]] = {}
    async for chunk, meta in app.astream(
        {"messages": [HumanMessage("go")]}, stream_mode="messages"
    ):
        pieces.setdefault(meta["langgraph_node"], []).append(str(chunk.content))
    assert "".join(pieces["planner"]) == "first the plan"
    assert "".join(pieces["coder"]) == "then the code, in pieces"
    assert len([p for p in pieces["coder"] if p]) > 1  # really streamed
    assert [c.info.agent for c in model.calls] == ["planner", "coder"]

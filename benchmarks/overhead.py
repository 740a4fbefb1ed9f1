"""Framework overhead per agent step, agentcore vs a bare LangGraph tool-calling loop.

Both run the same trajectory on the same zero-latency scripted model: an agent that calls the
`think` tool STEPS times and then answers. agentcore also runs its planner and synthesis calls,
writes its JSONL trace and checkpoints to SQLite; all of that is counted as its overhead.
Baselines, measured in this same run:

* bare loop: a StateGraph with a model node and langgraph's prebuilt ToolNode, no checkpointer;
* bare loop + SQLite: the same with the SQLite checkpointer agentcore uses.

Target (issue #2): agentcore <= 1.5x the bare loop, and < 5 ms per step (median).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode, tools_condition
from typing_extensions import TypedDict

from agentcore import Team
from agentcore.config import load_settings
from agentcore.plugins import hookimpl, load_registry
from agentcore.testing import CallInfo, FunctionChatModel

STEPS = int(os.environ.get("BENCH_STEPS", "20"))
RUNS = int(os.environ.get("BENCH_RUNS", "15"))


def agent_turn(messages: list[BaseMessage], index: int) -> AIMessage:
    """The scripted agent: STEPS think calls, then an answer."""
    if index < STEPS:
        call = {"name": "think", "args": {"thought": f"step {index}"}, "id": f"c{index}"}
        return AIMessage(content="", tool_calls=[call])
    return AIMessage(content="done")


def team_model() -> FunctionChatModel:
    def respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        if info.agent == "planner":
            step = {"id": "s1", "agent": "coder", "instruction": "think", "depends_on": []}
            return AIMessage(
                content="",
                tool_calls=[{"name": "submit_plan", "args": {"steps": [step]}, "id": "p"}],
            )
        if info.agent == "synthesis":
            return AIMessage(content="final")
        return agent_turn(messages, info.call_index)

    return FunctionChatModel(respond)


class Models:
    def __init__(self) -> None:
        self.model = team_model()

    @hookimpl
    def register_models(self, register: Any) -> None:
        register("bench", lambda name, settings: self.model)


async def run_agentcore(data_dir: Path) -> float:
    provider = Models()
    registry = load_registry(extra=[("bench", provider)])
    settings = load_settings({"data_dir": str(data_dir), "model": "bench:m"})
    team = Team.load(settings=settings, registry=registry)
    start = time.perf_counter()
    result = await team.arun("think a lot", limits={"max_tool_calls": 1000, "max_iterations": 100})
    elapsed = time.perf_counter() - start
    assert result.status == "completed", result.error
    return elapsed


class LoopState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


async def run_bare(data_dir: Path | None) -> float:
    registry = load_registry()
    think = registry.tools["think"]
    model = FunctionChatModel(lambda messages, info: agent_turn(messages, info.call_index))
    bound = model.bind_tools([think])

    async def agent(state: LoopState) -> dict[str, Any]:
        return {"messages": [await bound.ainvoke(state["messages"])]}

    builder = StateGraph(LoopState)
    builder.add_node("agent", agent)
    builder.add_node("tools", ToolNode([think]))
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", tools_condition)
    builder.add_edge("tools", "agent")
    config = {"configurable": {"thread_id": "bench"}, "recursion_limit": 10_000}
    inp = {"messages": [HumanMessage("think a lot")]}
    if data_dir is None:
        graph = builder.compile()
        start = time.perf_counter()
        out = await graph.ainvoke(inp, config)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - start
    else:
        async with AsyncSqliteSaver.from_conn_string(str(data_dir / "bare.sqlite")) as saver:
            graph = builder.compile(checkpointer=saver)
            start = time.perf_counter()
            out = await graph.ainvoke(inp, config)  # type: ignore[arg-type]
            elapsed = time.perf_counter() - start
    assert out["messages"][-1].content == "done"
    return elapsed


async def main() -> None:
    results: dict[str, list[float]] = {"agentcore": [], "bare": [], "bare+sqlite": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i in range(RUNS + 2):  # the first two runs warm imports and caches
            run_dir = root / str(i)
            run_dir.mkdir()
            times = {
                "agentcore": await run_agentcore(run_dir / "data"),
                "bare": await run_bare(None),
                "bare+sqlite": await run_bare(run_dir),
            }
            if i >= 2:
                for key, value in times.items():
                    results[key].append(value / STEPS)
    med = {k: statistics.median(v) * 1000 for k, v in results.items()}
    print(f"trajectory: {STEPS} tool-calling steps, {RUNS} runs, zero-latency scripted model")
    print(f"{'':<14}{'median ms/step':>16}{'ratio':>9}")
    for key in ("bare", "bare+sqlite", "agentcore"):
        print(f"{key:<14}{med[key]:>16.3f}{med[key] / med['bare']:>8.2f}x")
    ratio = med["agentcore"] / med["bare"]
    verdict = "met" if ratio <= 1.5 and med["agentcore"] < 5 else "NOT met"
    print(
        f"agentcore / bare loop = {ratio:.2f}x (target <= 1.5x); "
        f"{med['agentcore']:.2f} ms/step (target < 5 ms): {verdict}"
    )


if __name__ == "__main__":
    asyncio.run(main())

"""Assemble the state machine: planner → router → workers (parallel) → router → synthesis."""

from __future__ import annotations

from functools import cache
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.base import BaseStore

from agentcore.graph._context import RunContext
from agentcore.graph._planner import planner_node
from agentcore.graph._router import dispatch, router_node
from agentcore.graph._state import RunState
from agentcore.graph._synthesis import synthesis_node
from agentcore.graph._worker import worker_node

Graph = CompiledStateGraph[RunState, RunContext, RunState, RunState]


@cache
def _compiled() -> Graph:
    builder = StateGraph(RunState, context_schema=RunContext)
    builder.add_node("planner", planner_node)
    builder.add_node("router", router_node)
    builder.add_node("worker", worker_node)  # type: ignore[call-overload]
    builder.add_node("synthesis", synthesis_node)
    builder.add_edge(START, "planner")
    builder.add_edge("planner", "router")
    builder.add_edge("worker", "router")
    builder.add_conditional_edges("router", dispatch, ["worker", "planner", "synthesis", END])
    builder.add_edge("synthesis", END)
    return builder.compile()


def build_graph(
    *, checkpointer: BaseCheckpointSaver[Any] | None = None, store: BaseStore | None = None
) -> Graph:
    """Return the team's graph wired to ``checkpointer`` and ``store``.

    Compiling walks every node's code (about 50 ms), so it happens once per process; each
    run gets a copy with its own checkpointer and store attached.

    Args:
        checkpointer: Where state is saved after every step (SQLite by default in ``Team``).
        store: Long-term memory store handed to nodes through the runtime.
    """
    return _compiled().copy(update={"checkpointer": checkpointer, "store": store})

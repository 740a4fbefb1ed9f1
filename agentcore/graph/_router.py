"""The router: plain code that decides what runs next. No model calls here."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Send

from agentcore.events import RunEvent
from agentcore.graph._context import RunContext
from agentcore.graph._state import PlanStep, RunState, WorkerInput

MAX_REPLANS = 2
FAILED = ("failed", "stalled")


def router_node(state: RunState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Pick the next ready steps, or re-plan, or hand over to synthesis; check limits first."""
    ctx = runtime.context
    if state.get("route") == "end":
        return {}
    if limit := state.get("limit") or ctx.budget.check():
        return _wrap_up(ctx, limit)

    plan = state.get("plan", [])
    status = {s["id"]: s["status"] for s in plan}
    counters = state.get("counters", {})
    failures = sum(1 for s in plan if s["status"] in FAILED)
    if failures > counters.get("failures_handled", 0):
        if counters.get("replans", 0) < MAX_REPLANS:
            return {
                "route": "planner",
                "counters": {"failures_handled": failures - counters.get("failures_handled", 0)},
            }
        return {
            "route": "synthesis",
            "status": "failed",
            "error": "steps failed and re-planning did not recover them",
        }

    ready = [
        s
        for s in plan
        if s["status"] == "pending" and all(status.get(d) == "done" for d in s["depends_on"])
    ]
    if ready:
        allowed = ctx.budget.take_steps(len(ready))
        if allowed == 0:
            return _wrap_up(ctx, "max_steps")
        chosen = ready[:allowed]
        return {
            "route": "workers",
            "dispatch": [s["id"] for s in chosen],
            "plan": [PlanStep(**{**s, "status": "running"}) for s in chosen],
            "counters": {"steps": len(chosen)},
        }
    blocked = [s["id"] for s in plan if s["status"] == "pending"]
    if not blocked:  # every failure so far was handled by a re-plan
        return {"route": "synthesis", "status": "completed"}
    return {
        "route": "synthesis",
        "status": "failed",
        "error": f"steps {', '.join(blocked)} could not run: a step they depend on failed",
    }


def _wrap_up(ctx: RunContext, limit: str) -> dict[str, Any]:
    value = getattr(ctx.limits, limit, None)
    ctx.trace.write("limit", limit=limit, value=value)
    ctx.emit(RunEvent(kind="limit", data={"limit": limit, "value": value}))
    return {"route": "synthesis", "status": "limit_reached", "limit": limit}


def dispatch(state: RunState) -> list[Send] | str:
    """Conditional edge after the router: fan out ready steps with ``Send``, or move on."""
    route = state.get("route")
    if route == "workers":
        plan = {s["id"]: s for s in state.get("plan", [])}
        results = state.get("results", {})
        return [
            Send(
                "worker",
                WorkerInput(
                    task=state["task"],
                    step=plan[i],
                    deps={d: results[d] for d in plan[i]["depends_on"] if d in results},
                ),
            )
            for i in state.get("dispatch", [])
        ]
    if route in ("planner", "synthesis"):
        return route
    return END

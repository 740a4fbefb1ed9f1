"""Graph state: plain, JSON-friendly dicts with reducers, so checkpoints stay portable."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from typing_extensions import TypedDict

StepStatus = Literal["pending", "running", "done", "failed", "stalled", "limit_reached", "skipped"]
RunStatus = Literal["running", "completed", "limit_reached", "failed", "interrupted", "cancelled"]
TERMINAL_STEP: frozenset[str] = frozenset({"done", "failed", "stalled", "limit_reached", "skipped"})


class PlanStep(TypedDict):
    """One step of the plan, assigned to one agent."""

    id: str
    agent: str
    instruction: str
    depends_on: list[str]
    status: StepStatus
    #: Untrusted content the planner had read when it wrote the step (``memory``, ``step s1``):
    #: the step's instruction may carry it.
    untrusted: NotRequired[list[str]]


class StepResult(TypedDict):
    """What a step produced: a summary for the agents that depend on it, not a transcript."""

    step_id: str
    agent: str
    status: StepStatus
    summary: str
    artifacts: list[str]
    tool_calls: int
    iterations: int
    error: NotRequired[str | None]
    #: Where untrusted content in the step's context came from (absent when there was none).
    untrusted: NotRequired[list[str]]


class Usage(TypedDict):
    """Token and cost totals for one agent or one model."""

    input_tokens: int
    output_tokens: int
    cost_usd: float
    calls: int


def merge_plan(old: list[PlanStep], new: list[PlanStep]) -> list[PlanStep]:
    """Update steps by id, appending new ones; a step marked ``skipped`` stays in the record."""
    by_id = {s["id"]: s for s in old}
    order = [s["id"] for s in old]
    for step in new:
        if step["id"] not in by_id:
            order.append(step["id"])
        by_id[step["id"]] = step
    return [by_id[i] for i in order]


def merge_dict(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Shallow merge: later values win."""
    return {**old, **new}


def add_unique(old: list[str], new: list[str]) -> list[str]:
    """Append items not already present, keeping order."""
    return list(dict.fromkeys([*old, *new]))


def add_usage(old: dict[str, Usage], new: dict[str, Usage]) -> dict[str, Usage]:
    """Sum usage per key."""
    out = dict(old)
    for key, u in new.items():
        cur = out.get(key)
        out[key] = (
            u
            if cur is None
            else Usage(
                input_tokens=cur["input_tokens"] + u["input_tokens"],
                output_tokens=cur["output_tokens"] + u["output_tokens"],
                cost_usd=cur["cost_usd"] + u["cost_usd"],
                calls=cur["calls"] + u["calls"],
            )
        )
    return out


def add_counters(old: dict[str, float], new: dict[str, float]) -> dict[str, float]:
    """Sum counters per key."""
    out = dict(old)
    for key, value in new.items():
        out[key] = out.get(key, 0) + value
    return out


def keep_first(old: str | None, new: str | None) -> str | None:
    """The first limit reached stays the reason, whichever parallel branch reports later."""
    return old or new


class RunMeta(TypedDict):
    """What a resumed run needs to carry on as it started."""

    run_id: str
    model: str
    limits: dict[str, Any]
    workspace: str
    started_at: float


class Turn(TypedDict):
    """An earlier turn of the conversation a run continues."""

    task: str
    answer: str


class RunState(TypedDict, total=False):
    """The LangGraph state of one run."""

    task: str
    meta: RunMeta
    conversation: list[Turn]
    plan: Annotated[list[PlanStep], merge_plan]
    results: Annotated[dict[str, StepResult], merge_dict]
    artifacts: Annotated[list[str], add_unique]
    usage: Annotated[dict[str, Usage], add_usage]
    model_usage: Annotated[dict[str, Usage], add_usage]
    counters: Annotated[dict[str, float], add_counters]
    status: RunStatus
    limit: Annotated[str | None, keep_first]
    answer: str
    error: str | None
    route: str
    dispatch: list[str]


class WorkerInput(TypedDict):
    """What a worker node receives through ``Send``: its step and what it depends on."""

    task: str
    step: PlanStep
    deps: dict[str, StepResult]

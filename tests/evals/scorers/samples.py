"""Building ``Sample`` objects with a trace for scorer tests (import: ``from samples import ...``).

The trace records have the shape ``agentcore.graph`` writes: ``step_start`` per plan step,
``tool_call`` + ``tool_result`` per tool call (joined by ``call_id``), ``model_call`` per
model reply.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentcore.evals import Case, Sample
from agentcore.result import AgentUsage, RunStatus, UsageReport

_ids = itertools.count(1)


@dataclass(frozen=True)
class Call:
    """One tool call for :func:`build_trace`."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)
    output: str = "ok"
    is_error: bool = False
    agent: str = "worker"
    step: str = "s1"


def step(agent: str, step_id: str = "") -> dict[str, Any]:
    """A ``step_start`` record."""
    return {"type": "step_start", "agent": agent, "step": step_id or f"s{next(_ids)}"}


def call_records(call: Call) -> list[dict[str, Any]]:
    """The ``tool_call`` and ``tool_result`` records of one call."""
    call_id = f"call-{next(_ids)}"
    common = {"agent": call.agent, "step": call.step, "tool": call.tool, "call_id": call_id}
    return [
        {"type": "tool_call", **common, "args": dict(call.args)},
        {"type": "tool_result", **common, "is_error": call.is_error, "output": call.output},
    ]


def model_call(agent: str = "worker", step_id: str = "s1") -> dict[str, Any]:
    """A ``model_call`` record (usage left at zero)."""
    return {"type": "model_call", "agent": agent, "step": step_id, "model": "scripted:test"}


def build_trace(
    *, agents: Sequence[str] = (), calls: Sequence[Call] = (), model_calls: int = 0
) -> list[dict[str, Any]]:
    """A trace: a step per agent, then the tool calls, then the model calls."""
    trace = [step(a) for a in agents]
    for c in calls:
        trace += call_records(c)
    trace += [model_call() for _ in range(model_calls)]
    return trace


def usage(
    *, input_tokens: int = 0, output_tokens: int = 0, cost_usd: float = 0.0, calls: int = 0
) -> UsageReport:
    """A usage report with only a total."""
    return UsageReport(
        total=AgentUsage(
            input_tokens=input_tokens, output_tokens=output_tokens, cost_usd=cost_usd, calls=calls
        )
    )


def make_sample(
    answer: str = "",
    *,
    expected: Any = None,
    case_id: str = "c1",
    metadata: dict[str, Any] | None = None,
    agents: Sequence[str] = (),
    calls: Sequence[Call] = (),
    trace: list[dict[str, Any]] | None = None,
    status: RunStatus = "completed",
    usage_report: UsageReport | None = None,
    duration_s: float = 0.0,
    workspace: Path | None = None,
    suite_dir: Path | None = None,
    epoch: int = 1,
) -> Sample:
    """A sample of a one-case run; ``trace`` wins over ``agents`` / ``calls``."""
    case = Case(id=case_id, input="the task", expected=expected, metadata=metadata or {})
    return Sample(
        case=case,
        epoch=epoch,
        answer=answer,
        status=status,
        trace=trace if trace is not None else build_trace(agents=agents, calls=calls),
        usage=usage_report or UsageReport(),
        duration_s=duration_s,
        workspace=workspace,
        suite_dir=suite_dir,
    )

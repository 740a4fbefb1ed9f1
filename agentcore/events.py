"""Events a run emits while it works: what ``Team.astream`` yields and the CLI renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

EventKind = Literal[
    "run_start",
    "plan",
    "step_start",
    "token",
    "model_call",
    "tool_call",
    "tool_result",
    "artifact",
    "step_end",
    "limit",
    "replan",
    "answer",
    "run_end",
    "error",
    "approval_request",
    "approval",
    "injection_guard",
]


@dataclass(kw_only=True, slots=True, frozen=True)
class RunEvent:
    """One thing that happened in a run.

    Attributes:
        kind: What happened.
        agent: The agent involved, if any.
        step: The plan step involved, if any.
        data: Details; for ``run_end``, ``data["result"]`` is the ``RunResult``.

    """

    kind: EventKind
    agent: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

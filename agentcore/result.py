"""What a run returns: answer, status, usage by agent, steps, trace and artifacts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

RunStatus = Literal["completed", "limit_reached", "failed", "interrupted", "cancelled"]


class AgentUsage(BaseModel):
    """Tokens, estimated cost and model calls for one agent (or the total)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    calls: int = 0


class UsageReport(BaseModel):
    """Usage in total, by agent and by model."""

    total: AgentUsage = Field(default_factory=AgentUsage)
    by_agent: dict[str, AgentUsage] = Field(default_factory=dict)
    by_model: dict[str, AgentUsage] = Field(default_factory=dict)

    @classmethod
    def from_state(cls, by_agent: dict[str, Any], by_model: dict[str, Any]) -> UsageReport:
        """Build a report from the graph state's usage dicts."""
        agents = {k: AgentUsage(**v) for k, v in by_agent.items()}
        total = AgentUsage(
            input_tokens=sum(u.input_tokens for u in agents.values()),
            output_tokens=sum(u.output_tokens for u in agents.values()),
            cost_usd=round(sum(u.cost_usd for u in agents.values()), 6),
            calls=sum(u.calls for u in agents.values()),
        )
        return cls(
            total=total,
            by_agent=agents,
            by_model={k: AgentUsage(**v) for k, v in by_model.items()},
        )


class StepInfo(BaseModel):
    """One plan step as the result reports it."""

    id: str
    agent: str
    status: str
    instruction: str
    summary: str = ""


class RunResult(BaseModel):
    """The outcome of one run.

    Attributes:
        run_id: The run id (also the LangGraph thread id; pass it to ``resume``).
        status: ``completed``, ``limit_reached``, ``failed``, ``interrupted`` or ``cancelled``.
        answer: The final answer; at a limit or failure, the best answer from partial results.
        model: The model spec the run used.
        limit: The limit that stopped the run, if any.
        error: What went wrong, if anything.
        duration_s: Wall time of this invocation.
        usage: Tokens and cost in total, by agent and by model.
        steps: The plan steps with their status.
        trace: The run's trace records.
        artifacts: Files the tools wrote, relative to ``workspace``.
        workspace: The run's workspace directory.

    """

    run_id: str
    status: RunStatus
    answer: str
    model: str
    limit: str | None = None
    error: str | None = None
    duration_s: float = 0.0
    usage: UsageReport = Field(default_factory=UsageReport)
    steps: list[StepInfo] = Field(default_factory=list)
    trace: list[dict[str, Any]] = Field(default_factory=list)
    artifacts: list[str] = Field(default_factory=list)
    workspace: str = ""

    @property
    def exit_code(self) -> int:
        """The CLI exit code: 0 when completed, 1 otherwise."""
        return 0 if self.status == "completed" else 1

    def to_json(self) -> dict[str, Any]:
        """The machine-readable object ``--json`` prints."""
        data = self.model_dump(mode="json", exclude={"steps"})
        data["steps"] = [{"id": s.id, "agent": s.agent, "status": s.status} for s in self.steps]
        return data

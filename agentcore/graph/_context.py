"""The run-scoped objects every node needs: LangGraph's runtime context, never checkpointed."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool

from agentcore.config import Limits, Settings
from agentcore.errors import ModelError, RunError
from agentcore.events import RunEvent
from agentcore.graph._budget import Budget
from agentcore.graph._journal import CallJournal
from agentcore.graph._memory import RunMemory
from agentcore.graph._state import Usage
from agentcore.models import ModelClient, ModelReply
from agentcore.plugins import Registry
from agentcore.tools import ToolContext
from agentcore.trace import TraceWriter

if TYPE_CHECKING:
    from agentcore.agents import AgentSpec

_TEMPLATES = Path(__file__).parent / "templates"


@cache
def template(name: str) -> Template:
    """Load a prompt template from ``agentcore/graph/templates/NAME.md``."""
    return Template((_TEMPLATES / f"{name}.md").read_text(encoding="utf-8"))


@dataclass(kw_only=True, slots=True)
class RunContext:
    """Everything a node needs that is not state: models, tools, budget, trace, events."""

    run_id: str
    settings: Settings
    registry: Registry
    agents: dict[str, AgentSpec]
    model: str
    limits: Limits
    workspace: Path
    budget: Budget
    trace: TraceWriter
    emit: Callable[[RunEvent], None] = lambda event: None
    stream_answer: bool = True
    #: Long-term memory for this run; ``None`` runs without it.
    memory: RunMemory | None = None
    #: Whether someone answers approval requests (the run then pauses on an interrupt);
    #: otherwise ``settings.approvals.unattended`` decides at once.
    ask_approvals: bool = False
    #: Tools approved with "always" in this run.
    approved_always: set[str] = field(default_factory=set)
    #: The calls worker steps finished, for a step that runs again to replay (fed by the trace).
    journal: CallJournal = field(default_factory=CallJournal)
    _clients: dict[str, ModelClient] = field(default_factory=dict)
    _artifacts: dict[str, list[str]] = field(default_factory=dict)
    _deferred: list[Callable[[], object]] = field(default_factory=list)

    @property
    def planner(self) -> AgentSpec:
        """The team's planner agent."""
        return next(a for a in self.agents.values() if a.role == "planner")

    def client(self, agent: str) -> ModelClient:
        """The model client for ``agent`` (its spec's model, else the run's)."""
        spec = self.agents.get(agent)
        model = (spec.model if spec is not None else None) or self.model
        if model not in self._clients:
            self._clients[model] = ModelClient.from_specs(
                model,
                fallbacks=self.settings.fallback_models,
                settings=self.settings,
                registry=self.registry,
            )
        return self._clients[model]

    def tools(self, agent: str) -> dict[str, BaseTool]:
        """The registry tools ``agent`` may call, by name."""
        return {name: self.registry.tools[name] for name in self.agents[agent].tools}

    def max_iterations(self, agent: str) -> int:
        """Model calls allowed per step for ``agent``."""
        return self.agents[agent].max_iterations or self.limits.max_iterations

    def model_config(self, agent: str, step: str = "") -> RunnableConfig:
        """Config for a model call: metadata that scripted models and tracers key on."""
        return {
            "metadata": {
                "agentcore_agent": agent,
                "agentcore_step": step,
                "agentcore_run": self.run_id,
            },
            "tags": ["agentcore", f"agent:{agent}"],
        }

    def tool_context(self, agent: str, step: str) -> ToolContext:
        """The context a tool receives, with events routed into the run."""

        def emit(kind: str, data: Any) -> None:
            if kind == "artifact":
                self._artifacts.setdefault(step, []).append(str(data["path"]))
            self.emit(RunEvent(kind=kind, agent=agent, step=step, data=dict(data)))  # type: ignore[arg-type]

        return ToolContext(
            run_id=self.run_id,
            agent=agent,
            workspace=self.workspace,
            data_dir=self.settings.data_dir,
            settings=self.settings.plugins,
            emit=emit,
            defer=self._deferred.append,
            agentcore_settings=self.settings,
        )

    def close(self) -> None:
        """Run the callbacks tools deferred to the end of the run, newest first."""
        while self._deferred:
            callback = self._deferred.pop()
            try:
                callback()
            except Exception as exc:  # one failing cleanup must not skip the others
                self.trace.write("error", error=f"cleanup failed: {type(exc).__name__}: {exc}")

    def artifacts_of(self, step: str) -> list[str]:
        """Files tools reported writing during ``step``."""
        return list(dict.fromkeys(self._artifacts.get(step, [])))

    def account(
        self, agent: str, step: str, reply: ModelReply, messages: Sequence[BaseMessage]
    ) -> tuple[dict[str, Usage], dict[str, Usage]]:
        """Record one model call (``messages`` -> ``reply``) in the trace and the budget;
        return state usage updates."""
        self.record(agent, step, reply, messages)
        return self.charge(agent, reply)

    def charge(self, agent: str, reply: ModelReply) -> tuple[dict[str, Usage], dict[str, Usage]]:
        """Count one model call against the budget; return state usage updates.

        A call replayed from a checkpoint (after an approval or a crash) is charged again: the
        budget restored from the checkpoint does not hold the unfinished step's calls yet.
        """
        u = reply.usage
        cost = u.cost_usd or 0.0
        self.budget.record_model_call(u.input_tokens, u.output_tokens, cost)
        usage = Usage(
            input_tokens=u.input_tokens, output_tokens=u.output_tokens, cost_usd=cost, calls=1
        )
        return {agent: usage}, {reply.model: usage}

    def record(
        self,
        agent: str,
        step: str,
        reply: ModelReply,
        messages: Sequence[BaseMessage],
        *,
        task: str | None = None,
    ) -> None:
        """Write one model call to the trace and the event stream (once per real call).

        ``task``: the LangGraph task id of a worker step's execution, which makes the record
        part of the call journal (:mod:`agentcore.graph._journal`).

        Inside an eval sample (a cassette may record it) the record also carries the
        request's fingerprint (``request``, ``request_parts``, ``request_preview``) so a replay
        can tell when a run took another path; other runs skip that work.
        """
        from langchain_core.messages import messages_to_dict

        from agentcore.evals._cassette import current_scope

        u = reply.usage
        fields: dict[str, Any] = {} if task is None else {"task": task}
        if current_scope() is not None:
            from agentcore.evals._fingerprint import fingerprint

            request = fingerprint(messages, run_id=self.run_id)
            fields |= {
                "request": request.digest,
                "request_parts": request.parts,
                "request_preview": request.preview,
            }
        self.trace.write(
            "model_call",
            agent=agent,
            step=step,
            model=reply.model,
            attempts=reply.attempts,
            **fields,
            response=messages_to_dict([reply.message])[0],
            usage={
                "input_tokens": u.input_tokens,
                "output_tokens": u.output_tokens,
                "cost_usd": u.cost_usd,
            },
        )
        self.emit(
            RunEvent(
                kind="model_call",
                agent=agent,
                step=step or None,
                data={
                    "model": reply.model,
                    "input_tokens": u.input_tokens,
                    "output_tokens": u.output_tokens,
                    "cost_usd": u.cost_usd or 0.0,
                    "calls": 1,
                },
            )
        )

    def record_error(self, exc: RunError, *, agent: str, step: str | None = None) -> None:
        """Write an ``error`` record for a failed model call: the error, its type and, for a
        ``ModelError``, whether it was transient (``retryable``, read by the eval runner)."""
        fields: dict[str, Any] = (
            {"agent": agent} if step is None else {"agent": agent, "step": step}
        )
        fields.update(error=str(exc), error_type=type(exc).__name__)
        if isinstance(exc, ModelError):
            fields["retryable"] = exc.retryable
        self.trace.write("error", **fields)


def short_args(args: dict[str, Any], limit: int = 80) -> str:
    """A one-line summary of tool arguments for events and logs."""
    text = json.dumps(args, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"

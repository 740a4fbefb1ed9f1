"""The Python API: ``Team.load()``, ``team.run()``, ``await team.arun()``, ``team.astream()``."""

from __future__ import annotations

import asyncio
import inspect
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from agentcore.config import Limits, Settings, load_settings
from agentcore.errors import UserError
from agentcore.events import RunEvent
from agentcore.result import RunResult, StepInfo, UsageReport

if TYPE_CHECKING:
    from agentcore.agents import AgentSpec
    from agentcore.approvals import ApprovalCallback
    from agentcore.graph import Budget
    from agentcore.plugins import Registry

__all__ = ["RunEvent", "RunResult", "Team"]

_WRAP_UP_GRACE_S = 60.0


def new_run_id() -> str:
    """A sortable, unique run id: ``YYYYmmdd-HHMMSS-xxxxxx``."""
    return time.strftime("%Y%m%d-%H%M%S-", time.gmtime()) + uuid.uuid4().hex[:6]


def _limits(value: Limits | Mapping[str, Any] | None, default: Limits) -> Limits:
    if value is None:
        return default
    if isinstance(value, Limits):
        return value
    try:
        return default.model_copy(update={}).model_validate({**default.model_dump(), **value})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(map(str, err["loc"]))
        raise UserError(
            f"invalid limit '{field}': {err['msg']} (got {err.get('input')!r})",
            hint="limits must be positive numbers",
        ) from None


class Team:
    """A team of agents (planner, researcher, coder, ML specialist, and yours) and their tools.

    Example:
        ```python
        from agentcore import Team

        team = Team.load()
        result = team.run("Summarise data/penguins.csv", model="scripted:echo")
        print(result.status, result.answer)
        ```

    """

    def __init__(self, *, settings: Settings, registry: Registry, agents: dict[str, AgentSpec]):
        self.settings = settings
        self.registry = registry
        self.agents = agents

    @classmethod
    def load(
        cls,
        *,
        settings: Settings | None = None,
        agent_dirs: Sequence[Path] = (),
        registry: Registry | None = None,
    ) -> Team:
        """Load settings, plugins and agent specs, and check they fit together.

        Raises:
            UserError: On a bad config, agent spec, or a spec naming an unknown tool.

        """
        from agentcore.agents import builtin_agents_dir, load_agents, validate_team
        from agentcore.plugins import load_registry

        settings = settings or load_settings()
        registry = registry or load_registry()
        agents = load_agents([builtin_agents_dir(), *settings.agent_dirs, *agent_dirs])
        if settings.mcp.servers:  # agents may name MCP tools: server/tool, server/*
            from agentcore.mcp import prepare_team

            registry, agents = prepare_team(settings, registry, agents)
        else:
            validate_team(agents, tool_names=registry.tools.keys())
        return cls(settings=settings, registry=registry, agents=agents)

    async def arun(
        self,
        task: str,
        *,
        model: str | None = None,
        limits: Limits | Mapping[str, Any] | None = None,
        run_id: str | None = None,
        workspace: Path | None = None,
        on_event: Callable[[RunEvent], None] | None = None,
        approve: ApprovalCallback | None = None,
        conversation: Sequence[tuple[str, str]] | None = None,
    ) -> RunResult:
        """Run ``task`` to the end and return its result.

        Args:
            task: What to do.
            model: A ``"provider:model"`` spec; default from config or the environment.
            limits: Run limits (a ``Limits`` or a mapping of the fields to change).
            run_id: Use this id instead of a new one.
            workspace: The directory tools read and write (default: a new one per run).
            on_event: Called with every ``RunEvent`` as it happens.
            approve: Decides the tool calls that need approval (``[approvals]`` policy): gets
                an ``ApprovalRequest``, returns ``"approve"``, ``"deny"`` or ``"always"`` (may be
                async). Without it, ``[approvals] unattended`` decides.
            conversation: Earlier turns of a conversation, as ``(task, answer)`` pairs; the
                planner and the final answer see them (the latest ones, bounded).

        Raises:
            UserError: Bad input (empty task, bad limits, unknown model, missing key), before
                anything runs. Run failures do not raise: see ``RunResult.status``.

        """
        if not task or not task.strip():
            raise UserError(
                "the task is empty", hint='give the task as text, e.g. "summarise x.csv"'
            )
        return await self._execute(
            task=task.strip(),
            model=model,
            limits=limits,
            run_id=run_id,
            workspace=workspace,
            emit=on_event or (lambda e: None),
            resume=None,
            approve=approve,
            conversation=conversation,
        )

    def run(self, task: str, **kwargs: Any) -> RunResult:
        """Synchronous :meth:`arun` (not from inside a running event loop)."""
        return _sync(self.arun(task, **kwargs))

    async def aresume(
        self,
        run_id: str,
        *,
        on_event: Callable[[RunEvent], None] | None = None,
        approve: ApprovalCallback | None = None,
    ) -> RunResult:
        """Carry on an interrupted run from its last checkpoint.

        A run that stopped while waiting for an approval asks for it again (``approve``, or
        ``[approvals] unattended`` without it).

        Raises:
            UserError: If there is no checkpointed run with that id.

        """
        return await self._execute(
            task=None,
            model=None,
            limits=None,
            run_id=run_id,
            workspace=None,
            emit=on_event or (lambda e: None),
            resume=run_id,
            approve=approve,
        )

    def resume(self, run_id: str, **kwargs: Any) -> RunResult:
        """Synchronous :meth:`aresume`."""
        return _sync(self.aresume(run_id, **kwargs))

    async def astream(
        self,
        task: str | None = None,
        *,
        resume: str | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[RunEvent]:
        """Run and yield events as they happen; the last is ``run_end`` with the result.

        Bad input raises ``UserError`` from the first iteration, before anything runs.
        """
        queue: asyncio.Queue[RunEvent | None] = asyncio.Queue()

        async def go() -> RunResult:
            try:
                if resume:
                    return await self.aresume(
                        resume, on_event=queue.put_nowait, approve=kwargs.get("approve")
                    )
                return await self.arun(task or "", on_event=queue.put_nowait, **kwargs)
            finally:
                queue.put_nowait(None)

        job = asyncio.ensure_future(go())
        try:
            while (event := await queue.get()) is not None:
                yield event
            job.result()  # re-raise a UserError raised before the run started
        finally:
            if not job.done():
                job.cancel()
                await asyncio.gather(job, return_exceptions=True)

    def _check_models(self, model_spec: str) -> None:
        """Build every model the team will use, so a bad spec or missing key fails early."""
        from agentcore.models import ModelClient

        for spec in {model_spec, *(a.model for a in self.agents.values() if a.model)}:
            ModelClient.from_specs(
                spec,
                fallbacks=self.settings.fallback_models,
                settings=self.settings,
                registry=self.registry,
            )

    async def _execute(
        self,
        *,
        task: str | None,
        model: str | None,
        limits: Limits | Mapping[str, Any] | None,
        run_id: str | None,
        workspace: Path | None,
        emit: Callable[[RunEvent], None],
        resume: str | None,
        approve: ApprovalCallback | None = None,
        conversation: Sequence[tuple[str, str]] | None = None,
    ) -> RunResult:
        from agentcore.graph import LazyStore, build_graph
        from agentcore.graph._checkpoints import open_checkpointer, prune_runs
        from agentcore.models import choose_model

        settings = self.settings
        started = time.monotonic()
        fresh: _Launch | None = None
        if resume is None:
            # Everything the user can get wrong is checked before a file is written.
            run_limits = _limits(limits, settings.limits)
            model_spec = choose_model(model, settings, os.environ)
            self._check_models(model_spec)
            new_id = run_id or new_run_id()
            ws = workspace or settings.workspaces_dir / new_id
            fresh = _Launch.new(task or "", new_id, model_spec, run_limits, ws)
            if conversation:
                fresh.graph_input["conversation"] = _turns(conversation)  # type: ignore[index]
        elif not settings.checkpoint_path.exists():
            raise UserError(f"no run with id '{resume}': there are no checkpoints yet")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        async with open_checkpointer(settings.checkpoint_path) as saver:
            graph = build_graph(checkpointer=saver, store=LazyStore(settings))
            launch = fresh or await _Launch.resumed(graph, resume or "", settings)
            if fresh is None:
                self._check_models(launch.model)
            result = await self._drive(graph, launch, emit, started, approve)
            await prune_runs(saver, keep=settings.keep_runs, runs_dir=settings.runs_dir)
        emit(RunEvent(kind="run_end", data={"result": result}))
        return result

    async def _drive(
        self,
        graph: Any,
        launch: _Launch,
        emit: Callable[[RunEvent], None],
        started: float,
        approve: ApprovalCallback | None,
    ) -> RunResult:
        """Run (or continue) the graph; every outcome becomes a ``RunResult``."""
        from agentcore.graph import Budget, CallJournal, RunContext, RunMemory
        from agentcore.telemetry import run_spans
        from agentcore.trace import TraceWriter, read_trace

        settings = self.settings
        launch.workspace.mkdir(parents=True, exist_ok=True)
        trace_path = settings.runs_dir / f"{launch.run_id}.jsonl"
        spans = run_spans(settings, launch.run_id)  # None unless telemetry is configured
        # A resumed run's steps replay the calls they finished before it stopped: the trace
        # holds them. The journal also follows this process's records (approval pauses).
        resumed = launch.graph_input is None
        journal = CallJournal.from_trace(trace_path) if resumed else CallJournal()
        trace = TraceWriter(
            trace_path, launch.run_id, sinks=[journal, spans] if spans else [journal]
        )
        budget = Budget(limits=launch.limits)
        _restore_budget(budget, launch.restored)
        ctx = RunContext(
            run_id=launch.run_id,
            settings=settings,
            registry=self.registry,
            agents=self.agents,
            model=launch.model,
            limits=launch.limits,
            workspace=launch.workspace,
            budget=budget,
            trace=trace,
            emit=emit,
            memory=RunMemory(settings, run_id=launch.run_id, trace=trace),
            ask_approvals=approve is not None,
            journal=journal,
        )
        trace.write(
            "run_start",
            task=launch.task,
            model=launch.model,
            resume=launch.graph_input is None,
            limits=launch.limits.model_dump(),
            workspace=str(launch.workspace),
        )
        emit(
            RunEvent(
                kind="run_start",
                data={
                    "run_id": launch.run_id,
                    "task": launch.task,
                    "model": launch.model,
                    "workspace": str(launch.workspace),
                },
            )
        )
        config: dict[str, Any] = {
            "configurable": {"thread_id": launch.run_id},
            "recursion_limit": 10_000,
        }
        status: str | None = None
        error: str | None = None
        try:
            try:
                if not launch.finished:
                    async with asyncio.timeout(launch.limits.timeout_s + _WRAP_UP_GRACE_S):
                        await _invoke(graph, launch.graph_input, config, ctx, approve)
            finally:
                ctx.close()  # what tools deferred (e.g. stopping the run's sandbox)
        except TimeoutError:
            status, error = "limit_reached", "timeout_s"
        except (asyncio.CancelledError, KeyboardInterrupt):
            trace.write("run_end", status="cancelled")
            trace.close()
            raise
        except UserError:
            trace.close()
            raise
        except Exception as exc:  # the run failed; report it and keep what was done
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            trace.write("error", error=error)
        final = dict((await graph.aget_state(config)).values)
        result = _result(
            final,
            run_id=launch.run_id,
            model=launch.model,
            workspace=launch.workspace,
            status=status,
            error=error,
            duration=time.monotonic() - started,
        )
        trace.write(
            "run_end",
            status=result.status,
            limit=result.limit,
            error=result.error,
            usage=result.usage.total.model_dump(),
        )
        trace.close()
        result.trace = read_trace(trace_path)
        return result


@dataclass(kw_only=True, slots=True, frozen=True)
class _Launch:
    """What one invocation runs: a new run's input, or a checkpointed run to continue."""

    run_id: str
    task: str
    model: str
    limits: Limits
    workspace: Path
    graph_input: dict[str, Any] | None
    finished: bool = False
    restored: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def new(cls, task: str, run_id: str, model: str, limits: Limits, ws: Path) -> _Launch:
        meta = {
            "run_id": run_id,
            "model": model,
            "limits": limits.model_dump(),
            "workspace": str(ws),
            "started_at": time.time(),
        }
        graph_input: dict[str, Any] = {
            "task": task,
            "meta": meta,
            "status": "running",
            "plan": [],
            "results": {},
            "counters": {},
            "usage": {},
            "model_usage": {},
            "artifacts": [],
            "answer": "",
            "limit": None,
            "error": None,
            "route": "",
        }
        return cls(
            run_id=run_id,
            task=task,
            model=model,
            limits=limits,
            workspace=ws,
            graph_input=graph_input,
        )

    @classmethod
    async def resumed(cls, graph: Any, run_id: str, settings: Settings) -> _Launch:
        snapshot = await graph.aget_state({"configurable": {"thread_id": run_id}})
        values: dict[str, Any] = dict(snapshot.values or {})
        if not values:
            raise UserError(
                f"no run with id '{run_id}' in {settings.checkpoint_path}",
                hint="check the id (each run's trace is in the data dir's runs/ folder)",
            )
        if "meta" not in values:  # stopped before its first step was saved
            raise UserError(
                f"run '{run_id}' stopped before its first step was saved: there is nothing "
                "to resume",
                hint="start the task again",
            )
        meta = values["meta"]
        return cls(
            run_id=run_id,
            task=values["task"],
            model=meta["model"],
            limits=Limits(**meta["limits"]),
            workspace=Path(meta["workspace"]),
            graph_input=None,
            finished=not snapshot.next,
            restored=values,
        )


def _restore_budget(budget: Budget, values: Mapping[str, Any]) -> None:
    """Start a resumed run's budget from the spend its checkpoint recorded."""
    usage = values.get("usage", {})
    counters = values.get("counters", {})
    budget.tokens = sum(u["input_tokens"] + u["output_tokens"] for u in usage.values())
    budget.cost_usd = sum(u["cost_usd"] for u in usage.values())
    budget.tool_calls = int(counters.get("tool_calls", 0))
    budget.steps = int(counters.get("steps", 0))


def _result(
    state: Mapping[str, Any],
    *,
    run_id: str,
    model: str,
    workspace: Path,
    status: str | None,
    error: str | None,
    duration: float,
) -> RunResult:
    from agentcore.graph._synthesis import fallback_answer
    from agentcore.log import redact

    final_status = status or state.get("status", "failed")
    if final_status == "running":  # the graph stopped without deciding: count it as failed
        final_status, error = "failed", error or "the run ended without an answer"
    answer = state.get("answer") or ""
    if not answer and state.get("plan"):
        answer = fallback_answer(state, error or final_status)  # type: ignore[arg-type]
    results = state.get("results", {})
    result = RunResult(
        run_id=run_id,
        status=final_status,
        answer=answer,
        model=model,
        limit=state.get("limit") or (error if final_status == "limit_reached" else None),
        error=error or state.get("error"),
        duration_s=round(duration, 3),
        usage=UsageReport.from_state(state.get("usage", {}), state.get("model_usage", {})),
        steps=[
            StepInfo(
                id=s["id"],
                agent=s["agent"],
                status=s["status"],
                instruction=s["instruction"],
                summary=results.get(s["id"], {}).get("summary", ""),
            )
            for s in state.get("plan", [])
        ],
        artifacts=list(state.get("artifacts", [])),
        workspace=str(workspace),
    )
    # An answer or an error may quote a secret (from the task, a tool's output): redact it
    # here, so no caller (batch results, eval logs, chat history) can write it anywhere.
    return RunResult.model_validate(redact(result.model_dump()))


def _sync(coro: Any) -> RunResult:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        result: RunResult = asyncio.run(coro)
        return result
    coro.close()
    raise UserError(
        "Team.run() was called inside a running event loop", hint="use 'await team.arun(...)'"
    )


async def _invoke(
    graph: Any,
    graph_input: dict[str, Any] | None,
    config: dict[str, Any],
    ctx: Any,
    approve: ApprovalCallback | None,
) -> None:
    """Run the graph; answer each approval it pauses on and carry on, until it ends.

    A run resumed from a checkpoint may be paused on approvals already: they are asked again.
    """
    from langgraph.types import Command

    from agentcore.approvals import ApprovalRequest, check_decision

    pending = (await graph.aget_state(config)).interrupts if graph_input is None else ()
    if pending:
        # Paused on approvals: its steps go through their approvals again in order (the answers
        # are matched to interrupts by position), whoever answers now.
        ctx.ask_approvals = True
    else:
        out = await graph.ainvoke(graph_input, config, context=ctx, durability="sync")
        pending = out.get("__interrupt__", ()) if isinstance(out, dict) else ()
    while pending:
        answers: dict[str, dict[str, str]] = {}
        for item in pending:
            request = ApprovalRequest.from_json(item.value["approval"])
            ctx.emit(
                RunEvent(
                    kind="approval_request",
                    agent=request.agent,
                    step=request.step,
                    data={"request": request},
                )
            )
            if approve is None:
                decision: str = ctx.settings.approvals.unattended
            else:
                answer = approve(request)
                decision = check_decision(await answer if inspect.isawaitable(answer) else answer)
            answers[item.id] = {"decision": decision, "by": "person" if approve else "policy"}
        out = await graph.ainvoke(Command(resume=answers), config, context=ctx, durability="sync")
        pending = out.get("__interrupt__", ()) if isinstance(out, dict) else ()


def _turns(conversation: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    turns = []
    for i, turn in enumerate(conversation):
        pair = isinstance(turn, tuple | list) and len(turn) == 2
        if not (pair and all(isinstance(t, str) for t in turn)):
            raise UserError(
                f"conversation turn {i} is not a (task, answer) pair of strings: {turn!r}"
            )
        turns.append({"task": turn[0], "answer": turn[1]})
    return turns

"""Run one batch task through the team: the same code in-process and on a Ray worker."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentcore.batch._output import TaskResult
from agentcore.batch._plan import TaskJob
from agentcore.errors import UserError

if TYPE_CHECKING:
    from agentcore.api import RunResult, Team
    from agentcore.events import RunEvent


def team_for(team: Team, agents: Collection[str] | None) -> Team:
    """The team with only the planner and ``agents`` (all of it when ``agents`` is None).

    The planner is shown only these agents and a plan naming any other is refused, so the
    task's runs use no other agent.
    """
    if agents is None:
        return team
    from agentcore.api import Team

    keep = {
        name: spec for name, spec in team.agents.items() if spec.role == "planner" or name in agents
    }
    return Team(settings=team.settings, registry=team.registry, agents=keep)


def keeping_runs(team: Team, count: int) -> Team:
    """The team with room for ``count`` more checkpointed runs before old ones are pruned.

    Every run prunes all but the newest ``keep_runs`` runs as it ends; a batch larger than
    that would delete its own earlier runs (and their traces), even while they run. The next
    ordinary run prunes back to the configured number.
    """
    from agentcore.api import Team

    settings = team.settings.model_copy(update={"keep_runs": team.settings.keep_runs + count})
    return Team(settings=settings, registry=team.registry, agents=team.agents)


async def execute_job(team: Team, job: TaskJob) -> TaskResult:
    """Run (or carry on) one task and describe how it ended; never raises but cancellation.

    A task that cannot start (its files cannot be copied, the run refuses its input) or whose
    run raises is a ``failed`` result with the error; the batch goes on.
    """
    started_at, started = time.time(), time.monotonic()
    approvals: list[dict[str, Any]] = []

    def on_event(event: RunEvent) -> None:
        # Nobody is asked in a batch: `[approvals] unattended` decides, and the run says so.
        if event.kind == "approval":
            approvals.append({"agent": event.agent, "step": event.step, **event.data})

    def ended(**fields: Any) -> TaskResult:
        return TaskResult(
            id=job.task.id,
            run_id=job.run_id,
            duration_s=round(time.monotonic() - started, 3),
            started_at=round(started_at, 3),
            finished_at=round(time.time(), 3),
            resumed=job.resume,
            approvals=tuple(approvals),
            metadata=job.task.metadata,
            **fields,
        )

    view = team_for(team, job.task.agents)
    try:
        if job.resume:
            result = await view.aresume(job.run_id, on_event=on_event)
        else:
            if job.files:
                await asyncio.to_thread(copy_files, job.files, job.workspace)
            result = await view.arun(
                job.task.task,
                model=job.task.model or job.model,
                limits=job.task.limits.overrides(),
                run_id=job.run_id,
                workspace=job.workspace,
                on_event=on_event,
            )
    except UserError as exc:
        return ended(status="failed", error=exc.message, model=job.task.model or job.model)
    except Exception as exc:  # a failing task never stops the others
        return ended(
            status="failed", error=f"{type(exc).__name__}: {exc}", model=job.task.model or job.model
        )
    return ended(**_from_run(result))


def _from_run(result: RunResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "answer": result.answer,
        "error": result.error,
        "limit": result.limit,
        "model": result.model,
        "usage": result.usage.model_dump(mode="json"),
        "workspace": result.workspace,
        "artifacts": tuple(result.artifacts),
    }


def copy_files(files: Collection[Path], workspace: Path) -> None:
    """Copy files and folders into ``workspace`` under their own names."""
    workspace.mkdir(parents=True, exist_ok=True)
    for source in files:
        target = workspace / source.name
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)


def interrupted(job: TaskJob, *, started_at: float, duration_s: float) -> TaskResult:
    """The result line of a task the batch stopped while it ran."""
    return TaskResult(
        id=job.task.id,
        run_id=job.run_id,
        status="interrupted",
        error="the batch was stopped while this task ran; --resume carries it on",
        model=job.task.model or job.model,
        duration_s=round(duration_s, 3),
        started_at=round(started_at, 3),
        finished_at=round(time.time(), 3),
        resumed=job.resume,
        metadata=job.task.metadata,
    )


def failed(job: TaskJob, error: str, *, started_at: float, duration_s: float) -> TaskResult:
    """The result line of a task whose executor could not run it."""
    return TaskResult(
        id=job.task.id,
        run_id=job.run_id,
        status="failed",
        error=error,
        model=job.task.model or job.model,
        duration_s=round(duration_s, 3),
        started_at=round(started_at, 3),
        finished_at=round(time.time(), 3),
        resumed=job.resume,
        metadata=job.task.metadata,
    )

"""What a batch invocation will do: which tasks run, which carry on a checkpoint, which are done.

A task's run id is derived from the batch file, the results file and the task id, so the same
batch writing to the same results file always gives a task the same run: ``--resume`` finds
the checkpoint of a run that was interrupted (or killed) and carries it on.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentcore.batch._load import TaskEntry, TaskFile
from agentcore.batch._output import PastResults, read_results
from agentcore.batch._spec import BatchTask
from agentcore.errors import SpecError, UserError

if TYPE_CHECKING:
    from agentcore.api import Team
    from agentcore.config import Settings

_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


def run_id_for(batch_file: Path, out: Path, task_id: str) -> str:
    """The deterministic run id of a task: ``batch-<file>-<task>-<hash>``.

    The hash covers the absolute paths of the batch file and the results file and the exact
    task id; the readable parts are shortened and made safe for file names.
    """
    digest = hashlib.sha256(
        f"{batch_file.absolute()}\n{out.absolute()}\n{task_id}".encode()
    ).hexdigest()[:10]
    return f"batch-{_slug(batch_file.stem, 24)}-{_slug(task_id, 40)}-{digest}"


def _slug(text: str, size: int) -> str:
    return _SLUG.sub("-", text).strip("-.")[:size].strip("-.") or "x"


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskJob:
    """One task to execute in this invocation (picklable: it travels to Ray workers).

    Attributes:
        task: The task.
        line: Its line in the batch file.
        run_id: Its deterministic run id.
        resume: Carry on the run's checkpoint instead of starting it.
        workspace: Where a new run works (``files`` are copied here first).
        files: The task's files, absolute.
        model: The batch's default model (``--model``); the task's own ``model`` wins.
    """

    task: BatchTask
    line: int
    run_id: str
    resume: bool
    workspace: Path
    files: tuple[Path, ...] = ()
    model: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class BatchPlan:
    """What one ``agentcore batch`` invocation does.

    Attributes:
        file: The validated batch file.
        out: The results file.
        jobs: Tasks to execute, in file order.
        done: Tasks a previous invocation finished: their last result line, by id.
        past: What the results file held before this invocation.
        stale: Checkpointed runs this invocation starts afresh (a batch started again after
            its results were removed, or runs killed before their first step): their
            checkpoints and traces are deleted first so that the runs start clean.
    """

    file: TaskFile
    out: Path
    jobs: tuple[TaskJob, ...]
    done: dict[str, dict[str, Any]]
    past: PastResults
    stale: tuple[str, ...] = ()


async def plan_batch(
    file: TaskFile,
    out: Path,
    settings: Settings,
    *,
    resume: bool,
    model: str | None = None,
) -> BatchPlan:
    """Decide what to run, and refuse a results file that is not ours, before anything runs.

    Raises:
        UserError: ``out`` is not a results file; or it holds results and ``resume`` is off.
    """
    out, past = _results_file(out)
    if past.lines and not resume:
        raise UserError(
            f"{out} already holds {past.lines} result(s)",
            hint="pass --resume to carry that batch on, or give another --out",
        )
    known = {entry.task.id for entry in file.entries}
    done = {k: v for k, v in past.done().items() if k in known}
    todo = [entry for entry in file.entries if entry.task.id not in done]
    run_ids = {entry.task.id: run_id_for(file.path, out, entry.task.id) for entry in todo}
    found = await checkpointed_runs(settings, run_ids.values())
    resumable = found.resumable if resume else frozenset()
    jobs = tuple(
        _job(entry, run_ids[entry.task.id], settings, model, run_ids[entry.task.id] in resumable)
        for entry in todo
    )
    stale = tuple(sorted(found.present - resumable))
    return BatchPlan(file=file, out=out, jobs=jobs, done=done, past=past, stale=stale)


def _results_file(out: Path) -> tuple[Path, PastResults]:
    out = out.absolute()
    return out, read_results(out)


def _job(
    entry: TaskEntry, run_id: str, settings: Settings, model: str | None, resume: bool
) -> TaskJob:
    return TaskJob(
        task=entry.task,
        line=entry.line,
        run_id=run_id,
        resume=resume,
        workspace=settings.workspaces_dir / run_id,
        files=entry.files,
        model=model,
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class Checkpoints:
    """Which runs have checkpoints.

    Attributes:
        present: Runs with any checkpoint.
        resumable: Runs past their first step. A run killed within moments of starting has
            only its input checkpoint, which ``Team.aresume`` cannot carry on: it is started
            again instead.
    """

    present: frozenset[str] = frozenset()
    resumable: frozenset[str] = frozenset()


async def checkpointed_runs(settings: Settings, run_ids: Collection[str]) -> Checkpoints:
    """Which of ``run_ids`` have checkpoints in the data dir, and which can be carried on."""
    if not run_ids or not settings.checkpoint_path.exists():
        return Checkpoints()
    from agentcore.graph._checkpoints import list_runs, open_checkpointer

    async with open_checkpointer(settings.checkpoint_path) as saver:
        present = set(await list_runs(saver)) & set(run_ids)
        resumable = set()
        for run_id in present:
            last = await saver.aget_tuple({"configurable": {"thread_id": run_id}})
            if last is not None and int(last.metadata.get("step", -1)) >= 0:
                resumable.add(run_id)
    return Checkpoints(present=frozenset(present), resumable=frozenset(resumable))


async def prepare_checkpoints(settings: Settings, stale: Collection[str] = ()) -> None:
    """Create the checkpoint database before runs start, and delete ``stale`` runs.

    Runs that start together on a new database race to set it up (switching it to WAL mode
    does not wait for a lock) and all but one fail with "database is locked"; set up once
    here, they find it ready. ``stale`` runs lose their checkpoints and traces, so that
    they start clean.
    """
    from agentcore.graph._checkpoints import open_checkpointer

    async with open_checkpointer(settings.checkpoint_path) as saver:
        for run_id in stale:
            await saver.adelete_thread(run_id)
            (settings.runs_dir / f"{run_id}.jsonl").unlink(missing_ok=True)


def check_tasks(file: TaskFile, team: Team, model: str | None) -> None:
    """Check what the file asks of the team: known agents, models that can be built.

    Raises:
        SpecError: A task names an agent the team does not have, or a model that cannot be
            used (unknown provider, missing key); the error names the task's line.
        UserError: No task names a model and none is configured.
    """
    from agentcore.models import choose_model

    workers = sorted(name for name, spec in team.agents.items() if spec.role != "planner")
    for entry in file.entries:
        for index, name in enumerate(entry.task.agents or ()):
            if name not in team.agents:
                raise SpecError(
                    f"unknown agent '{name}' in task '{entry.task.id}'",
                    path=file.label,
                    line=entry.line,
                    field=f"agents[{index}]",
                    hint=f"the team's agents: {', '.join(workers)} (agentcore agents list)",
                )
    first_use: dict[str, TaskEntry | None] = {}
    for entry in file.entries:
        spec = choose_model(entry.task.model or model, team.settings, os.environ)
        first_use.setdefault(spec, entry if entry.task.model else None)
    for spec, user in first_use.items():
        try:
            _check_model(team, spec)
        except UserError as exc:
            if user is None:
                raise
            raise SpecError(
                f"{exc.message} (task '{user.task.id}')",
                path=file.label,
                line=user.line,
                field="model",
                hint=exc.hint,
            ) from None


def _check_model(team: Team, spec: str) -> None:
    """Build every model a run on ``spec`` uses, as ``Team.arun`` does before it starts."""
    from agentcore.models import ModelClient

    for each in {spec, *(a.model for a in team.agents.values() if a.model)}:
        ModelClient.from_specs(
            each,
            fallbacks=team.settings.fallback_models,
            settings=team.settings,
            registry=team.registry,
        )

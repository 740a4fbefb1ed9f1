"""Batch runs: many tasks from a YAML or JSONL file, a bounded number at a time.

A batch file lists tasks (``id``, ``task``, and optional ``model``, ``limits``, ``agents``,
``files``, ``metadata``); :func:`load_task_file` checks all of it before anything runs.
:func:`plan_batch` decides what to run against the results file (with ``resume``: skip
finished tasks, carry on interrupted runs from their checkpoints), and :class:`BatchRunner`
runs the plan on an executor — in this process (:class:`LocalExecutor`) or on a Ray cluster
(:class:`RayExecutor`) — writing one JSON line per task as it ends.

Example:
    ```python
    from agentcore import Team
    from agentcore.batch import run_batch

    summary = await run_batch(Team.load(), "tasks.yaml", out="results.jsonl", concurrency=8)
    print(summary.counts)
    ```
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from agentcore.batch._execute import keeping_runs
from agentcore.batch._executor import LocalExecutor, TaskExecutor
from agentcore.batch._load import TaskEntry, TaskFile, load_task_file
from agentcore.batch._output import FINAL_STATUSES, PastResults, TaskResult, read_results
from agentcore.batch._plan import (
    BatchPlan,
    TaskJob,
    check_tasks,
    plan_batch,
    run_id_for,
)
from agentcore.batch._ray import RayExecutor
from agentcore.batch._runner import BatchObserver, BatchRunner, BatchSummary
from agentcore.batch._spec import BatchTask, TaskLimits, batch_json_schema, batch_json_schema_text

if TYPE_CHECKING:
    from agentcore.api import Team

__all__ = [
    "FINAL_STATUSES",
    "BatchObserver",
    "BatchPlan",
    "BatchRunner",
    "BatchSummary",
    "BatchTask",
    "LocalExecutor",
    "PastResults",
    "RayExecutor",
    "TaskEntry",
    "TaskExecutor",
    "TaskFile",
    "TaskJob",
    "TaskLimits",
    "TaskResult",
    "batch_json_schema",
    "batch_json_schema_text",
    "check_tasks",
    "keeping_runs",
    "load_task_file",
    "plan_batch",
    "read_results",
    "run_batch",
    "run_id_for",
]


async def run_batch(
    team: Team,
    path: str | Path,
    *,
    out: str | Path,
    concurrency: int = 4,
    resume: bool = False,
    model: str | None = None,
    executor: TaskExecutor | None = None,
    observer: BatchObserver | None = None,
) -> BatchSummary:
    """Run a batch file through ``team``; the Python side of ``agentcore batch``.

    Args:
        team: The team (its settings give the default limits and the data dir). The batch
            keeps all its runs' checkpoints: see :func:`keeping_runs`.
        path: The batch file (YAML or JSONL).
        out: The results file (JSONL), one line per task as it ends.
        concurrency: Tasks in flight at most.
        resume: Skip tasks ``out`` already has a final result for; carry on interrupted runs.
        model: Model for tasks that do not name one (default: the configured model).
        executor: Where tasks run (default: this process). Give a :class:`RayExecutor` the
            team's settings.
        observer: Told about each task as it starts and ends.

    Returns:
        How the batch went; every task's result is in ``out``.

    Raises:
        UserError: The file is malformed, names unknown agents or unusable models, or ``out``
            is not a results file (or holds results and ``resume`` is off).
    """
    file = load_task_file(path)
    team = keeping_runs(team, len(file.entries))
    check_tasks(file, team, model)
    plan = await plan_batch(file, Path(out), team.settings, resume=resume, model=model)
    runner = BatchRunner(
        plan,
        executor or LocalExecutor(team),
        settings=team.settings,
        concurrency=concurrency,
        observer=observer,
    )
    return await runner.run()

"""``agentcore batch``: run a file of tasks, a bounded number at a time, results as JSONL."""

from __future__ import annotations

import asyncio
import signal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentcore.cli._common import cli_settings, limit_overrides, print_json, stdout_console
from agentcore.errors import UserError

if TYPE_CHECKING:
    from rich.console import Console

    from agentcore.api import Team
    from agentcore.batch import BatchPlan, BatchSummary, TaskExecutor, TaskFile

_MAX_PROBLEMS = 20
_MAX_ERROR = 120


class Executor(StrEnum):
    local = "local"
    ray = "ray"


def batch_command(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(
            metavar="FILE",
            help="Tasks: .yaml/.yml/.json (a list, or under `tasks:`) or .jsonl (one a line).",
            show_default=False,
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, help="Tasks running at once.")
    ] = 4,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Results file, one JSON line per task "
            "(default: FILE's name + .results.jsonl, here).",
            dir_okay=False,
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Skip tasks --out already has a result for; carry on interrupted runs "
            "from their checkpoints.",
        ),
    ] = False,
    executor: Annotated[
        Executor, typer.Option(help="Where tasks run: this process, or a Ray cluster.")
    ] = Executor.local,
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="Ray cluster for --executor ray (auto, ray://HOST:10001, ...); "
            "default: a local instance."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Model for tasks that name none, as provider:name."),
    ] = None,
    max_steps: Annotated[int | None, typer.Option(help="Plan steps, per task.")] = None,
    max_tool_calls: Annotated[int | None, typer.Option(help="Tool calls, per task.")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Tokens, per task.")] = None,
    max_cost_usd: Annotated[
        float | None, typer.Option(help="Estimated spend in USD, per task.")
    ] = None,
    timeout_s: Annotated[float | None, typer.Option(help="Wall-clock seconds, per task.")] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check everything and say what would run; run nothing."),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="No progress bar; print one JSON summary at the end.")
    ] = False,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the JSON schema of a task and exit.")
    ] = False,
) -> None:
    """Run a file of tasks (YAML or JSONL) through the team, several at a time.

    Each task's result is written to --out as one JSON line as soon as it ends. A failing task
    does not stop the others. Ctrl-C stops cleanly: running tasks are interrupted (their runs
    keep their checkpoints) and --resume carries the batch on. Per-task `model` and `limits`
    override --model and the --max-* flags, which override the configuration. Exit code 0
    when every task completed, 1 when any failed or reached a limit, 2 for bad input, 130
    when stopped.
    """
    if schema:
        from agentcore.batch import batch_json_schema_text

        typer.echo(batch_json_schema_text(), nl=False)
        raise typer.Exit(0)
    if file is None:
        raise UserError(
            "no batch file given",
            hint="agentcore batch tasks.yaml (see the format: agentcore batch --schema)",
        )
    if ray_address is not None and executor is not Executor.ray:
        raise UserError("--ray-address is for --executor ray", hint="add --executor ray")
    limits = limit_overrides(
        max_steps=max_steps,
        max_tool_calls=max_tool_calls,
        max_tokens=max_tokens,
        max_cost_usd=max_cost_usd,
        timeout_s=timeout_s,
    )
    overrides: dict[str, Any] = {"limits": limits}
    if model is not None:
        if not model.strip():
            raise UserError("--model is empty", hint="pass provider:name, e.g. openai:gpt-4o-mini")
        overrides["model"] = model.strip()

    from agentcore.batch import check_tasks, load_task_file

    tasks = load_task_file(file)  # the file's own errors first: they need no plugins
    settings = cli_settings(ctx, overrides)

    from agentcore.api import Team
    from agentcore.batch import keeping_runs

    team = keeping_runs(Team.load(settings=settings), len(tasks.entries))
    check_tasks(tasks, team, None)
    results = out if out is not None else Path.cwd() / f"{tasks.path.stem}.results.jsonl"
    code = asyncio.run(
        _batch(
            team,
            tasks,
            results,
            resume=resume,
            executor=_executor(executor, team, ray_address),
            concurrency=concurrency,
            dry_run=dry_run,
            as_json=as_json,
        )
    )
    raise typer.Exit(code)


def _executor(kind: Executor, team: Team, address: str | None) -> TaskExecutor:
    from agentcore.batch import LocalExecutor, RayExecutor

    if kind is Executor.ray:
        from agentcore.batch._ray import import_ray

        import_ray()  # a missing extra is bad input: say so before anything runs
        return RayExecutor(team.settings, address=address)
    return LocalExecutor(team)


async def _batch(
    team: Team,
    tasks: TaskFile,
    out: Path,
    *,
    resume: bool,
    executor: TaskExecutor,
    concurrency: int,
    dry_run: bool,
    as_json: bool,
) -> int:
    from agentcore.batch import BatchRunner, plan_batch

    plan = await plan_batch(tasks, out, team.settings, resume=resume)
    if dry_run:
        _show_plan(plan, as_json=as_json)
        return 0
    progress = _progress(plan, as_json=as_json)
    runner = BatchRunner(
        plan, executor, settings=team.settings, concurrency=concurrency, observer=progress
    )
    with _stop_on_signals(runner.stop), progress or _nothing():
        summary = await runner.run()
    if as_json:
        print_json(summary.to_json())
    else:
        _show_summary(summary, stdout_console())
    return summary.exit_code


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


class _stop_on_signals:
    """Ctrl-C (or SIGTERM) calls ``stop`` once; a second Ctrl-C interrupts at once."""

    def __init__(self, stop: Any) -> None:
        self.stop = stop
        self.loop = asyncio.get_running_loop()
        self.installed: list[signal.Signals] = []

    def _on_signal(self) -> None:
        self.stop()
        if signal.SIGINT in self.installed:  # the next Ctrl-C: KeyboardInterrupt, at once
            self.loop.remove_signal_handler(signal.SIGINT)
            self.installed.remove(signal.SIGINT)

    def __enter__(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self.loop.add_signal_handler(sig, self._on_signal)
            except (NotImplementedError, RuntimeError, ValueError):  # Windows, not main thread
                continue
            self.installed.append(sig)

    def __exit__(self, *exc: object) -> None:
        for sig in self.installed:
            self.loop.remove_signal_handler(sig)


def _progress(plan: BatchPlan, *, as_json: bool) -> Any:
    if as_json:
        return None
    from rich.console import Console

    from agentcore.batch._progress import ProgressDisplay

    console = Console(stderr=True, highlight=False)
    if not console.is_terminal:
        return None
    return ProgressDisplay(console, total=len(plan.file.entries), done=len(plan.done))


def _show_plan(plan: BatchPlan, *, as_json: bool) -> None:
    fresh = [job.task.id for job in plan.jobs if not job.resume]
    carried = [job.task.id for job in plan.jobs if job.resume]
    if as_json:
        print_json(
            {
                "file": str(plan.file.path),
                "out": str(plan.out),
                "total": len(plan.file.entries),
                "run": fresh,
                "resume": carried,
                "done": sorted(plan.done),
            }
        )
        return
    console = stdout_console()
    console.print(
        f"{plan.file.path.name}: {len(plan.file.entries)} task(s) are valid; results go to "
        f"{plan.out}"
    )
    console.print(
        f"would run {len(fresh)}, carry on {len(carried)} from checkpoints, "
        f"skip {len(plan.done)} already done"
    )


def _show_summary(summary: BatchSummary, console: Console) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"batch {escape(summary.file.name)}", title_justify="left")
    table.add_column("status")
    table.add_column("tasks", justify="right")
    order = ("completed", "limit_reached", "failed", "interrupted", "cancelled", "not_started")
    for status in order:
        if summary.counts.get(status):
            table.add_row(status, str(summary.counts[status]))
    table.add_row("[bold]total[/]", f"[bold]{summary.total}[/]")
    console.print(table)
    console.print(
        f"this time: {summary.ran} ran ({summary.resumed} carried on from checkpoints), "
        f"{summary.skipped} skipped as done before; ${summary.cost_usd:.4f}; "
        f"{summary.duration_s:.1f}s ({summary.executor})"
    )
    if summary.problems:
        problems = Table(title="failed or stopped at a limit", title_justify="left")
        for column in ("id", "status", "run id", "error"):
            problems.add_column(column, overflow="fold")
        for result in summary.problems[:_MAX_PROBLEMS]:
            error = (result.error or f"limit {result.limit}").replace("\n", " ")
            if len(error) > _MAX_ERROR:
                error = error[: _MAX_ERROR - 1] + "…"
            problems.add_row(escape(result.id), result.status, result.run_id, escape(error))
        console.print(problems)
        if len(summary.problems) > _MAX_PROBLEMS:
            console.print(f"… and {len(summary.problems) - _MAX_PROBLEMS} more in the results")
    console.print(f"results: {summary.out}")
    if summary.stopped:
        interrupted = summary.counts.get("interrupted", 0)
        waiting = summary.counts.get("not_started", 0)
        console.print(
            f"[yellow]stopped:[/] {interrupted} interrupted, {waiting} not started; carry on "
            f"with: agentcore batch {escape(str(summary.file))} --out {escape(str(summary.out))} "
            "--resume"
        )

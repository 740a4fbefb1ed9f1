"""Run a batch: a bounded pool of asyncio workers, results on disk as they come, clean stops.

``concurrency`` workers take tasks in file order; each finished task's result line is written
(and fsynced) before the worker takes the next. :meth:`BatchRunner.stop` (the CLI calls it on
Ctrl-C) starts no more tasks and cancels the running ones: their runs keep their checkpoints,
each gets an ``interrupted`` line, and ``--resume`` carries them on.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from agentcore.batch._execute import failed, interrupted
from agentcore.batch._executor import TaskExecutor
from agentcore.batch._output import FINAL_STATUSES, ResultWriter, TaskResult
from agentcore.batch._plan import BatchPlan, TaskJob
from agentcore.errors import UserError

if TYPE_CHECKING:
    from agentcore.config import Settings

CANCELLED_EXIT = 130
_PROBLEMS = FINAL_STATUSES - {"completed"}


class BatchObserver(Protocol):
    """Told what happens, e.g. to draw a progress bar. Called on the event loop's thread."""

    def started(self, job: TaskJob) -> None:
        """A task started."""

    def finished(self, result: TaskResult) -> None:
        """A task ended (its line is being written)."""

    def stopping(self, running: int) -> None:
        """The batch was told to stop; ``running`` tasks are being cancelled."""


@dataclass(frozen=True, kw_only=True, slots=True)
class BatchSummary:
    """How a batch invocation ended.

    Attributes:
        file: The batch file.
        out: The results file.
        executor: ``local`` or ``ray``.
        total: Tasks in the batch file.
        counts: Tasks by their latest status over the whole batch (earlier invocations
            included), plus ``not_started`` for tasks a stopped batch never began.
        skipped: Tasks an earlier invocation finished (not run again).
        ran: Tasks this invocation ran (or carried on).
        resumed: Of those, how many carried on a checkpoint.
        stopped: Whether the batch was stopped (Ctrl-C).
        cost_usd: Estimated cost of this invocation's runs.
        duration_s: Wall time of this invocation.
        problems: This invocation's results that failed or reached a limit, in file order.
    """

    file: Path
    out: Path
    executor: str
    total: int
    counts: dict[str, int]
    skipped: int
    ran: int
    resumed: int
    stopped: bool
    cost_usd: float
    duration_s: float
    problems: tuple[TaskResult, ...] = ()

    @property
    def exit_code(self) -> int:
        """130 when stopped; 0 when every task completed; 1 otherwise."""
        if self.stopped:
            return CANCELLED_EXIT
        return 0 if self.counts.get("completed", 0) == self.total else 1

    def to_json(self) -> dict[str, Any]:
        """The object ``agentcore batch --json`` prints."""
        return {
            "file": str(self.file),
            "out": str(self.out),
            "executor": self.executor,
            "status": "stopped" if self.stopped else "finished",
            "total": self.total,
            "counts": self.counts,
            "skipped": self.skipped,
            "ran": self.ran,
            "resumed": self.resumed,
            "cost_usd": round(self.cost_usd, 6),
            "duration_s": round(self.duration_s, 3),
            "problems": [
                {"id": r.id, "run_id": r.run_id, "status": r.status, "error": r.error}
                for r in self.problems
            ],
            "exit_code": self.exit_code,
        }


@dataclass(kw_only=True, slots=True)
class _Progress:
    results: dict[str, TaskResult] = field(default_factory=dict)
    running: int = 0


class BatchRunner:
    """Runs a :class:`BatchPlan` on an executor with at most ``concurrency`` tasks at once.

    Args:
        plan: What to run (:func:`plan_batch`).
        executor: Where tasks run (:class:`LocalExecutor`, :class:`RayExecutor`).
        settings: The settings the runs use (where their checkpoints are).
        concurrency: Tasks in flight at most.
        observer: Told about each task as it starts and ends.
    """

    def __init__(
        self,
        plan: BatchPlan,
        executor: TaskExecutor,
        *,
        settings: Settings,
        concurrency: int,
        observer: BatchObserver | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.plan = plan
        self.settings = settings
        self.executor = executor
        self.concurrency = concurrency
        self.observer = observer
        self._state = _Progress()
        self._stopping = False
        self._workers: list[asyncio.Task[None]] = []
        self._write_error: OSError | None = None

    def stop(self) -> None:
        """Start no more tasks and cancel the running ones (call it on the loop's thread)."""
        if self._stopping:
            return
        self._stopping = True
        if self.observer is not None:
            self.observer.stopping(self._state.running)
        for worker in self._workers:
            worker.cancel()

    async def run(self) -> BatchSummary:
        """Run the plan; return the summary (also when stopped)."""
        from agentcore.batch._plan import prepare_checkpoints

        started = time.monotonic()
        plan = self.plan
        pending = deque(plan.jobs)
        writer = ResultWriter(plan.out, cut_at=plan.past.cut_at)
        # One thread writes (and fsyncs) the lines, in order, off the event loop.
        io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agentcore-batch-out")
        try:
            if plan.jobs:
                await prepare_checkpoints(self.settings, plan.stale)
            async with self.executor:
                self._workers = [
                    asyncio.create_task(self._work(pending, writer, io))
                    for _ in range(min(self.concurrency, len(pending)))
                ]
                if self._stopping:  # stopped before the workers existed
                    for worker in self._workers:
                        worker.cancel()
                ended = await asyncio.gather(*self._workers, return_exceptions=True)
        finally:
            io.shutdown(wait=True)
            writer.close()
        if self._write_error is not None:
            raise UserError(
                f"cannot write to {plan.out}: {self._write_error}; the batch stopped",
                hint="make room or fix the permissions, then carry on with --resume",
            ) from self._write_error
        for outcome in ended:
            if isinstance(outcome, Exception):
                raise outcome  # a bug: after every other task had its say
        return self._summary(time.monotonic() - started, not_started=len(pending))

    async def _write(
        self, io: ThreadPoolExecutor, writer: ResultWriter, result: TaskResult
    ) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(io, writer.write, result)
        except OSError as exc:  # the results can no longer be kept: stop, do not lose more
            self._write_error = self._write_error or exc
            self.stop()

    async def _work(
        self, pending: deque[TaskJob], writer: ResultWriter, io: ThreadPoolExecutor
    ) -> None:
        state = self._state
        while pending and not self._stopping:
            job = pending.popleft()
            state.running += 1
            if self.observer is not None:
                self.observer.started(job)
            started_at, started = time.time(), time.monotonic()
            try:
                result = await self.executor.run(job)
            except asyncio.CancelledError:
                result = interrupted(
                    job, started_at=started_at, duration_s=time.monotonic() - started
                )
                self._finish(result)
                await self._write(io, writer, result)
                raise
            except Exception as exc:  # an executor bug: the task fails, the batch goes on
                result = failed(
                    job,
                    f"{type(exc).__name__}: {exc}",
                    started_at=started_at,
                    duration_s=time.monotonic() - started,
                )
            self._finish(result)
            await self._write(io, writer, result)

    def _finish(self, result: TaskResult) -> None:
        self._state.running -= 1
        self._state.results[result.id] = result
        if self.observer is not None:
            self.observer.finished(result)

    def _summary(self, duration: float, *, not_started: int) -> BatchSummary:
        plan = self.plan
        results = self._state.results
        latest = {k: str(v["status"]) for k, v in plan.done.items()}
        latest.update({k: r.status for k, r in results.items()})
        counts = Counter(latest.values())
        if not_started:
            counts["not_started"] = not_started
        order = {entry.task.id: i for i, entry in enumerate(plan.file.entries)}
        problems = sorted(
            (r for r in results.values() if r.status in _PROBLEMS), key=lambda r: order[r.id]
        )
        return BatchSummary(
            file=plan.file.path,
            out=plan.out,
            executor=self.executor.name,
            total=len(plan.file.entries),
            counts=dict(counts),
            skipped=len(plan.done),
            ran=len(results),
            resumed=sum(r.resumed for r in results.values()),
            stopped=self._stopping,
            cost_usd=sum(r.cost_usd for r in results.values()),
            duration_s=duration,
            problems=tuple(problems),
        )

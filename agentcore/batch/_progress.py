"""The live progress bar of a batch on a terminal: done, failed, running, cost so far, ETA."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from agentcore._progress import ProgressBar
from agentcore.batch._output import TaskResult
from agentcore.batch._plan import TaskJob

if TYPE_CHECKING:
    from rich.console import Console


class ProgressDisplay:
    """A :class:`BatchObserver` that draws a rich progress bar (use it as a context manager).

    Tasks that do not complete are printed above the bar as they end.

    Args:
        console: Where to draw (a terminal).
        total: Tasks in the batch.
        done: Tasks an earlier invocation finished (the bar starts there).
    """

    def __init__(self, console: Console, *, total: int, done: int = 0) -> None:
        self.console = console
        self.failed = 0
        self.running = 0
        self.cost_usd = 0.0
        self._bar = ProgressBar(
            console, label="batch", total=total, done=done, status=self._status()
        )

    def __enter__(self) -> ProgressDisplay:
        self._bar.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bar.__exit__(exc_type, exc, tb)

    def _status(self) -> str:
        failed = f"[red]{self.failed} failed[/]" if self.failed else "0 failed"
        return f"{failed} · {self.running} running · ${self.cost_usd:.4f}"

    def started(self, job: TaskJob) -> None:
        """Count a running task."""
        self.running += 1
        self._bar.update(self._status())

    def finished(self, result: TaskResult) -> None:
        """Advance the bar; print a task that did not complete."""
        self.running -= 1
        self.cost_usd += result.cost_usd
        if result.status == "interrupted":
            self._bar.update(self._status())
            return
        if result.status != "completed":
            self.failed += 1
            self._bar.problem(result.id, result.status, result.error)
        self._bar.update(self._status(), advance=1)

    def stopping(self, running: int) -> None:
        """Say that the batch is stopping."""
        self._bar.note(
            f"[yellow]stopping:[/] cancelling {running} running task(s); their runs keep "
            "their checkpoints (Ctrl-C again to force)"
        )

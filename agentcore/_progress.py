"""A live progress bar on a terminal (batch, eval): done of total, a status, ETA; problems above."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

MAX_WHY = 160


class ProgressBar:
    """A rich progress bar of ``total`` items (use it as a context manager).

    Args:
        console: Where to draw (a terminal).
        label: The bar's name, e.g. ``batch``.
        total: Items in all.
        done: Items an earlier invocation finished (the bar starts there).
        status: The status text shown after the count.
    """

    def __init__(self, console: Console, *, label: str, total: int, done: int, status: str):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress: Progress = Progress(
            SpinnerColumn(),
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task: TaskID = self._progress.add_task(
            label, total=total, completed=done, status=status
        )

    def __enter__(self) -> ProgressBar:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(self, status: str, *, advance: int = 0) -> None:
        """Show a new status, and count ``advance`` more items done."""
        self._progress.update(self._task, advance=advance, status=status)

    def note(self, markup: str) -> None:
        """Print a line (rich markup) above the bar."""
        self._progress.console.print(markup)

    def problem(self, name: str, what: str, why: str | None) -> None:
        """Print ``✗ name: what — why`` above the bar (``why`` on one line, shortened)."""
        from rich.markup import escape

        from agentcore.cli._render import shorten

        text = shorten(why or "", MAX_WHY)
        self.note(f"[red]✗[/] {escape(name)}: {what}" + (f" — {escape(text)}" if text else ""))

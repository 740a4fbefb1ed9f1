"""Where batch tasks run: the ``TaskExecutor`` protocol and the in-process executor."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from agentcore.batch._execute import execute_job
from agentcore.batch._output import TaskResult
from agentcore.batch._plan import TaskJob

if TYPE_CHECKING:
    from agentcore.api import Team


class TaskExecutor(Protocol):
    """Runs batch tasks; the batch bounds how many are in flight at once.

    Used as an async context manager around the whole batch (to start and stop a cluster
    connection, say). :meth:`run` returns the task's result, also for a failed task; it
    raises only ``asyncio.CancelledError`` when the batch is stopped, after making the task
    stop (its run keeps its checkpoint).
    """

    name: str

    async def __aenter__(self) -> TaskExecutor: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def run(self, job: TaskJob) -> TaskResult:
        """Run one task to its end."""
        ...


class LocalExecutor:
    """Runs every task in this process, as an asyncio task over ``Team.arun``."""

    name = "local"

    def __init__(self, team: Team) -> None:
        self.team = team

    async def __aenter__(self) -> LocalExecutor:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def run(self, job: TaskJob) -> TaskResult:
        """Run one task in this process."""
        return await execute_job(self.team, job)

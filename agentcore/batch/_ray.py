"""``--executor ray``: each task runs as a Ray remote task, on a local or remote cluster.

Ray is an optional extra (``pip install 'agentcore[ray]'``) and is imported only here, when
this executor starts. A worker builds the team once per process from the driver's settings
and runs the task with the same code as the local executor; results come back to the driver,
which writes the results file. Checkpoints, traces and workspaces go to the settings' data
dir: on a cluster of several machines, point ``data_dir`` at storage they share.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import socket
import time
from collections.abc import Awaitable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from agentcore.batch._execute import execute_job, failed
from agentcore.batch._output import TaskResult
from agentcore.batch._plan import TaskJob
from agentcore.errors import MissingDependencyError, UserError

if TYPE_CHECKING:
    from agentcore.api import Team
    from agentcore.config import Settings

INSTALL = "pip install 'agentcore[ray]'"
_STOP_WAIT_S = 10.0
_TICK_S = 0.2
_TEAMS: dict[str, Team] = {}  # per worker process, by settings


def import_ray() -> Any:
    """Import Ray, or say how to install it.

    Ray's ``uv run`` integration is switched off (unless you set it): launched under
    ``uv run``, Ray would package the working directory and start every worker with the
    ``uv`` the driver was started with, a path that does not exist on the workers (``make
    test`` runs ``.tools/bin/uv``). Workers use the driver's interpreter instead; on a remote
    cluster, give the workers an environment with agentcore installed.
    """
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")  # read when ray is imported
    try:
        import ray
    except ImportError:
        raise MissingDependencyError("ray", "ray", install=INSTALL) from None
    return ray


class RayExecutor:
    """Runs each task as a Ray task.

    Connects to ``address`` (``auto``, ``ray://host:10001``, ...) or, when it is None and Ray
    is not initialised yet, starts a local Ray instance for the batch and stops it after. An
    already initialised Ray (``ray.init()`` in your program) is used as it is.

    Args:
        settings: The settings the workers build the team from.
        address: The cluster to connect to; None for a local instance.
        cpus_per_task: Ray CPUs each task reserves (tasks mostly wait on model calls, so a
            fraction lets a node run more of them).
    """

    name = "ray"

    def __init__(
        self, settings: Settings, *, address: str | None = None, cpus_per_task: float = 1.0
    ) -> None:
        self.settings = settings
        self.address = address
        self.cpus_per_task = cpus_per_task
        self._ray: Any = None
        self._remote: Any = None
        self._owns = False
        self._settings_json = ""

    async def __aenter__(self) -> RayExecutor:
        ray = import_ray()
        if not ray.is_initialized():
            try:
                ray.init(
                    address=self.address,
                    include_dashboard=False,
                    log_to_driver=False,
                    configure_logging=False,
                )
            except (ConnectionError, ValueError, RuntimeError) as exc:
                where = self.address or "a local instance"
                raise UserError(
                    f"cannot start Ray on {where}: {exc}",
                    hint="check --ray-address (e.g. auto, or ray://HOST:10001) and that the "
                    "cluster is up",
                ) from None
            self._owns = True
        self._ray = ray
        self._remote = ray.remote(num_cpus=self.cpus_per_task, max_retries=0)(run_on_worker)
        self._settings_json = json.dumps(self.settings.model_dump(mode="json"), sort_keys=True)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._owns and self._ray is not None:
            self._ray.shutdown()
            self._owns = False

    async def run(self, job: TaskJob) -> TaskResult:
        """Run one task on the cluster and wait for its result."""
        started_at, started = time.time(), time.monotonic()
        ref = self._remote.remote(self._settings_json, job)
        try:
            result: TaskResult = await ref
        except asyncio.CancelledError:
            await self._stop(ref)
            raise
        except Exception as exc:  # the worker died, or could not build the team
            lines = str(exc).strip().splitlines()
            reason = f"ray: {type(exc).__name__}: {lines[-1] if lines else ''}"
            return failed(job, reason, started_at=started_at, duration_s=time.monotonic() - started)
        return result

    async def _stop(self, ref: Any) -> None:
        """Stop a running task, so that a resume can never overlap it.

        First a KeyboardInterrupt in the task (its run is cancelled and keeps its
        checkpoint); if the worker does not end the task in time, the worker is killed (the
        run keeps the checkpoints it had committed, as after ``kill -9``).
        """
        done = asyncio.wrap_future(ref.future())
        for force in (False, True):
            self._ray.cancel(ref, force=force)
            finished, _ = await asyncio.wait([done], timeout=_STOP_WAIT_S)
            if finished:
                break
        if done.done() and not done.cancelled():
            done.exception()  # retrieved: the TaskCancelledError is expected


def run_on_worker(settings_json: str, job: TaskJob) -> TaskResult:
    """The Ray task: build (once per worker process) the team and run ``job``."""
    team = _TEAMS.get(settings_json)
    if team is None:
        from agentcore.api import Team
        from agentcore.config import Settings

        team = Team.load(settings=Settings.model_validate(json.loads(settings_json)))
        _TEAMS[settings_json] = team
    result = asyncio.run(_awake(execute_job(team, job)))
    return dataclasses.replace(result, worker=f"{socket.gethostname()}:{os.getpid()}")


async def _awake(job: Awaitable[TaskResult]) -> TaskResult:
    """Await ``job`` while waking the loop often.

    ``ray.cancel`` interrupts the worker's main thread the way Ctrl-C would, but without a real
    signal: Python runs the handler (asyncio's, which cancels the run cleanly) only once the
    thread runs code again, and a loop waiting on a long model call would not for a while.
    """

    loop = asyncio.get_running_loop()
    handle: asyncio.TimerHandle | None = None

    def tick() -> None:
        nonlocal handle
        handle = loop.call_later(_TICK_S, tick)

    tick()
    try:
        return await job
    finally:
        if handle is not None:
            handle.cancel()

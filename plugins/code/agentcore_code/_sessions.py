"""One sandbox per run, kept in a process-wide registry so that state survives between calls.

A run's calls are serialized by the run's lock; the sandbox is created on the first call,
kept alive while it is used, stopped after ``idle_minutes`` without a call (by the sandbox's
own deadline, which every call pushes back), and closed by :func:`close_run` at the end of the
run, by :func:`close_all`, or at interpreter exit.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentcore.sandbox import Execution, Sandbox
from agentcore_code._report import Counters

if TYPE_CHECKING:
    from agentcore.config import Settings

#: Seconds added to a call's time limit when pushing the sandbox's deadline back, so that the
#: deadline never fires while code is still within its own limit.
_DEADLINE_MARGIN_S = 60.0
#: A session whose sandbox has ended is forgotten after this long unused (runs that end
#: normally are forgotten at once by ``close_run``).
_FORGET_AFTER_S = 6 * 3600.0

SandboxFactory = Callable[..., Sandbox]


class CallCancelled(Exception):
    """The call was cancelled before its code started; nothing ran."""


@dataclass(kw_only=True, slots=True)
class RunSession:
    """A run's sandbox and what the tool remembers about it between calls.

    Attributes:
        run_id: The run.
        workspace: The run workspace the sandbox sees.
        counters: Numbers for the next saved output and chart.
        last_used: ``time.monotonic()`` of the end of the last call.
        idle_s: How long the sandbox may sit unused before it is stopped.
        busy: Whether a call is running now.
    """

    run_id: str
    workspace: Path
    counters: Counters = field(default_factory=Counters)
    last_used: float = field(default_factory=time.monotonic)
    idle_s: float = 1800.0
    busy: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    sandbox: Sandbox | None = None
    # Why the last sandbox stopped, when we stopped it; told to the model on the next call.
    ended: str | None = None
    closed: bool = False
    # Calls since the sandbox was (re)started: the first one of a new sandbox after others
    # ran is where the model must hear that its variables are gone.
    calls: int = 0
    # Whether the run was asked (ToolContext.defer) to close this session when it ends.
    deferred: bool = False
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        """The run's agentcore settings (for ``[sandbox]``), loaded once per run.

        Raises:
            ConfigError: The configuration is invalid.
        """
        if self._settings is None:
            from agentcore.config import load_settings

            self._settings = load_settings()
        return self._settings

    def kill(self, reason: str) -> None:
        """Stop the sandbox (if any); the next call starts a new one and says ``reason``."""
        sandbox = self.sandbox
        if sandbox is not None and sandbox.is_running():
            self.ended = reason
            sandbox.kill()


class RunSandboxes:
    """The process-wide registry of run sandboxes, keyed by run id.

    Args:
        create: Starts a sandbox; called as ``create(timeout=, workspace=, settings=)``. The
            default, :meth:`Sandbox.create`, picks the backend from ``settings``.
    """

    def __init__(self, create: SandboxFactory | None = None) -> None:
        self.create: SandboxFactory = create or Sandbox.create
        self._sessions: dict[str, RunSession] = {}
        self._lock = threading.Lock()

    def session(
        self, run_id: str, workspace: Path, *, settings: Settings | None = None
    ) -> RunSession:
        """The run's session, made on first use; also stops and forgets stale ones.

        Args:
            run_id: The run.
            workspace: The run's workspace, mounted in the sandbox.
            settings: The run's agentcore settings (loaded from config when ``None``).
        """
        now = time.monotonic()
        with self._lock:
            for other_id, other in list(self._sessions.items()):
                if other_id == run_id or other.busy:
                    continue
                unused = now - other.last_used
                if unused > other.idle_s + _DEADLINE_MARGIN_S:
                    other.kill(_idle_reason(other.idle_s))
                if unused > _FORGET_AFTER_S:
                    del self._sessions[other_id]
            found = self._sessions.get(run_id)
            if found is None or found.workspace != workspace:
                if found is not None:  # the same run id on a new workspace: start afresh
                    found.closed = True
                    found.kill("the run's workspace changed")
                found = RunSession(run_id=run_id, workspace=workspace, _settings=settings)
                self._sessions[run_id] = found
            return found

    def run(
        self,
        session: RunSession,
        code: str,
        *,
        timeout_s: float,
        idle_s: float,
        cancelled: threading.Event,
        on_start: Callable[[], None] = lambda: None,
    ) -> tuple[Execution, list[str]]:
        """Run ``code`` in the run's sandbox, starting one if needed (blocking).

        Args:
            session: From :meth:`session`.
            code: Python code.
            timeout_s: Time limit of this execution.
            idle_s: How long the sandbox may then sit unused before it is stopped.
            cancelled: Set by the caller when it gives up waiting; checked once the run's
                lock is ours, so a cancelled call never starts its code.
            on_start: Called just before the code starts.

        Returns:
            The execution and notes for the model (a new session was started...).

        Raises:
            CallCancelled: ``cancelled`` was set before the code started.
            SandboxError: The sandbox failed as infrastructure.
            UserError: No sandbox backend can run here (``SandboxUnavailableError``), or the
                configured one is unknown.
        """
        with session.lock:
            if session.closed:
                raise CallCancelled("the run's Python session was closed (the run ended)")
            if cancelled.is_set():
                raise CallCancelled("the call was cancelled before its code started")
            session.busy = True
            session.idle_s = idle_s
            lifetime_s = timeout_s + idle_s + _DEADLINE_MARGIN_S
            try:
                notes = self._ensure_sandbox(session, lifetime_s)
                sandbox = session.sandbox
                assert sandbox is not None
                sandbox.set_timeout(lifetime_s)
                on_start()
                execution = sandbox.run_code(code, timeout=timeout_s)
                session.calls += 1
                notes += _pull_workspace(sandbox)
                return execution, notes
            finally:
                session.busy = False
                session.last_used = time.monotonic()
                sandbox = session.sandbox
                if sandbox is not None and sandbox.is_running():
                    sandbox.set_timeout(idle_s)

    def _ensure_sandbox(self, session: RunSession, lifetime_s: float) -> list[str]:
        """Start the run's sandbox unless it is running; say so if one was lost."""
        notes: list[str] = []
        sandbox = session.sandbox
        if sandbox is not None and sandbox.is_running():
            return notes
        if sandbox is not None and session.calls:
            if session.ended:
                why = session.ended
            elif time.monotonic() - session.last_used >= session.idle_s:
                why = _idle_reason(session.idle_s)
            else:
                why = "it stopped"
            notes.append(
                f"[note: the previous Python session ended ({why}); this code ran in a new "
                "one, so variables, imports and functions from earlier calls are gone]"
            )
        session.sandbox = None
        session.calls = 0
        session.ended = None
        session.sandbox = self.create(
            timeout=lifetime_s, workspace=session.workspace, settings=session.settings
        )
        return notes

    def close_run(self, run_id: str) -> bool:
        """Stop the run's sandbox and forget it; returns whether there was one.

        Safe to call at any time, also while a call runs (the call then fails with a
        ``SandboxError`` that the tool reports) and for runs that never ran code.
        """
        with self._lock:
            session = self._sessions.pop(run_id, None)
        if session is None:
            return False
        session.closed = True
        session.kill("the run ended")
        return True

    def close_all(self) -> int:
        """Stop every sandbox; returns how many runs had one."""
        with self._lock:
            run_ids = list(self._sessions)
        return sum(self.close_run(run_id) for run_id in run_ids)

    def run_ids(self) -> list[str]:
        """Runs that have a session now."""
        with self._lock:
            return list(self._sessions)

    def get(self, run_id: str) -> RunSession | None:
        """The run's session, if it has one."""
        with self._lock:
            return self._sessions.get(run_id)


def _pull_workspace(sandbox: Sandbox) -> list[str]:
    """Copy what the code wrote back to the host, for backends with their own filesystem.

    Local backends share the workspace directory; a remote one (E2B) offers
    ``pull_workspace()`` instead. A failure here must not lose the code's output, so it
    becomes a note.
    """
    pull = getattr(sandbox, "pull_workspace", None)
    if not callable(pull):
        return []
    try:
        pull()
    except Exception as exc:  # the execution itself succeeded; report, do not raise
        return [f"[note: files the code wrote could not be copied to the workspace: {exc}]"]
    return []


def _idle_reason(idle_s: float) -> str:
    minutes = idle_s / 60
    return f"it was idle for more than {minutes:g} minute{'' if minutes == 1 else 's'}"


SANDBOXES = RunSandboxes()


def close_run(run_id: str) -> bool:
    """Stop the sandbox of ``run_id`` (registered with ``ToolContext.defer`` at first use).

    Returns:
        Whether the run had a sandbox.
    """
    return SANDBOXES.close_run(run_id)


def close_all() -> int:
    """Stop the sandboxes of every run in this process (also done at interpreter exit).

    Returns:
        How many runs had a sandbox.
    """
    return SANDBOXES.close_all()


async def aclose_run(run_id: str) -> bool:
    """:func:`close_run` for async callers: stopping processes blocks, so it runs in a thread.

    Returns:
        Whether the run had a sandbox.
    """
    return await asyncio.to_thread(SANDBOXES.close_run, run_id)


def _at_exit(*_: Any) -> None:
    close_all()


atexit.register(_at_exit)

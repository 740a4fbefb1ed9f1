"""The host side of one worker process (``worker_main.py``), for every subprocess backend.

:class:`Interpreter` starts the worker from whatever argv the backend builds (bwrap for
``local``, a plain ``python`` for ``unsafe-subprocess``), speaks the JSON-lines protocol
documented in ``worker_main.py``, and enforces the limits the worker cannot enforce on itself:
the time limit (interrupt, then kill the process group), a watchdog (e.g. a disk quota) and a
cap on what it keeps in memory. Messages from the worker are untrusted: user code can write to
the protocol channel, so every field is type-checked and every size bounded.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

from agentcore.errors import SandboxError
from agentcore.sandbox._types import Execution, ExecutionError, Logs, OutputMessage, Result

OutputHandler = Callable[[OutputMessage], None]
Watchdog = Callable[[], str | None]

DEFAULT_OUTPUT_LIMIT = 1024 * 1024
INTERRUPT_GRACE_S = 2.0
WATCHDOG_PERIOD_S = 0.1
_MAX_MESSAGE = 64 * 1024 * 1024
_STDERR_TAIL = 8192
_RESTARTED = "the context was restarted: its variables are gone"
_TEXT_FIELDS = ("text", "html", "markdown", "svg", "png", "jpeg", "pdf", "latex", "javascript")
_EOF: dict[str, Any] = {"type": "_eof"}

log = logging.getLogger("agentcore.sandbox")


class Interpreter:
    """One worker process: a persistent Python namespace behind a pipe.

    Create it with :meth:`start`. One :meth:`execute` runs at a time (others wait); :meth:`kill`
    may be called from any thread, also while an execution runs.
    """

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self._proc = proc
        self._inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self._exec_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._eof = False
        self._reaped = False
        self._killed = False  # kill() or close() was called
        self._protocol_error: str | None = None
        self._idle_bytes = 0
        self._idle_limit = DEFAULT_OUTPUT_LIMIT
        self._stderr_tail = bytearray()
        self.execution_count = 0
        self.worker_pid: int | None = None
        self.python: str | None = None
        self._threads = [
            threading.Thread(target=self._read_messages, name="interp-reader", daemon=True),
            threading.Thread(target=self._read_stderr, name="interp-stderr", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @classmethod
    def start(
        cls,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: str | None,
        pass_fds: Sequence[int] = (),
        preexec_fn: Callable[[], Any] | None = None,
        ready_timeout: float = 30.0,
    ) -> Interpreter:
        """Start a worker and wait until it is ready.

        Args:
            argv: The command that runs ``worker_main.py`` (possibly inside a sandbox).
            env: Its whole environment (nothing is inherited).
            cwd: Its working directory on the host (``None``: ours).
            pass_fds: Descriptors the command needs (e.g. bwrap's seccomp filter).
            preexec_fn: Run in the child before ``exec``.
            ready_timeout: Seconds to wait for the worker's ``ready`` message.

        Raises:
            SandboxError: The worker could not start; the message has its stderr.
        """
        try:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(env),
                cwd=cwd,
                pass_fds=tuple(pass_fds),
                preexec_fn=preexec_fn,
                start_new_session=True,
            )
        except OSError as exc:
            raise SandboxError(f"could not start the interpreter `{argv[0]}`: {exc}") from exc
        interp = cls(proc)
        interp._wait_ready(ready_timeout)
        return interp

    # --- state ------------------------------------------------------------------------------

    @property
    def pid(self) -> int:
        """The host pid of the process we started (bwrap, or the worker itself)."""
        return self._proc.pid

    @property
    def alive(self) -> bool:
        """Whether the worker can run code."""
        return not (self._eof or self._reaped or self._killed)

    def stderr_tail(self) -> str:
        """The end of what the process wrote to its own stderr (start-up errors, crashes)."""
        return self._stderr_tail.decode("utf-8", errors="replace")

    # --- execution --------------------------------------------------------------------------

    def execute(
        self,
        code: str,
        *,
        envs: Mapping[str, str] | None = None,
        timeout: float = 60.0,
        on_stdout: OutputHandler | None = None,
        on_stderr: OutputHandler | None = None,
        watchdog: Watchdog | None = None,
        output_limit: int = DEFAULT_OUTPUT_LIMIT,
    ) -> Execution:
        """Run ``code`` in the worker's namespace and wait for it.

        Args:
            code: Python source; a final expression's value becomes the main result.
            envs: Environment variables set for this execution only.
            timeout: Seconds before the code is interrupted (``KeyboardInterrupt``); if it is
                still running :data:`INTERRUPT_GRACE_S` later, the worker is killed.
            on_stdout: Called with each chunk of stdout as it arrives.
            on_stderr: Called with each chunk of stderr.
            watchdog: Polled about every 0.1 s; a returned reason kills the worker and
                becomes a ``ResourceLimitError``.
            output_limit: Bytes of stdout and of stderr kept (the worker caps them too).

        Returns:
            The execution. A timeout is a ``TimeoutError``; a dead worker is ``WorkerDied``
            (then :attr:`alive` is ``False`` and the backend starts a new one).

        Raises:
            SandboxError: The worker is not running, or :meth:`kill` was called meanwhile.
        """
        with self._exec_lock:
            if not self.alive:
                raise SandboxError("the interpreter is not running (it died or was killed)")
            run = _Run(on_stdout, on_stderr, limit=4 * output_limit + 65536)
            self._idle_limit = output_limit
            while True:  # output that background threads wrote since the last execution
                try:
                    message = self._inbox.get_nowait()
                except queue.Empty:
                    break
                if message is _EOF:
                    self._inbox.put(_EOF)
                    break
                run.output(message)
            self._idle_bytes = 0
            self.execution_count += 1
            run.count = self.execution_count
            # If the worker is gone the send fails quietly and its end of file follows.
            self._send({"op": "exec", "id": run.count, "code": code, "envs": dict(envs or {})})
            return self._wait(run, timeout=timeout, watchdog=watchdog)

    def _wait(self, run: _Run, *, timeout: float, watchdog: Watchdog | None) -> Execution:
        start = time.monotonic()
        interrupted_at: float | None = None
        next_poll = start + WATCHDOG_PERIOD_S
        while True:
            now = time.monotonic()
            if watchdog is not None and now >= next_poll:
                next_poll = now + WATCHDOG_PERIOD_S
                reason = watchdog()
                if reason:
                    self._terminate()
                    return run.finish(_error("ResourceLimitError", f"{reason} ({_RESTARTED})"))
            if interrupted_at is None and now - start >= timeout:
                interrupted_at = now
                self._send({"op": "interrupt", "id": run.count})
            elif interrupted_at is not None and now - interrupted_at >= INTERRUPT_GRACE_S:
                self._terminate()
                why = f"execution exceeded {timeout:g} s; it did not stop when interrupted"
                return run.finish(_error("TimeoutError", f"{why} and was killed ({_RESTARTED})"))
            deadline = (
                start + timeout if interrupted_at is None else interrupted_at + INTERRUPT_GRACE_S
            )
            wait = min(WATCHDOG_PERIOD_S, deadline - now)
            try:
                message = self._inbox.get(timeout=max(wait, 0.001))
            except queue.Empty:
                continue
            if message is _EOF:
                return run.finish(self._died(timed_out=interrupted_at is not None, timeout=timeout))
            kind = message.get("type")
            if kind in ("stdout", "stderr"):
                run.output(message)
            elif kind == "result":
                run.results.append(_result(message))
            elif kind == "error":
                run.error = _error(
                    str(message.get("name")),
                    str(message.get("value", "")),
                    str(message.get("traceback", "")),
                )
            elif kind == "done" and message.get("id") == run.count:
                count = message.get("execution_count")
                if isinstance(count, int):
                    run.count = self.execution_count = count
                error = run.error
                if interrupted_at is not None and error and error.name == "KeyboardInterrupt":
                    run.error = _error(
                        "TimeoutError",
                        f"execution exceeded {timeout:g} s and was interrupted "
                        "(the context's variables are kept)",
                        error.traceback,
                    )
                return run.finish(run.error)

    def _died(self, *, timed_out: bool, timeout: float) -> ExecutionError:
        if self._killed:
            raise SandboxError("the interpreter was killed while code was running")
        # bwrap exits just after the worker; give it a moment to report the worker's status.
        wait_exited(self._proc.pid, 1.0)
        self._terminate()
        if timed_out:
            why = f"execution exceeded {timeout:g} s and the interpreter died when interrupted"
            return _error("TimeoutError", f"{why} ({_RESTARTED})")
        reason = self._protocol_error or describe_exit(self._proc.returncode)
        why = f"the interpreter process died during the execution: {reason}"
        return _error("WorkerDied", f"{why} ({_RESTARTED})", self.stderr_tail())

    # --- lifetime ---------------------------------------------------------------------------

    def kill(self) -> None:
        """SIGKILL the worker's process group and reap it. Safe to call twice, from any thread."""
        self._killed = True
        self._terminate()

    def close(self, timeout: float = 2.0) -> None:
        """Ask the worker to exit, then kill whatever is left of its process group."""
        if not self._reaped and self._send({"op": "shutdown"}):
            wait_exited(self._proc.pid, timeout)
        self.kill()

    def _terminate(self) -> None:
        with self._state_lock:
            if self._reaped:
                return
            # The leader is not reaped yet, so its pid (= the group id) cannot have been reused.
            kill_group(self._proc.pid)
            try:
                self._proc.wait(timeout=10.0)
            except subprocess.TimeoutExpired:  # pragma: no cover - unkillable (D state)
                log.warning("interpreter %d did not exit after SIGKILL", self._proc.pid)
                return
            self._reaped = True
        current = threading.current_thread()
        for thread in self._threads:
            if thread is not current:
                thread.join(timeout=2.0)
        for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        message: dict[str, Any] = {}
        while message.get("type") != "ready":
            try:
                message = self._inbox.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                self._terminate()
                self._fail_start(f"did not become ready within {timeout:g} s")
            if message is _EOF:
                wait_exited(self._proc.pid, 1.0)
                self._terminate()
                self._fail_start(f"exited during start-up ({describe_exit(self._proc.returncode)})")
        pid, python = message.get("pid"), message.get("python")
        self.worker_pid = pid if isinstance(pid, int) else None
        self.python = python if isinstance(python, str) else None

    def _fail_start(self, how: str) -> NoReturn:
        tail = self.stderr_tail().strip()
        raise SandboxError(f"the interpreter {how}" + (f":\n{tail}" if tail else ""))

    # --- pipes ------------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> bool:
        stdin = self._proc.stdin
        if stdin is None:
            return False
        with self._send_lock:
            try:
                stdin.write((json.dumps(message) + "\n").encode())
                stdin.flush()
            except (OSError, ValueError):
                return False
        return True

    def _read_messages(self) -> None:
        stream = self._proc.stdout
        try:
            while stream is not None:
                line = stream.readline(_MAX_MESSAGE)
                if not line:
                    break
                if len(line) >= _MAX_MESSAGE and not line.endswith(b"\n"):
                    self._protocol_error = f"a message over {_MAX_MESSAGE} bytes"
                    break
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(message, dict):
                    continue
                if message.get("type") in ("stdout", "stderr") and not self._exec_lock.locked():
                    # Between executions (threads left running): keep a bounded amount.
                    self._idle_bytes += len(str(message.get("text", "")))
                    if self._idle_bytes > self._idle_limit:
                        continue
                self._inbox.put(message)
        except (OSError, ValueError):
            pass
        finally:
            self._eof = True
            self._inbox.put(_EOF)

    def _read_stderr(self) -> None:
        stream = self._proc.stderr
        try:
            while stream is not None and (chunk := os.read(stream.fileno(), 65536)):
                self._stderr_tail += chunk
                del self._stderr_tail[:-_STDERR_TAIL]
        except (OSError, ValueError):
            pass


class Interpreters:
    """One interpreter per code context, shared by the backends that run workers.

    ``lock`` also guards the owning sandbox's kill, so no interpreter starts after it.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._by_context: dict[str, Interpreter] = {}

    def get(
        self, context_id: str, start: Callable[[], Interpreter], check_alive: Callable[[], None]
    ) -> Interpreter:
        """The context's interpreter; started on first use, and again after it died."""
        with self.lock:
            check_alive()
            interp = self._by_context.get(context_id)
            if interp is None or not interp.alive:
                interp = start()
                self._by_context[context_id] = interp
            return interp

    def drop(self, context_id: str) -> None:
        """Stop one context's interpreter (politely, then by force)."""
        with self.lock:
            interp = self._by_context.pop(context_id, None)
        if interp is not None:
            interp.close()

    def take_all(self) -> list[Interpreter]:
        """Forget every interpreter and return them to be killed (call holding ``lock``)."""
        interps = list(self._by_context.values())
        self._by_context.clear()
        return interps


class _Run:
    """What one execution has collected so far."""

    def __init__(
        self, on_stdout: OutputHandler | None, on_stderr: OutputHandler | None, *, limit: int
    ) -> None:
        self.handlers = {"stdout": on_stdout, "stderr": on_stderr}
        self.logs: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self.kept = {"stdout": 0, "stderr": 0}
        self.limit = limit
        self.dropped = 0
        self.results: list[Result] = []
        self.error: ExecutionError | None = None
        self.count: int | None = None

    def output(self, message: dict[str, Any]) -> None:
        stream, text = message.get("type"), message.get("text")
        if stream not in ("stdout", "stderr") or not isinstance(text, str) or not text:
            return
        if self.kept[stream] + len(text) > self.limit:  # a worker that ignores its own cap
            self.dropped += len(text)
            return
        self.kept[stream] += len(text)
        self.logs[stream].append(text)
        handler = self.handlers[stream]
        if handler is not None:
            chunk = OutputMessage(line=text, timestamp=time.time_ns(), error=stream == "stderr")
            try:
                handler(chunk)
            except Exception:  # the execution goes on; a broken callback must not hang it
                log.exception("on_%s callback failed", stream)

    def finish(self, error: ExecutionError | None) -> Execution:
        if self.dropped:
            self.logs["stderr"].append(f"[output truncated: {self.dropped} characters dropped]\n")
        return Execution(
            results=self.results,
            logs=Logs(stdout=self.logs["stdout"], stderr=self.logs["stderr"]),
            error=error,
            execution_count=self.count,
        )


def _error(name: str, value: str, traceback: str = "") -> ExecutionError:
    return ExecutionError(name=name, value=value, traceback=traceback)


def _result(message: dict[str, Any]) -> Result:
    fields: dict[str, Any] = {f: v for f in _TEXT_FIELDS if isinstance(v := message.get(f), str)}
    data = message.get("json")
    return Result(
        **fields,
        json=data if isinstance(data, dict) else None,
        is_main_result=message.get("is_main_result") is True,
    )


def describe_exit(status: int | None) -> str:
    """Say how a process ended, from its ``returncode``."""
    if status is None:
        return "still running"
    if status < 0:
        return f"killed by {_signal_name(-status)}"
    if status > 128 and status - 128 < 65:  # bwrap reports a signalled child like a shell
        return f"exit status {status} (likely {_signal_name(status - 128)})"
    return f"exit status {status}"


_SIGNAL_HINTS = {
    "SIGKILL": " (out of memory, a resource limit, or killed)",
    "SIGXCPU": " (CPU time limit)",
    "SIGXFSZ": " (file size limit)",
    "SIGSEGV": " (crashed)",
}


def _signal_name(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
    return name + _SIGNAL_HINTS.get(name, "")


def wait_exited(pid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` s for child ``pid`` to exit, without reaping it."""
    deadline = time.monotonic() + timeout
    delay = 0.0005
    while True:
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.02)


def kill_group(pgid: int) -> None:
    """SIGKILL a process group; nothing if it is already gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)

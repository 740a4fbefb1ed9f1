"""The ``unsafe-subprocess`` backend: NOT a sandbox. Code runs on the host as you.

Each code context is a plain ``python worker_main.py`` subprocess, in a scratch directory, with
a clean environment. That keeps the host's API keys away from the code and nothing else: the
code can read and write every file your user can, use the network, and start processes. It
exists for machines where the ``local`` backend cannot run, behind an explicit
``sandbox.backend = "unsafe-subprocess"``, and it warns every time it runs something.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from agentcore.errors import SandboxError
from agentcore.sandbox._base import Filesystem, OutputHandler, Sandbox
from agentcore.sandbox._local._interp import Interpreter, Interpreters, kill_group, wait_exited
from agentcore.sandbox._types import CommandResult, Context, EntryInfo, Execution

if TYPE_CHECKING:
    from agentcore.config import Settings

WARNING = (
    "unsafe-subprocess: code runs on the host with your user's rights and network; "
    "use the local backend"
)
WORKSPACE = "/workspace"
_WORKER = Path(__file__).with_name("_local") / "worker_main.py"

log = logging.getLogger("agentcore.sandbox")


def _warn() -> None:
    warnings.warn(WARNING, UserWarning, stacklevel=3)
    log.warning(WARNING)


class UnsafeSubprocessSandbox(Sandbox):
    """No isolation at all: code runs on the host, with your user's rights and network.

    This is not a sandbox. It only spares code the host's environment variables (API keys)
    and gives each code context its own interpreter process; ``allow_internet_access`` means
    nothing here, since the host's network is always reachable. Use the ``local`` backend.
    Paths under ``/workspace`` given to ``files``, ``commands.run(cwd=)`` and code contexts
    map to the workspace directory; code itself sees host paths (its working directory is
    the workspace).
    """

    backend_name = "unsafe-subprocess"

    def __init__(
        self,
        *,
        workspace: Path,
        own_workspace: bool,
        envs: Mapping[str, str],
        output_limit: int,
        timeout: float,
    ) -> None:
        self.workspace = workspace
        self._own_workspace = own_workspace
        self._envs = dict(envs)
        self._output_limit = output_limit
        self._interps = Interpreters()
        self._commands: set[int] = set()
        super().__init__(timeout=timeout)

    @classmethod
    def _start(
        cls,
        *,
        timeout: float,
        envs: dict[str, str],
        allow_internet_access: bool,
        workspace: Path | None,
        settings: Settings,
    ) -> Sandbox:
        _warn()
        if workspace is None:
            ws, own = Path(tempfile.mkdtemp(prefix="agentcore-unsafe-")), True
        else:
            ws, own = workspace.resolve(), False
            ws.mkdir(parents=True, exist_ok=True)
        return cls(
            workspace=ws,
            own_workspace=own,
            envs=envs,
            output_limit=settings.sandbox.output_limit_kb * 1024,
            timeout=timeout,
        )

    # --- the backend methods ----------------------------------------------------------------

    def _execute(
        self,
        code: str,
        context: Context,
        *,
        envs: Mapping[str, str],
        timeout: float,
        on_stdout: OutputHandler | None,
        on_stderr: OutputHandler | None,
    ) -> Execution:
        _warn()
        return self._interpreter(context).execute(
            code,
            envs=envs,
            timeout=timeout,
            on_stdout=on_stdout,
            on_stderr=on_stderr,
            output_limit=self._output_limit,
        )

    def _command(
        self,
        cmd: str,
        *,
        cwd: str | None,
        envs: Mapping[str, str],
        timeout: float,
        stdin: bytes | None = None,
    ) -> CommandResult:
        _warn()
        try:
            proc = subprocess.Popen(
                ["/bin/sh", "-c", cmd],
                cwd=self.host_path(cwd),
                env=self._env(envs),
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise SandboxError(f"could not run `{cmd}`: {exc}") from exc
        with self._interps.lock:
            self._commands.add(proc.pid)
        readers = [
            _CappedReader(proc.stdout, self._output_limit),
            _CappedReader(proc.stderr, self._output_limit),
        ]
        threads = [threading.Thread(target=r.run, daemon=True) for r in readers]
        if stdin is not None:
            threads.append(threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True))
        for thread in threads:
            thread.start()
        finished = wait_exited(proc.pid, timeout)
        with self._interps.lock:
            # Also what it left running in the background: a command runs to completion.
            # The leader is unreaped until here, so its pid is still this group's.
            kill_group(proc.pid)
            self._commands.discard(proc.pid)
        proc.wait()
        for thread in threads:
            thread.join(timeout=5.0)
        return CommandResult(
            stdout=readers[0].text(),
            stderr=readers[1].text(),
            exit_code=proc.returncode if finished else -9,
            error=None if finished else f"timed out after {timeout:g} s",
        )

    def kill(self) -> None:
        """Kill every interpreter and running command; delete the workspace if we made it."""
        with self._interps.lock:
            if self._killed:
                return
            self._mark_killed()
            interps = self._interps.take_all()
            for pid in self._commands:  # leaders stay unreaped while listed here
                kill_group(pid)
        for interp in interps:
            interp.kill()
        if self._own_workspace:
            shutil.rmtree(self.workspace, ignore_errors=True)

    def _drop_context(self, context_id: str) -> None:
        self._interps.drop(context_id)

    @property
    def files(self) -> Filesystem:
        """Read and write files; ``/workspace/...`` paths mean the workspace directory."""
        return _WorkspaceFiles(self)

    # --- internals --------------------------------------------------------------------------

    def host_path(self, path: str | None) -> Path:
        """Where a sandbox path is on the host (``/workspace`` is the workspace directory)."""
        if path is None or path == WORKSPACE:
            return self.workspace
        if path.startswith(WORKSPACE + "/"):
            return self.workspace / path[len(WORKSPACE) + 1 :]
        return self.workspace / path  # an absolute path stays as it is

    def _env(self, extra: Mapping[str, str] = {}) -> dict[str, str]:
        return {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.workspace),
            "LANG": "C.UTF-8",
            "MPLBACKEND": "Agg",
            **self._envs,
            **extra,
        }

    def _interpreter(self, context: Context) -> Interpreter:
        def start() -> Interpreter:
            cwd = self.host_path(context.cwd)
            if cwd.is_relative_to(self.workspace):
                cwd.mkdir(parents=True, exist_ok=True)
            argv = [sys.executable, "-I", str(_WORKER), "--output-limit", str(self._output_limit)]
            return Interpreter.start(argv, env=self._env(), cwd=str(cwd))

        return self._interps.get(context.id, start, self._check_alive)


class _WorkspaceFiles(Filesystem):
    """The shell-based ``files``, with ``/workspace`` paths mapped to the workspace directory."""

    def __init__(self, sandbox: UnsafeSubprocessSandbox) -> None:
        super().__init__(sandbox)
        self._unsafe = sandbox

    def _map(self, path: str) -> str:
        return str(self._unsafe.host_path(path))

    def read(self, path: str, format: Literal["text", "bytes"] = "text") -> Any:
        """Read a file (``format="bytes"`` for binary)."""
        return super().read(self._map(path), format)

    def write(self, path: str, data: str | bytes) -> None:
        """Write a file, creating parent directories."""
        super().write(self._map(path), data)

    def list(self, path: str = ".") -> list[EntryInfo]:
        """List a directory (not recursive); paths in the workspace come back as /workspace/..."""
        root = str(self._unsafe.workspace)
        entries = []
        for entry in super().list(self._map(path)):
            full = entry.path
            if full == root or full.startswith(root + "/"):
                full = WORKSPACE + full[len(root) :]
            entries.append(EntryInfo(name=entry.name, path=full, type=entry.type, size=entry.size))
        return entries

    def exists(self, path: str) -> bool:
        """Whether ``path`` exists."""
        return super().exists(self._map(path))

    def remove(self, path: str) -> None:
        """Remove a file or a directory tree."""
        super().remove(self._map(path))


def _feed(pipe: IO[bytes] | None, data: bytes) -> None:
    if pipe is None:
        return
    try:
        pipe.write(data)
    except OSError:  # the command did not read it all
        pass
    finally:
        with contextlib.suppress(OSError):
            pipe.close()


class _CappedReader:
    """Drains a pipe, keeping the first ``limit`` bytes."""

    def __init__(self, pipe: IO[bytes] | None, limit: int) -> None:
        self._pipe = pipe
        self._limit = limit
        self._chunks: list[bytes] = []
        self._kept = 0
        self._dropped = 0

    def run(self) -> None:
        if self._pipe is None:
            return
        try:
            while chunk := os.read(self._pipe.fileno(), 65536):
                room = max(0, self._limit - self._kept)
                self._chunks.append(chunk[:room])
                self._kept += min(room, len(chunk))
                self._dropped += max(0, len(chunk) - room)
        except (OSError, ValueError):
            pass
        finally:
            self._pipe.close()

    def text(self) -> str:
        text = b"".join(self._chunks).decode("utf-8", errors="replace")
        if self._dropped:
            text += f"\n[output truncated: {self._dropped} bytes dropped]\n"
        return text

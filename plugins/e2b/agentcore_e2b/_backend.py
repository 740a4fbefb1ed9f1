"""``E2BSandbox``: agentcore's sandbox interface on the E2B cloud (e2b-code-interpreter)."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import posixpath
import shlex
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from agentcore.errors import MissingDependencyError, MissingKeyError, SandboxError, UserError
from agentcore.sandbox import (
    CommandResult,
    Context,
    EntryInfo,
    Execution,
    Filesystem,
    Sandbox,
)
from agentcore_e2b._convert import (
    KEY_ENV,
    OutputCollector,
    call_mapped,
    cap_text,
    is_execution_timeout,
    timeout_execution,
    to_entry,
    to_execution,
)
from agentcore_e2b._options import E2BOptions
from agentcore_e2b._workspace import SKIPPED_DIRS, LocalFile, batches, collect, host_path

if TYPE_CHECKING:
    from agentcore.config import Settings
    from agentcore.sandbox._base import OutputHandler

log = logging.getLogger(__name__)
_TIMED_OUT = object()

T = TypeVar("T")

# The path our interface uses for the workspace; on E2B it stands for ``[plugins.e2b] workdir``.
INTERFACE_WORKDIR = "/workspace"
# Grace past a command's own time limit before the SDK gives up on the stream.
COMMAND_GRACE_S = 10.0
# `timeout -s KILL` exits with 128 + 9 when it had to kill the command.
KILLED_STATUS = 137
# How deep pull_workspace looks under the workdir.
PULL_DEPTH = 12


def _import_sdk() -> Any:
    try:
        import e2b_code_interpreter  # type: ignore[import-untyped]
    except ImportError:
        raise MissingDependencyError("e2b_code_interpreter", "e2b") from None
    return e2b_code_interpreter


class E2BSandbox(Sandbox):
    """A sandbox in the E2B cloud, through the ``e2b-code-interpreter`` SDK.

    Select it with ``[sandbox] backend = "e2b"`` and set ``E2B_API_KEY``. Each code context is
    a Jupyter kernel in the sandbox, created on first use. Differences from the ``local``
    backend:

    * The sandbox has its own filesystem. A ``workspace`` given to :meth:`Sandbox.create` is
      uploaded to ``[plugins.e2b] workdir`` (``/home/user/workspace``) at start, within caps;
      files the code writes there stay in the sandbox until :meth:`pull_workspace` copies
      them back (or ``files.read`` fetches one). Contexts and commands start in that
      directory; relative paths and ``/workspace/...`` paths given to ``files`` resolve there.
    * ``allow_internet_access=True`` is honoured (E2B sandboxes may reach the internet).
    * Limits are E2B's: the ``[sandbox]`` memory, CPU and process settings do not apply;
      ``timeout_s`` and ``output_limit_kb`` do.

    Example:
        ```python
        from agentcore.sandbox import Sandbox

        with Sandbox.create(backend="e2b", timeout=600) as sbx:
            print(sbx.run_code("import sys; sys.version").text)
        ```
    """

    backend_name = "e2b"

    def __init__(
        self,
        sdk_sandbox: Any,
        *,
        timeout: float = 300.0,
        options: E2BOptions | None = None,
        output_limit_kb: int = 1024,
        workspace: Path | None = None,
    ) -> None:
        """Wrap a started SDK sandbox (:meth:`Sandbox.create` is the usual way in).

        Args:
            sdk_sandbox: An ``e2b_code_interpreter.Sandbox``.
            timeout: Seconds until the sandbox is killed (E2B was told the same at creation).
            options: ``[plugins.e2b]`` settings.
            output_limit_kb: stdout/stderr kept per execution or command.
            workspace: The host workspace, for :meth:`pull_workspace`.
        """
        self._sdk = sdk_sandbox
        self._options = options or E2BOptions()
        self._output_limit = output_limit_kb * 1024
        self._workspace = workspace
        self._sdk_contexts: dict[str, Any] = {}
        self._context_lock = threading.Lock()
        self._kill_lock = threading.Lock()
        self._remote_deadline = False  # E2B already has the initial timeout
        self._snapshot: dict[str, tuple[int, datetime]] = {}
        super().__init__(sandbox_id=str(sdk_sandbox.sandbox_id), timeout=timeout)
        self._remote_deadline = True

    @property
    def workdir(self) -> str:
        """The directory in the sandbox that stands for the workspace."""
        return self._options.workdir

    # --- creation ---------------------------------------------------------------------------

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
        if not os.environ.get(KEY_ENV, "").strip():
            raise MissingKeyError("e2b", KEY_ENV)
        sdk = _import_sdk()
        options = E2BOptions.from_settings(settings)
        # Refuse an oversized workspace before starting (and paying for) a sandbox.
        files = (
            collect(
                workspace,
                max_bytes=options.max_upload_bytes,
                max_files=options.max_upload_files,
            )
            if workspace is not None
            else []
        )
        create_args: dict[str, Any] = {
            "timeout": max(1, math.ceil(timeout)),
            "envs": envs or None,
            "allow_internet_access": allow_internet_access,
            "metadata": {"client": "agentcore"},
        }
        if options.template:
            create_args["template"] = options.template
        sdk_sandbox = call_mapped(
            "starting an E2B sandbox", lambda: sdk.Sandbox.create(**create_args), on_gone=_noop
        )
        try:
            sandbox = cls(
                sdk_sandbox,
                timeout=timeout,
                options=options,
                output_limit_kb=settings.sandbox.output_limit_kb,
                workspace=workspace,
            )
            sandbox._prepare(files if workspace is not None else None)
        except BaseException:
            _kill_quietly(sdk_sandbox)
            raise
        return sandbox

    def _prepare(self, files: list[LocalFile] | None) -> None:
        """Create the workdir; with a workspace, upload its files and remember what is there."""
        workdir = self.workdir
        self._call("creating the working directory", lambda: self._sdk.files.make_dir(workdir))
        if files is not None:
            self._upload(files)

    def _upload(self, files: list[LocalFile]) -> None:
        """Put the workspace files into the workdir and remember what is there."""
        for group in batches(files):
            entries = [
                {"path": posixpath.join(self.workdir, f.rel), "data": f.path.read_bytes()}
                for f in group
            ]
            self._call("uploading the workspace", partial(self._sdk.files.write_files, entries))
        self._snapshot = self._remote_state()

    # --- calling the SDK --------------------------------------------------------------------

    def _call(self, action: str, fn: Callable[[], T]) -> T:
        return call_mapped(action, fn, on_gone=self._mark_killed)

    def _path(self, path: str) -> str:
        """A path as the sandbox sees it: relative ones (and ``/workspace``) under workdir."""
        if path == INTERFACE_WORKDIR or path.startswith(INTERFACE_WORKDIR + "/"):
            path = self.workdir + path[len(INTERFACE_WORKDIR) :]
        return posixpath.normpath(posixpath.join(self.workdir, path))

    # --- code -------------------------------------------------------------------------------

    def create_code_context(
        self,
        cwd: str | None = None,
        language: str | None = None,
        request_timeout: float | None = None,
    ) -> Context:
        """Create a new, empty code context (a Jupyter kernel, started on first use)."""
        return super().create_code_context(
            cwd=self._path(cwd) if cwd else self.workdir,
            language=language,
            request_timeout=request_timeout,
        )

    def _sdk_context(self, context: Context) -> Any:
        """The SDK context behind ``context``, created the first time it is used."""
        with self._context_lock:
            sdk_context = self._sdk_contexts.get(context.id)
            if sdk_context is None:
                cwd = self._path(context.cwd)
                sdk_context = self._call(
                    "creating a code context",
                    lambda: self._sdk.create_code_context(cwd=cwd, language="python"),
                )
                self._sdk_contexts[context.id] = sdk_context
            return sdk_context

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
        sdk_context = self._sdk_context(context)
        output = OutputCollector(on_stdout, on_stderr, limit=self._output_limit)

        def run() -> Any:
            try:
                return self._sdk.run_code(
                    code,
                    context=sdk_context,
                    on_stdout=output.on_stdout,
                    on_stderr=output.on_stderr,
                    envs=dict(envs) or None,
                    timeout=timeout,
                )
            except Exception as exc:
                if is_execution_timeout(exc):
                    return _TIMED_OUT
                raise

        sdk_execution = self._call("running code", run)
        if sdk_execution is _TIMED_OUT:
            # The kernel is still running the code: stop it; the next call starts afresh.
            self._drop_context(context.id)
            return timeout_execution(
                output.stdout, output.stderr, timeout=timeout, output_limit=self._output_limit
            )
        return to_execution(sdk_execution, output_limit=self._output_limit)

    def _drop_context(self, context_id: str) -> None:
        with self._context_lock:
            sdk_context = self._sdk_contexts.pop(context_id, None)
        if sdk_context is None or self._killed:
            return
        try:
            self._call(
                "removing a code context", lambda: self._sdk.remove_code_context(sdk_context)
            )
        except Exception as exc:  # the kernel dies with the sandbox anyway
            log.warning("could not remove E2B code context %s: %s", sdk_context.id, exc)

    # --- commands ---------------------------------------------------------------------------

    def _command(
        self,
        cmd: str,
        *,
        cwd: str | None,
        envs: Mapping[str, str],
        timeout: float,
        stdin: bytes | None = None,
    ) -> CommandResult:
        from e2b import CommandExitException

        # `timeout` kills the command inside the sandbox at its limit; the SDK's own deadline
        # only ends the stream and would leave the process running.
        seconds = max(1, math.ceil(timeout))
        script = f"timeout -s KILL {seconds} /bin/sh -c {shlex.quote(cmd)}"
        stdin_path = None
        if stdin is not None:
            stdin_path = f"/tmp/agentcore-stdin-{uuid.uuid4().hex}"
            data = stdin
            self._call("sending stdin", lambda: self._sdk.files.write(stdin_path, data))
            q = shlex.quote(stdin_path)
            script = f"{script} < {q}; status=$?; rm -f {q}; exit $status"
        started = time.monotonic()

        def run() -> Any:
            try:
                return self._sdk.commands.run(
                    script,
                    cwd=self._path(cwd or self.workdir),
                    envs=dict(envs) or None,
                    timeout=seconds + COMMAND_GRACE_S,
                )
            except CommandExitException as exc:  # a non-zero exit: it carries the output
                return exc

        result = self._call("running a command", run)
        exit_code = int(result.exit_code)
        error = None
        if exit_code == KILLED_STATUS and time.monotonic() - started >= seconds:
            exit_code, error = -9, f"timed out after {timeout:g} s"
        return CommandResult(
            stdout=cap_text(result.stdout, self._output_limit),
            stderr=cap_text(result.stderr, self._output_limit),
            exit_code=exit_code,
            error=error,
        )

    # --- files ------------------------------------------------------------------------------

    @property
    def files(self) -> Filesystem:
        """Read and write files in the sandbox through E2B's filesystem API."""
        return E2BFilesystem(self)

    def _remote_state(self) -> dict[str, tuple[int, datetime]]:
        """Every regular file under workdir: path -> (size, modified time)."""
        from e2b import FileType

        entries = self._call(
            "listing the workspace",
            lambda: self._sdk.files.list(self.workdir, depth=PULL_DEPTH),
        )
        return {e.path: (int(e.size), e.modified_time) for e in entries if e.type == FileType.FILE}

    def pull_workspace(self) -> list[Path]:
        """Copy files created or changed under workdir since start into the host workspace.

        E2B does not mirror the sandbox's files back: call this to collect what the code
        wrote. Hidden files and directories (``.cache``, ``.config``, ...) and tooling
        directories are left out, and at most ``[plugins.e2b] max_upload_mb`` come back.

        Returns:
            The host paths written, in sorted order.

        Raises:
            UserError: The sandbox was created without a workspace.
            SandboxError: The sandbox is gone, or E2B failed.
        """
        if self._workspace is None:
            raise UserError("pull_workspace needs a sandbox created with a workspace")
        self._check_alive()
        budget = self._options.max_upload_bytes
        written: list[Path] = []
        for remote, state in sorted(self._remote_state().items()):
            if self._snapshot.get(remote) == state:
                continue
            rel = posixpath.relpath(remote, self.workdir)
            parts = rel.split("/")
            if any(p.startswith(".") or p in SKIPPED_DIRS for p in parts):
                continue
            target = host_path(self._workspace, self.workdir, remote)
            if target is None:
                continue
            if state[0] > budget:
                log.warning("not pulling %s from E2B: over max_upload_mb", rel)
                continue
            data = bytes(
                self._call("downloading a file", partial(self._sdk.files.read, remote, "bytes"))
            )
            budget -= len(data)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            self._snapshot[remote] = state
            written.append(target)
        return written

    # --- lifetime ---------------------------------------------------------------------------

    def set_timeout(self, timeout: float) -> None:
        """Kill the sandbox ``timeout`` seconds from now, here and in E2B."""
        super().set_timeout(timeout)
        if self._remote_deadline and not self._killed:
            seconds = max(1, math.ceil(timeout))
            self._call("setting the sandbox timeout", lambda: self._sdk.set_timeout(seconds))

    def kill(self) -> None:
        """Kill the E2B sandbox. Safe to call twice; a failure is logged, not raised."""
        with self._kill_lock:
            if self._killed:
                return
            self._mark_killed()
        _kill_quietly(self._sdk)


class E2BFilesystem(Filesystem):
    """``sandbox.files`` on E2B's filesystem API; relative paths resolve in the workdir."""

    def __init__(self, sandbox: E2BSandbox) -> None:
        super().__init__(sandbox)
        self._e2b = sandbox

    def _do(self, action: str, fn: Callable[[], T], *, path: str) -> T:
        """Call the SDK; a missing path is a ``SandboxError`` naming it."""
        from e2b import FileNotFoundException

        def guarded() -> T:
            try:
                return fn()
            except FileNotFoundException:
                raise SandboxError(f"no such file or directory in the sandbox: {path}") from None

        self._e2b._check_alive()
        return self._e2b._call(action, guarded)

    def read(self, path: str, format: Literal["text", "bytes"] = "text") -> Any:
        """Read a file (``format="bytes"`` for binary)."""
        full = self._e2b._path(path)
        raw = self._do(
            "reading a file",
            lambda: bytes(self._e2b._sdk.files.read(full, format="bytes")),
            path=full,
        )
        return raw if format == "bytes" else raw.decode("utf-8", errors="replace")

    def write(self, path: str, data: str | bytes) -> None:
        """Write a file, creating parent directories."""
        full = self._e2b._path(path)
        self._do("writing a file", lambda: self._e2b._sdk.files.write(full, data), path=full)

    def list(self, path: str = ".") -> list[EntryInfo]:
        """List a directory (not recursive)."""
        full = self._e2b._path(path)
        entries = self._do(
            "listing a directory", lambda: self._e2b._sdk.files.list(full, depth=1), path=full
        )
        return [to_entry(e) for e in entries]

    def exists(self, path: str) -> bool:
        """Whether ``path`` exists."""
        full = self._e2b._path(path)
        return bool(
            self._do("checking a path", lambda: self._e2b._sdk.files.exists(full), path=full)
        )

    def remove(self, path: str) -> None:
        """Remove a file or a directory tree; a path that does not exist is not an error."""
        from e2b import FileNotFoundException

        full = self._e2b._path(path)

        def remove() -> None:
            with contextlib.suppress(FileNotFoundException):
                self._e2b._sdk.files.remove(full)

        self._e2b._check_alive()
        self._e2b._call("removing a path", remove)


def _noop() -> None:
    """Nothing to mark: the sandbox does not exist yet."""


def _kill_quietly(sdk_sandbox: Any) -> None:
    """Kill an SDK sandbox; E2B stops it at its timeout anyway if this fails."""
    try:
        sdk_sandbox.kill()
    except Exception as exc:
        log.warning(
            "could not kill E2B sandbox %s (%s); E2B stops it at its timeout",
            getattr(sdk_sandbox, "sandbox_id", "?"),
            exc,
        )

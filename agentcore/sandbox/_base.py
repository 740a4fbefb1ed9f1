"""The sandbox interface: E2B's names, three abstract methods, everything else built on them."""

from __future__ import annotations

import base64
import shlex
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from agentcore.errors import SandboxError, UserError
from agentcore.sandbox._types import (
    CommandResult,
    Context,
    EntryInfo,
    Execution,
    ExecutionError,
    OutputMessage,
    Result,
)

if TYPE_CHECKING:
    from agentcore.config import Settings

OutputHandler = Callable[[OutputMessage], None]
ResultHandler = Callable[[Result], None]
ErrorHandler = Callable[[ExecutionError], None]

DEFAULT_CONTEXT = "default"


class Sandbox(ABC):
    """An isolated place to run untrusted code, with E2B's interface.

    Create one with :meth:`Sandbox.create` (the backend comes from ``[sandbox] backend`` in
    config: ``local`` by default, ``e2b``, or ``unsafe-subprocess``), use it as a context manager,
    and call :meth:`run_code`. Each code context is a persistent interpreter: variables survive
    between calls. User-code exceptions come back in ``Execution.error``; they are not raised.

    A backend implements three methods: :meth:`_execute`, :meth:`_command` and :meth:`kill`.
    ``files`` works through ``_command`` unless a backend offers something faster.

    Example:
        ```python
        with Sandbox.create() as sbx:
            sbx.run_code("x = 21")
            print(sbx.run_code("x * 2").text)  # 42
        ```
    """

    #: Backend name, as registered through the ``register_sandboxes`` hook.
    backend_name = ""

    def __init__(self, *, sandbox_id: str | None = None, timeout: float = 300.0) -> None:
        self.sandbox_id = sandbox_id or uuid.uuid4().hex[:12]
        self._contexts: dict[str, Context] = {}
        self._lock = threading.Lock()
        self._killed = False
        self._deadline_timer: threading.Timer | None = None
        self.set_timeout(timeout)

    # --- creation ---------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        timeout: float = 300.0,
        envs: Mapping[str, str] | None = None,
        allow_internet_access: bool = False,
        workspace: Path | None = None,
        settings: Settings | None = None,
        backend: str | None = None,
    ) -> Sandbox:
        """Start a sandbox.

        Args:
            timeout: Seconds the sandbox may live; it is killed after that (see
                :meth:`set_timeout`).
            envs: Environment variables for code in the sandbox. Nothing else from the host
                environment goes in.
            allow_internet_access: Backends that isolate the network (``local``) refuse
                ``True``; E2B honours it.
            workspace: A host directory the sandbox sees (read-write) as its working
                directory; a fresh private directory when omitted.
            settings: agentcore settings (default: loaded from config).
            backend: Override ``settings.sandbox.backend``.

        Raises:
            UserError: Unknown backend, or a backend that cannot run here (it says why and
                how to fix it).
        """
        if cls is not Sandbox:
            return cls._start(
                timeout=timeout,
                envs=dict(envs or {}),
                allow_internet_access=allow_internet_access,
                workspace=workspace,
                settings=settings or _load_settings(),
            )
        settings = settings or _load_settings()
        name = backend or settings.sandbox.backend
        from agentcore.plugins import load_registry

        backend_cls: type[Sandbox] = load_registry().get("sandboxes", name)
        return backend_cls.create(
            timeout=timeout,
            envs=envs,
            allow_internet_access=allow_internet_access,
            workspace=workspace,
            settings=settings,
        )

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
        """Start an instance of this backend (backends override; called by :meth:`create`)."""
        raise UserError(f"sandbox backend {cls.__name__} cannot be created directly")

    # --- the three methods a backend implements ---------------------------------------------

    @abstractmethod
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
        """Run ``code`` in ``context``'s interpreter, starting it if needed."""

    @abstractmethod
    def _command(
        self,
        cmd: str,
        *,
        cwd: str | None,
        envs: Mapping[str, str],
        timeout: float,
        stdin: bytes | None = None,
    ) -> CommandResult:
        """Run a shell command in the sandbox and wait for it."""

    @abstractmethod
    def kill(self) -> None:
        """Stop the sandbox and everything running in it. Safe to call twice."""

    def _drop_context(self, context_id: str) -> None:  # noqa: B027 - optional hook
        """Stop the interpreter of a context (backends with per-context state override)."""

    # --- code -------------------------------------------------------------------------------

    def run_code(
        self,
        code: str,
        language: str | None = None,
        context: Context | None = None,
        on_stdout: OutputHandler | None = None,
        on_stderr: OutputHandler | None = None,
        on_result: ResultHandler | None = None,
        on_error: ErrorHandler | None = None,
        envs: Mapping[str, str] | None = None,
        timeout: float | None = None,
        request_timeout: float | None = None,
    ) -> Execution:
        """Run Python code in a persistent context (the default one unless ``context``).

        Args:
            code: The code; the value of a final expression becomes the main result.
            language: Only ``"python"`` (or ``None``).
            context: The context to run in (from :meth:`create_code_context`).
            on_stdout: Called with each chunk of stdout as it is written.
            on_stderr: Called with each chunk of stderr.
            on_result: Called with each rich result.
            on_error: Called with the error, if the code raised.
            envs: Extra environment variables for this execution.
            timeout: Seconds before the code is interrupted (then killed if it does not stop);
                the result then carries a ``TimeoutError``.
            request_timeout: Accepted for E2B compatibility; same as ``timeout`` here.

        Raises:
            SandboxError: The sandbox is not running.
            UserError: Unsupported language.
        """
        if language not in (None, "python"):
            raise UserError(f"language '{language}' is not supported", hint="use Python")
        self._check_alive()
        ctx = context or self._default_context()
        if ctx.id not in self._contexts:
            raise SandboxError(f"code context '{ctx.id}' does not exist (it was removed)")
        execution = self._execute(
            code,
            ctx,
            envs=dict(envs or {}),
            timeout=timeout or request_timeout or 60.0,
            on_stdout=on_stdout,
            on_stderr=on_stderr,
        )
        if on_result is not None:
            for result in execution.results:
                on_result(result)
        if on_error is not None and execution.error is not None:
            on_error(execution.error)
        return execution

    def create_code_context(
        self,
        cwd: str | None = None,
        language: str | None = None,
        request_timeout: float | None = None,
    ) -> Context:
        """Create a new, empty code context (a separate interpreter)."""
        if language not in (None, "python"):
            raise UserError(f"language '{language}' is not supported", hint="use Python")
        self._check_alive()
        ctx = Context(id=uuid.uuid4().hex[:12], cwd=cwd or "/workspace")
        with self._lock:
            self._contexts[ctx.id] = ctx
        return ctx

    def remove_code_context(self, context: Context | str) -> None:
        """Stop a context's interpreter and forget it."""
        context_id = context.id if isinstance(context, Context) else context
        with self._lock:
            self._contexts.pop(context_id, None)
        self._drop_context(context_id)

    def restart_code_context(self, context: Context | str) -> None:
        """Reset a context: same id, a fresh interpreter."""
        context_id = context.id if isinstance(context, Context) else context
        self._drop_context(context_id)

    def list_code_contexts(self) -> list[Context]:
        """The contexts that exist."""
        with self._lock:
            return list(self._contexts.values())

    def _default_context(self) -> Context:
        with self._lock:
            if DEFAULT_CONTEXT not in self._contexts:
                self._contexts[DEFAULT_CONTEXT] = Context(id=DEFAULT_CONTEXT)
            return self._contexts[DEFAULT_CONTEXT]

    # --- commands and files -----------------------------------------------------------------

    @property
    def commands(self) -> Commands:
        """Run shell commands in the sandbox."""
        return Commands(self)

    @property
    def files(self) -> Filesystem:
        """Read and write files in the sandbox."""
        return Filesystem(self)

    # --- lifetime ---------------------------------------------------------------------------

    def set_timeout(self, timeout: float) -> None:
        """Kill the sandbox ``timeout`` seconds from now (replacing any earlier deadline)."""
        if timeout <= 0:
            raise UserError(f"sandbox timeout must be positive (got {timeout})")
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
        timer = threading.Timer(timeout, self.kill)
        timer.daemon = True
        timer.start()
        self._deadline_timer = timer

    def is_running(self) -> bool:
        """Whether the sandbox can still run code."""
        return not self._killed

    def _mark_killed(self) -> None:
        """Backends call this from :meth:`kill`."""
        self._killed = True
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()

    def _check_alive(self) -> None:
        if self._killed:
            raise SandboxError(f"sandbox {self.sandbox_id} is not running (killed or timed out)")

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


class Commands:
    """``sandbox.commands``: shell commands, run to completion."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def run(
        self,
        cmd: str,
        *,
        cwd: str | None = None,
        envs: Mapping[str, str] | None = None,
        timeout: float = 60.0,
    ) -> CommandResult:
        """Run ``cmd`` with ``/bin/sh -c`` and return its output and exit code."""
        self._sandbox._check_alive()
        return self._sandbox._command(cmd, cwd=cwd, envs=dict(envs or {}), timeout=timeout)


class Filesystem:
    """``sandbox.files``, implemented with shell commands; backends may override it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def _run(self, cmd: str, stdin: bytes | None = None) -> CommandResult:
        self._sandbox._check_alive()
        result = self._sandbox._command(cmd, cwd=None, envs={}, timeout=60.0, stdin=stdin)
        if result.exit_code != 0:
            raise SandboxError(f"`{cmd}` failed: {result.stderr.strip() or result.error}")
        return result

    def read(self, path: str, format: Literal["text", "bytes"] = "text") -> Any:
        """Read a file (``format="bytes"`` for binary)."""
        raw = base64.b64decode(self._run(f"base64 -w0 {shlex.quote(path)}").stdout)
        return raw if format == "bytes" else raw.decode("utf-8", errors="replace")

    def write(self, path: str, data: str | bytes) -> None:
        """Write a file, creating parent directories."""
        raw = data.encode() if isinstance(data, str) else data
        q = shlex.quote(path)
        self._run(f'mkdir -p "$(dirname {q})" && base64 -d > {q}', stdin=base64.b64encode(raw))

    def list(self, path: str = ".") -> list[EntryInfo]:
        """List a directory (not recursive)."""
        out = self._run(
            f'cd {shlex.quote(path)} && for f in * .[!.]*; do [ -e "$f" ] || continue; '
            'if [ -d "$f" ]; then t=dir; s=0; else t=file; s=$(wc -c < "$f"); fi; '
            'printf \'%s\\t%s\\t%s\\t%s\\n\' "$t" "$s" "$(pwd)/$f" "$f"; done'
        ).stdout
        entries = []
        for line in out.splitlines():
            kind, size, full, name = line.split("\t", 3)
            entries.append(
                EntryInfo(
                    name=name, path=full, type="dir" if kind == "dir" else "file", size=int(size)
                )
            )
        return entries

    def exists(self, path: str) -> bool:
        """Whether ``path`` exists."""
        q = shlex.quote(path)
        result = self._sandbox._command(f"test -e {q}", cwd=None, envs={}, timeout=30.0)
        return result.exit_code == 0

    def remove(self, path: str) -> None:
        """Remove a file or a directory tree."""
        self._run(f"rm -rf -- {shlex.quote(path)}")


def _load_settings() -> Settings:
    from agentcore.config import load_settings

    return load_settings()


def now_ns() -> int:
    """Timestamps for ``OutputMessage``."""
    return time.time_ns()

"""Map e2b-code-interpreter's values and exceptions to agentcore's.

The SDK is imported inside the functions that need its classes, never at module import, so
that loading the plugin (``agentcore --help``, ``agentcore plugins list``) stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from agentcore.errors import AgentCoreError, SandboxError, UserError
from agentcore.sandbox import (
    EntryInfo,
    Execution,
    ExecutionError,
    Logs,
    OutputMessage,
    Result,
)

if TYPE_CHECKING:
    from agentcore.sandbox._base import OutputHandler

KEY_ENV = "E2B_API_KEY"

T = TypeVar("T")

# Result fields that carry over one to one (``chart`` goes into ``extra``).
_RESULT_FIELDS = (
    "text",
    "html",
    "markdown",
    "svg",
    "png",
    "jpeg",
    "pdf",
    "latex",
    "json",
    "javascript",
    "data",
)


def to_result(sdk_result: Any) -> Result:
    """One SDK ``Result`` as ours; its ``chart`` (E2B's extracted chart data) goes to ``extra``."""
    extra = dict(sdk_result.extra) if sdk_result.extra else {}
    chart = getattr(sdk_result, "chart", None)
    if chart is not None:
        extra["chart"] = chart.to_dict()
    return Result(
        **{name: getattr(sdk_result, name, None) for name in _RESULT_FIELDS},
        is_main_result=bool(sdk_result.is_main_result),
        extra=extra or None,
    )


def to_error(sdk_error: Any) -> ExecutionError:
    """The SDK's ``ExecutionError`` as ours."""
    return ExecutionError(
        name=str(sdk_error.name), value=str(sdk_error.value), traceback=str(sdk_error.traceback)
    )


def to_execution(sdk_execution: Any, *, output_limit: int) -> Execution:
    """The SDK's ``Execution`` as ours, with stdout and stderr capped at ``output_limit`` chars."""
    return Execution(
        results=[to_result(r) for r in sdk_execution.results],
        logs=Logs(
            stdout=cap_chunks(sdk_execution.logs.stdout, output_limit),
            stderr=cap_chunks(sdk_execution.logs.stderr, output_limit),
        ),
        error=None if sdk_execution.error is None else to_error(sdk_execution.error),
        execution_count=sdk_execution.execution_count,
    )


def timeout_execution(
    stdout: list[str], stderr: list[str], *, timeout: float, output_limit: int
) -> Execution:
    """The outcome of an execution that ran past its time limit: what it wrote, and the error."""
    return Execution(
        logs=Logs(stdout=cap_chunks(stdout, output_limit), stderr=cap_chunks(stderr, output_limit)),
        error=ExecutionError(
            name="TimeoutError",
            value=f"execution exceeded {timeout:g} s and was stopped (the context was restarted: "
            "its variables are gone)",
            traceback="",
        ),
    )


def cap_chunks(chunks: Iterable[str], limit: int) -> list[str]:
    """Keep chunks up to ``limit`` characters in all, then say how much was dropped."""
    kept: list[str] = []
    used = dropped = 0
    for chunk in chunks:
        room = limit - used
        if room <= 0:
            dropped += len(chunk)
            continue
        if len(chunk) > room:
            kept.append(chunk[:room])
            dropped += len(chunk) - room
            used = limit
        else:
            kept.append(chunk)
            used += len(chunk)
    if dropped:
        kept.append(f"\n[output truncated: {dropped} more characters]\n")
    return kept


def cap_text(text: str | None, limit: int) -> str:
    """One string capped at ``limit`` characters, with a note of what was dropped."""
    return "".join(cap_chunks([text or ""], limit))


def to_output(sdk_message: Any) -> OutputMessage:
    """A streamed SDK ``OutputMessage`` as ours."""
    return OutputMessage(
        line=str(sdk_message.line),
        timestamp=int(sdk_message.timestamp),
        error=bool(sdk_message.error),
    )


class OutputCollector:
    """Forwards streamed output to the caller's handlers and keeps a copy.

    The copy is what an execution that timed out reports: the SDK raises on a timeout and
    its own record of the output is lost with the exception.
    """

    def __init__(
        self, on_stdout: OutputHandler | None, on_stderr: OutputHandler | None, *, limit: int
    ) -> None:
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._on_stdout = on_stdout
        self._on_stderr = on_stderr
        self._limit = limit
        self._sizes = {"stdout": 0, "stderr": 0}

    def _take(self, stream: str, sdk_message: Any) -> None:
        message = to_output(sdk_message)
        chunks, handler = (
            (self.stdout, self._on_stdout) if stream == "stdout" else (self.stderr, self._on_stderr)
        )
        # Keep a little past the limit so cap_chunks can tell how much was dropped.
        if self._sizes[stream] <= self._limit:
            chunks.append(message.line)
        self._sizes[stream] += len(message.line)
        if handler is not None:
            handler(message)

    def on_stdout(self, sdk_message: Any) -> None:
        """The SDK's ``on_stdout`` callback."""
        self._take("stdout", sdk_message)

    def on_stderr(self, sdk_message: Any) -> None:
        """The SDK's ``on_stderr`` callback."""
        self._take("stderr", sdk_message)


def to_entry(sdk_entry: Any) -> EntryInfo:
    """An SDK ``EntryInfo`` as ours (a symbolic link is reported as a file)."""
    from e2b import FileType

    return EntryInfo(
        name=sdk_entry.name,
        path=sdk_entry.path,
        type="dir" if sdk_entry.type == FileType.DIR else "file",
        size=int(sdk_entry.size),
    )


def is_execution_timeout(exc: BaseException) -> bool:
    """Whether ``exc`` is the SDK's "code ran past ``timeout``" error, not an infrastructure one.

    The SDK raises a plain ``TimeoutException`` for an execution that ran too long, for a
    request that timed out and for a sandbox killed mid-request; only its message tells
    them apart, so compare with the SDK's own formatter.
    """
    from e2b import SandboxNotRunningException, SandboxUnreachableException, TimeoutException
    from e2b_code_interpreter.exceptions import (  # type: ignore[import-untyped]
        format_execution_timeout_error,
    )

    if not isinstance(exc, TimeoutException) or isinstance(
        exc, SandboxNotRunningException | SandboxUnreachableException
    ):
        return False
    return str(exc) == str(format_execution_timeout_error())


def sandbox_gone(exc: BaseException) -> bool:
    """Whether ``exc`` says the sandbox no longer exists (killed, or past its E2B timeout)."""
    from e2b import SandboxNotFoundException, SandboxNotRunningException, TimeoutException
    from e2b.exceptions import is_sandbox_not_found_message
    from e2b_code_interpreter.exceptions import format_sandbox_killed_error

    if isinstance(exc, SandboxNotRunningException | SandboxNotFoundException):
        return True
    if not isinstance(exc, TimeoutException):
        return False
    # The code interpreter reports "sandbox not found" from E2B's proxy as a TimeoutException.
    message = str(exc)
    return message == str(format_sandbox_killed_error()) or is_sandbox_not_found_message(message)


def map_error(exc: BaseException, *, action: str) -> AgentCoreError | None:
    """The agentcore error for an SDK or transport exception, or ``None`` if it is neither.

    Args:
        exc: What the SDK raised.
        action: What we were doing, for the message (e.g. ``"starting an E2B sandbox"``).
    """
    import httpx
    from e2b import (
        AuthenticationException,
        RateLimitException,
        SandboxException,
        ServiceBusyException,
        TemplateException,
    )

    message = str(exc).strip() or type(exc).__name__
    if isinstance(exc, AuthenticationException):
        return UserError(
            f"E2B rejected the API key in {KEY_ENV} while {action}: {message}",
            hint=f"check {KEY_ENV} (keys are listed at https://e2b.dev/dashboard)",
        )
    if isinstance(exc, TemplateException):
        return UserError(
            f"the E2B template cannot be used while {action}: {message}",
            hint="rebuild the template, or remove [plugins.e2b] template to use the default",
        )
    if isinstance(exc, RateLimitException):
        return SandboxError(f"E2B rate limit reached while {action}: {message}")
    if isinstance(exc, ServiceBusyException):
        return SandboxError(f"E2B is busy (503) while {action}: {message}")
    if sandbox_gone(exc):
        return SandboxError(
            f"the E2B sandbox is gone (killed or timed out) while {action}: {message}"
        )
    if isinstance(exc, SandboxException):
        return SandboxError(f"E2B failed while {action}: {message}")
    if isinstance(exc, httpx.TransportError):
        return SandboxError(f"cannot reach E2B while {action}: {message}")
    return None


def call_mapped(action: str, fn: Callable[[], T], *, on_gone: Callable[[], None]) -> T:
    """Call ``fn``, turning SDK and transport errors into agentcore errors.

    ``on_gone`` runs when the error says the sandbox no longer exists.
    """
    try:
        return fn()
    except Exception as exc:
        mapped = map_error(exc, action=action)
        if mapped is None:
            raise
        if sandbox_gone(exc):
            on_gone()
        raise mapped from exc

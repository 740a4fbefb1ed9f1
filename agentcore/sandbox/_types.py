"""Values a sandbox returns, named after e2b-code-interpreter's so code moves between backends."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

RESULT_FORMATS = (
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
)


@dataclass(kw_only=True, slots=True, frozen=True)
class OutputMessage:
    """One chunk of stdout or stderr, as streamed to ``on_stdout`` / ``on_stderr``."""

    line: str
    timestamp: int  # Unix epoch, nanoseconds
    error: bool = False

    def __str__(self) -> str:
        return self.line


@dataclass(kw_only=True, slots=True, frozen=True)
class ExecutionError:
    """An exception raised by user code: returned in ``Execution.error``, never raised.

    Attributes:
        name: The exception class, e.g. ``ZeroDivisionError`` (``TimeoutError`` when the
            execution ran past its time limit).
        value: ``str(exception)``.
        traceback: The formatted traceback of the user's code.
    """

    name: str
    value: str
    traceback: str


@dataclass(kw_only=True, slots=True, frozen=True)
class Result:
    """A rich result: the value of the last expression, a ``display()`` call, or a chart.

    Binary formats (``png``, ``jpeg``, ``pdf``) are base64-encoded strings, as in E2B.
    """

    text: str | None = None
    html: str | None = None
    markdown: str | None = None
    svg: str | None = None
    png: str | None = None
    jpeg: str | None = None
    pdf: str | None = None
    latex: str | None = None
    json: dict[str, Any] | None = None
    javascript: str | None = None
    data: dict[str, Any] | None = None
    is_main_result: bool = False
    extra: dict[str, Any] | None = None

    def formats(self) -> list[str]:
        """The formats this result has, e.g. ``["text", "png"]``."""
        return [f for f in RESULT_FORMATS if getattr(self, f) is not None]

    def __str__(self) -> str:
        return self.text or ""


@dataclass(kw_only=True, slots=True, frozen=True)
class Logs:
    """Everything user code wrote to stdout and stderr, in chunks."""

    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


@dataclass(kw_only=True, slots=True, frozen=True)
class Execution:
    """The outcome of one ``run_code`` call.

    Attributes:
        results: Rich results; the last expression's value has ``is_main_result``.
        logs: stdout and stderr.
        error: The user code's exception, if it raised (it is not re-raised).
        execution_count: This context's execution counter, as in a notebook.
    """

    results: list[Result] = field(default_factory=list)
    logs: Logs = field(default_factory=Logs)
    error: ExecutionError | None = None
    execution_count: int | None = None

    @property
    def text(self) -> str | None:
        """The text of the main result, if any."""
        return next((r.text for r in self.results if r.is_main_result), None)

    def to_json(self) -> str:
        """Serialise for logs and traces."""
        return json.dumps(
            {
                "results": [{f: getattr(r, f) for f in r.formats()} for r in self.results],
                "logs": {"stdout": self.logs.stdout, "stderr": self.logs.stderr},
                "error": None
                if self.error is None
                else {
                    "name": self.error.name,
                    "value": self.error.value,
                    "traceback": self.error.traceback,
                },
                "execution_count": self.execution_count,
            }
        )


@dataclass(kw_only=True, slots=True, frozen=True)
class Context:
    """A code context: one interpreter whose state survives between ``run_code`` calls."""

    id: str
    language: str = "python"
    cwd: str = "/workspace"


@dataclass(kw_only=True, slots=True, frozen=True)
class CommandResult:
    """The outcome of ``commands.run``.

    Attributes:
        stdout: Everything the command wrote to stdout (capped).
        stderr: Everything it wrote to stderr (capped).
        exit_code: Its exit status; negative for a signal (``-9`` when killed at its timeout).
        error: Why it did not complete normally (e.g. ``"timed out after 5 s"``), if so.
    """

    stdout: str
    stderr: str
    exit_code: int
    error: str | None = None


@dataclass(kw_only=True, slots=True, frozen=True)
class EntryInfo:
    """A file or directory in the sandbox, as ``files.list`` reports it."""

    name: str
    path: str
    type: Literal["file", "dir"]
    size: int

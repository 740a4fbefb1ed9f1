"""``code_tests``: run the candidate's code against the case's tests in the sandbox.

The program is HumanEval's: the candidate, the case's test code, then ``check(entry_point)``.
It runs as a fresh Python process in a sandbox of its own (the backend is chosen by config
like ``run_python``'s: ``local`` by default, no network, not as root), with a time limit and,
when asked, a memory limit. It passes when the process exits with status 0 in time.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, model_validator

from agentcore.errors import UserError
from agentcore.evals._types import Sample, Score, Scorer
from agentcore.evals.scorers._answer import code_blocks

if TYPE_CHECKING:
    from agentcore.sandbox import CommandResult

#: The program's file name in the sandbox's working directory.
_PROGRAM = "code_tests_program.py"
#: stdout / stderr kept in ``Score.details``.
_TAIL_CHARS = 2_000
#: The sandbox lives this long past the test's own time limit (writing the program, cleanup).
_SANDBOX_MARGIN_S = 60.0
#: A ``run_python`` report whose code raised has a line ``error: Name: value`` (see
#: ``agentcore_code._report``); such a call is not a successful one.
_RUN_PYTHON_ERROR = re.compile(r"^error: [A-Za-z_][\w.]*(?::|$)", re.MULTILINE)


@dataclass(frozen=True, kw_only=True, slots=True)
class _Outcome:
    exit_code: int
    stdout: str
    stderr: str
    error: str | None  # set when the sandbox stopped the program (its time limit)
    duration_s: float


class CodeTests(Scorer):
    """Execution-based tests, HumanEval style, in the sandbox.

    The candidate code comes from ``source``: ``answer`` (the last ```` ```python ```` block of
    the final answer), ``tool`` (the ``code`` of the last ``run_python`` call whose code ran
    without an error), ``file`` (``path`` in the run's workspace), or ``auto`` (answer, else
    tool).

    The tests come from the case's metadata:

    * HumanEval style ``{prompt, test, entry_point}``: the program is the candidate, then
      ``test``, then ``check(entry_point)``. A candidate that does not define ``entry_point``
      is a completion of ``prompt`` (e.g. a function body) and is appended to it; one that
      does is placed after ``prompt``, so the prompt's imports and helper functions are there
      and the candidate's definition replaces the prompt's stub.
    * a plain ``test``: code run after the candidate (asserts, or a call that raises).

    Attributes:
        source: Where the candidate code comes from.
        path: The workspace file read when ``source`` is ``file``.
        timeout_s: Seconds the program may run.
        memory_mb: Address-space limit of the program, over the configured
            ``[sandbox] memory_mb``.

    Example:
        ```yaml
        scorers:
          - code_tests: {source: answer, timeout_s: 10}
        ```
    """

    name: ClassVar[str] = "code_tests"
    uses_workspace: ClassVar[bool] = True  # source: file reads it

    source: Literal["auto", "answer", "tool", "file"] = "auto"
    path: str | None = None
    timeout_s: float = Field(10.0, gt=0, le=600)
    memory_mb: int | None = Field(None, ge=64)

    @model_validator(mode="after")
    def _path_for_file(self) -> CodeTests:
        if self.source == "file" and not self.path:
            raise ValueError("source 'file' needs the option 'path' (a file in the workspace)")
        return self

    async def score(self, sample: Sample) -> Score:
        """Run the candidate against the case's tests; pass when the program exits 0 in time.

        Raises:
            UserError: The case has no ``test`` in its metadata (the suite is incomplete).
        """
        candidate, origin = self._candidate(sample)
        if candidate is None:
            return Score(scorer=self.name, value=0.0, passed=False, explanation=origin)
        program = build_program(candidate, sample.case.metadata, case_id=sample.case.id)
        outcome = await asyncio.to_thread(_run_program, program, self.timeout_s, self.memory_mb)
        passed = outcome.exit_code == 0 and outcome.error is None
        details = {
            "source": origin,
            "exit_code": outcome.exit_code,
            "duration_s": round(outcome.duration_s, 3),
            "timed_out": outcome.error is not None,
            "stdout": outcome.stdout[-_TAIL_CHARS:],
            "stderr": outcome.stderr[-_TAIL_CHARS:],
        }
        if passed:
            explanation = f"the tests passed ({origin} code, {outcome.duration_s:.1f} s)"
        elif outcome.error is not None:
            explanation = f"the tests did not finish: {outcome.error}"
        else:
            explanation = f"the tests failed: {_failure_line(outcome)}"
        return Score(
            scorer=self.name,
            value=1.0 if passed else 0.0,
            passed=passed,
            explanation=explanation,
            details=details,
        )

    def _candidate(self, sample: Sample) -> tuple[str | None, str]:
        """The candidate code and where it came from, or None and why there is none."""
        if self.source == "file":
            assert self.path is not None
            if sample.workspace is None:
                return None, f"no workspace to read {self.path} from (it was not kept)"
            file = sample.workspace / self.path
            try:
                return file.read_text(encoding="utf-8", errors="replace"), "file"
            except OSError as exc:
                return None, f"the candidate file {self.path} could not be read: {exc.strerror}"
        if self.source in ("answer", "auto"):
            blocks = code_blocks(sample.answer, "python")
            if blocks:
                return blocks[-1] + "\n", "answer"
            if self.source == "answer":
                return None, "the answer has no ```python code block"
        code = _last_run_python(sample)
        if code is not None:
            return code, "tool"
        if self.source == "tool":
            return None, "no run_python call ran without an error"
        return None, "no candidate code: no ```python block in the answer and no run_python call"


def build_program(candidate: str, metadata: Mapping[str, Any], *, case_id: str) -> str:
    """The program run for a candidate: candidate (after the prompt), tests, check call.

    Args:
        candidate: The candidate's code.
        metadata: The case's metadata: ``test`` and, HumanEval style, ``prompt`` and
            ``entry_point``.
        case_id: For the error message.

    Raises:
        UserError: ``metadata`` has no ``test`` string.
    """
    test = metadata.get("test")
    if not isinstance(test, str) or not test.strip():
        raise UserError(
            f"case '{case_id}': the code_tests scorer needs the test code in the case's "
            "metadata.test",
            hint="add metadata: {test: ...} (and prompt, entry_point for HumanEval-style tests)",
        )
    prompt = metadata.get("prompt")
    entry_point = metadata.get("entry_point")
    if isinstance(entry_point, str) and entry_point:
        code = candidate
        if isinstance(prompt, str) and prompt:
            code = (
                f"{prompt}\n\n{candidate}"
                if _defines(candidate, entry_point)
                else prompt + candidate
            )
        return f"{code}\n\n{test}\n\ncheck({entry_point})\n"
    return f"{candidate}\n\n{test}\n"


def _defines(code: str, name: str) -> bool:
    """Whether ``code`` defines ``name`` at its top level (a def, class or assignment)."""
    pattern = rf"^(?:async\s+def|def|class)\s+{re.escape(name)}\b|^{re.escape(name)}\s*="
    return re.search(pattern, code, re.MULTILINE) is not None


def _last_run_python(sample: Sample) -> str | None:
    for call in reversed(sample.tool_calls()):
        code = call.args.get("code")
        if call.tool != "run_python" or call.is_error or not isinstance(code, str):
            continue
        if _RUN_PYTHON_ERROR.search(call.output):
            continue
        return code
    return None


def _run_program(program: str, timeout_s: float, memory_mb: int | None) -> _Outcome:
    """Run ``program`` in a new sandbox of its own (blocking; one per call, so calls may overlap).

    Raises:
        UserError: No sandbox backend can run here, or the configuration is invalid.
        SandboxError: The sandbox failed as infrastructure.
    """
    from agentcore.config import load_settings
    from agentcore.sandbox import Sandbox

    settings = load_settings()
    if memory_mb is not None:
        limits = settings.sandbox.model_copy(update={"memory_mb": memory_mb})
        settings = settings.model_copy(update={"sandbox": limits})
    # Its own workspace: nothing of the run's is touched, and no other score shares it.
    with (
        tempfile.TemporaryDirectory(prefix="agentcore-code-tests-") as tmp,
        Sandbox.create(
            timeout=timeout_s + _SANDBOX_MARGIN_S, workspace=Path(tmp), settings=settings
        ) as sandbox,
    ):
        sandbox.files.write(_PROGRAM, program)
        started = time.monotonic()
        result: CommandResult = sandbox.commands.run(f"python {_PROGRAM}", timeout=timeout_s)
        duration = time.monotonic() - started
    return _Outcome(
        exit_code=result.exit_code,
        stdout=result.stdout,
        stderr=result.stderr,
        error=result.error,
        duration_s=duration,
    )


def _failure_line(outcome: _Outcome) -> str:
    """One line for the report: the exception and, for a bare assert, the failing line."""
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    if not lines:
        return f"the program exited with status {outcome.exit_code} and no error output"
    last = lines[-1].strip()
    source_lines = [
        line.strip()
        for line in lines[:-1]
        if line.startswith("    ") and not set(line.strip()) <= set("^~ ")
    ]
    if source_lines and last in ("AssertionError", "AssertionError:"):
        last = f"AssertionError at `{source_lines[-1]}`"
    return last if len(last) <= 300 else last[:297] + "..."

"""Helpers for the runner, log, rescore and CLI tests: scorers a test plugin registers,
suite files in tmp_path, sample records, and an in-process ``agentcore``."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from agentcore.evals import Sample, SampleRecord, Score, Scorer
from agentcore.plugins import Registry, hookimpl, load_registry
from agentcore.result import UsageReport


class CompletedWith(Scorer):
    """Passes when the run completed and its answer holds the case's ``expected`` text."""

    name: ClassVar[str] = "completed_with"

    async def score(self, sample: Sample) -> Score:
        ok = sample.status == "completed" and str(sample.case.expected) in sample.answer
        return Score(scorer=self.name, value=float(ok), passed=ok, explanation=sample.status)


class Boom(Scorer):
    """Always raises, like a buggy scorer."""

    name: ClassVar[str] = "boom"

    async def score(self, sample: Sample) -> Score:
        raise RuntimeError("the scorer blew up")


class FileSays(Scorer):
    """Reads ``file`` in the run's workspace; passes when it holds ``text``."""

    name: ClassVar[str] = "file_says"
    uses_workspace: ClassVar[bool] = True
    file: str
    text: str

    async def score(self, sample: Sample) -> Score:
        assert sample.workspace is not None
        ok = self.text in (sample.workspace / self.file).read_text()
        return Score(scorer=self.name, value=float(ok), passed=ok)


class EvalTestPlugin:
    @hookimpl
    def register_scorers(self, register: Callable[[str, Any], None]) -> None:
        for cls in (CompletedWith, Boom, FileSays):
            register(cls.name, cls)


def scorer_registry() -> Registry:
    """The installed plugins plus the test scorers."""
    return load_registry(extra=[("eval-test", EvalTestPlugin())])


@pytest.fixture
def eval_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every ``load_registry()`` call (the CLI's) also register the test scorers."""
    import functools

    import agentcore.plugins

    real = agentcore.plugins.load_registry
    monkeypatch.setattr(
        agentcore.plugins,
        "load_registry",
        functools.partial(real, extra=[("eval-test", EvalTestPlugin())]),
    )


# The three cases of the end-to-end suite, on scripted:hello (a planner, a researcher that
# calls `think` once, a coder, and a synthesis that says "... worked on: TASK"):
# `ok` passes, `wrong` expects text the answer lacks, `limited` stops at max_tool_calls.
SUITE = """\
name: tiny
description: three cases on a scripted model
scorers: [completed_with]
limits: {max_steps: 6}
cases:
  - id: ok
    input: Say hello
    expected: worked on
    tags: [easy]
  - id: wrong
    input: Say hello
    expected: goodbye
    tags: [hard]
  - id: limited
    input: Say hello
    expected: worked on
    tags: [hard]
    limits: {max_tool_calls: 1}
"""


def write_suite(folder: Path, text: str = SUITE, name: str = "suite.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def record(
    case_id: str,
    epoch: int,
    *,
    passed: bool,
    value: float | None = None,
    failure: str | None = None,
    tags: tuple[str, ...] = (),
    agent_tokens: dict[str, int] | None = None,
    cost: float = 0.0,
    scored: bool = True,
) -> SampleRecord:
    """A sample record as the runner writes it."""
    by_agent = {
        name: {"input_tokens": n, "output_tokens": 1, "cost_usd": cost, "calls": 1}
        for name, n in (agent_tokens or {}).items()
    }
    by_model = {
        "scripted:x": {
            "input_tokens": sum(u["input_tokens"] for u in by_agent.values()),
            "output_tokens": len(by_agent),
            "cost_usd": cost * len(by_agent),
            "calls": len(by_agent),
        }
    }
    usage = UsageReport.from_state(by_agent, by_model if by_agent else {})
    score_value = value if value is not None else float(passed)
    scores = [Score(scorer="s", value=score_value, passed=passed)] if scored else []
    if failure == "scorer_error":
        scores = [Score(scorer="s", value=0, passed=False, details={"error": "x"})]
    return SampleRecord(
        case_id=case_id,
        epoch=epoch,
        tags=list(tags),
        run_id=f"r-{case_id}-{epoch}",
        model="scripted:x",
        status="completed",
        answer="a",
        usage=usage,
        duration_s=1.0,
        scores=scores,
        passed=passed,
        failure=failure if not passed else None,
    )


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> CliResult:
    """``agentcore ARGS...`` in-process; its exit code, stdout and stderr."""
    from agentcore.cli import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    captured = capsys.readouterr()
    code = exc.value.code
    return CliResult(code=code if isinstance(code, int) else 1, out=captured.out, err=captured.err)

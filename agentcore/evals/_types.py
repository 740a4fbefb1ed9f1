"""What an eval is made of: suites and cases, the samples scorers see, scores, and log records.

A **suite** is a YAML file of **cases**. Each case runs once per **epoch**; one run of one case
is a **sample**. **Scorers** turn a sample into **scores**; the eval log keeps one
:class:`SampleRecord` per sample, so a log can be re-scored without re-running anything.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agentcore.result import RunStatus, UsageReport

CASE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$"

FailureClass = Literal[
    "wrong_answer",  # the run finished but a scorer failed it
    "limit_reached",  # a run limit (time, tokens, cost, tool calls, steps) stopped it
    "tool_error",  # it failed and a tool call had failed on the way
    "model_error",  # the model could not be called or answered unusably
    "infra_error",  # the sandbox, disk or harness failed (retried before it is recorded)
    "scorer_error",  # a scorer raised: the sample is unscored, not wrong
]
"""Why a sample did not pass. ``flaky`` is a *case* class (see :class:`CaseSummary`)."""


class ScorerRef(BaseModel):
    """A scorer named in a suite, with its options.

    YAML accepts three spellings: ``exact``, ``{name: numeric, tolerance: 0.01}`` and
    ``{numeric: {tolerance: 0.01}}``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"name": data}
        if isinstance(data, dict) and "name" not in data and len(data) == 1:
            ((name, options),) = data.items()
            return {"name": name, "options": options if options is not None else {}}
        if isinstance(data, dict) and "name" in data and "options" not in data:
            rest = {k: v for k, v in data.items() if k != "name"}
            return {"name": data["name"], "options": rest}
        return data


class Case(BaseModel):
    """One task of a suite.

    Attributes:
        id: Unique in the suite (letters, digits, ``_ . - /``).
        input: The task given to the team.
        files: Paths relative to the suite file, copied into the run's workspace first.
        expected: What a right answer is, in the form the case's scorers read.
        scorers: Scorers for this case; ``None`` uses the suite's.
        tags: Free labels; ``--tags`` selects by them and reports group by them.
        limits: Run limits for this case (any ``Limits`` field), over the suite's.
        metadata: Anything else scorers may read (e.g. HumanEval's test code).

    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=CASE_ID_PATTERN, max_length=200)
    input: str = Field(min_length=1)
    files: list[str] = Field(default_factory=list)
    expected: Any = None
    scorers: list[ScorerRef] | None = None
    tags: list[str] = Field(default_factory=list)
    limits: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)


class Suite(BaseModel):
    """A suite file: metadata, defaults, and cases.

    Attributes:
        name: The suite's name (``agentcore eval NAME`` finds bundled suites by it).
        description: What it measures.
        version: Bump it when cases or gold answers change; logs record it.
        scorers: Default scorers for cases that name none.
        limits: Default run limits (any ``Limits`` field) for every case.
        epochs: Default number of runs per case (``--epochs`` overrides).
        collections: RAG collections the cases search, built before any case runs in the
            eval's own data folder: collection name -> files or folders relative to the suite.
        cases: The cases, ids unique.
        path: The suite file (set by the loader; not part of the YAML).

    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    description: str = ""
    version: str = "1"
    scorers: list[ScorerRef] = Field(default_factory=list)
    limits: dict[str, Any] = Field(default_factory=dict)
    epochs: int = Field(1, ge=1, le=100)
    collections: dict[str, list[str]] = Field(default_factory=dict)
    cases: list[Case] = Field(min_length=1)
    path: Path | None = Field(None, exclude=True)

    @property
    def directory(self) -> Path:
        """The folder case files and cassettes are relative to."""
        return self.path.parent if self.path else Path.cwd()

    def scorers_for(self, case: Case) -> list[ScorerRef]:
        """The scorers a case is scored with."""
        return case.scorers if case.scorers is not None else self.scorers


@dataclass(frozen=True, kw_only=True, slots=True)
class ToolCallRecord:
    """One tool call of a run, from its trace."""

    agent: str
    step: str
    tool: str
    args: dict[str, Any]
    output: str  # the tool's result text (the trace keeps the first 2,000 characters)
    is_error: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class Sample:
    """One run of one case: what scorers look at.

    Attributes:
        case: The case.
        epoch: 1-based epoch.
        answer: The run's final answer.
        status: The run's status.
        error: What went wrong, if anything.
        limit: The limit that stopped the run, if any.
        trace: The run's trace records (``model_call``, ``tool_call``, ``tool_result``, ...).
        usage: Tokens and cost, in total, by agent and by model.
        duration_s: Wall time of the run.
        workspace: The run's workspace (kept under the eval's output folder), if it still exists.
        suite_dir: The suite's folder, for files scorers read (gold data).
        data_dir: The agentcore data dir the run used (its model registry, RAG collections),
            if known; scorers that read tracked state fall back to the configured one.

    """

    case: Case
    epoch: int
    answer: str
    status: RunStatus
    error: str | None = None
    limit: str | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)
    usage: UsageReport = field(default_factory=UsageReport)
    duration_s: float = 0.0
    workspace: Path | None = None
    suite_dir: Path | None = None
    data_dir: Path | None = None

    def tool_calls(self) -> list[ToolCallRecord]:
        """The run's tool calls in order, each with its result."""
        results = {r.get("call_id"): r for r in self.trace if r.get("type") == "tool_result"}
        calls: list[ToolCallRecord] = []
        for record in self.trace:
            if record.get("type") != "tool_call":
                continue
            result = results.get(record.get("call_id"), {})
            calls.append(
                ToolCallRecord(
                    agent=str(record.get("agent", "")),
                    step=str(record.get("step", "")),
                    tool=str(record.get("tool", "")),
                    args=dict(record.get("args") or {}),
                    output=str(result.get("output", "")),
                    is_error=bool(result.get("is_error", False)),
                )
            )
        return calls

    def agents(self) -> list[str]:
        """The agents that ran steps, in the order their steps started."""
        return [str(r.get("agent")) for r in self.trace if r.get("type") == "step_start"]


class Score(BaseModel):
    """What one scorer made of one sample.

    Attributes:
        scorer: The scorer's name.
        value: 0.0 to 1.0 (1.0 = fully right).
        passed: Whether the sample passes this scorer.
        explanation: One line a person reads in the report.
        details: Machine-readable specifics (expected vs got, per-test results...).

    """

    model_config = ConfigDict(extra="forbid")

    scorer: str
    value: float = Field(ge=0.0, le=1.0)
    passed: bool
    explanation: str = ""
    details: dict[str, Any] = Field(default_factory=dict)


class Scorer(BaseModel, ABC):
    """Base class of scorers: the options are the model's fields, ``score`` does the work.

    Register a subclass with the ``register_scorers`` hook: ``register(MyScorer.name, MyScorer)``.
    A suite's ``{name: ..., **options}`` is validated into an instance (unknown options are
    refused). ``score`` may be slow (it may run code in the sandbox) but must not raise for a
    wrong answer: a wrong answer is a failing :class:`Score` with an explanation.

    Example:
        ```python
        class Shouting(Scorer):
            name: ClassVar[str] = "shouting"
            min_ratio: float = 0.5

            async def score(self, sample: Sample) -> Score:
                letters = [c for c in sample.answer if c.isalpha()]
                ratio = sum(c.isupper() for c in letters) / max(len(letters), 1)
                return Score(scorer=self.name, value=ratio, passed=ratio >= self.min_ratio)
        ```

    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ClassVar[str]
    uses_workspace: ClassVar[bool] = False
    """True when ``score`` reads the run's workspace (rescoring needs it kept)."""

    @abstractmethod
    async def score(self, sample: Sample) -> Score:
        """Score one sample."""


class SampleRecord(BaseModel):
    """One line of an eval log: a sample with its run outcome and scores."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["sample"] = "sample"
    case_id: str
    epoch: int
    tags: list[str] = Field(default_factory=list)
    run_id: str
    model: str
    status: RunStatus
    answer: str
    error: str | None = None
    limit: str | None = None
    duration_s: float = 0.0
    usage: UsageReport = Field(default_factory=UsageReport)
    agent_time_s: dict[str, float] = Field(default_factory=dict)  # wall time per agent
    tool_calls: int = 0
    attempts: int = 1  # runs made: > 1 when infrastructure errors were retried
    workspace: str | None = None
    trace: list[dict[str, Any]] = Field(default_factory=list)
    scores: list[Score] = Field(default_factory=list)
    passed: bool = False
    failure: FailureClass | None = None


class EvalHeader(BaseModel):
    """The first line of an eval log: what was run, how, and when."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["header"] = "header"
    eval_id: str
    suite: str
    suite_path: str
    suite_version: str
    model: str
    epochs: int
    concurrency: int
    case_ids: list[str]
    started_at: str  # ISO 8601, UTC
    agentcore_version: str
    record: str | None = None  # the cassette written, if any
    offline: bool = False
    argv: list[str] = Field(default_factory=list)


class CaseSummary(BaseModel):
    """One case across its epochs."""

    model_config = ConfigDict(extra="forbid")

    case_id: str
    tags: list[str] = Field(default_factory=list)
    epochs: int
    passed: int  # epochs that passed
    mean_score: float
    pass_at_k: dict[int, float]  # unbiased pass@k for k = 1..epochs
    pass_hat_k: dict[int, float]  # pass^k: all of k runs pass
    flaky: bool  # passed in some epochs and failed in others
    failures: dict[str, int] = Field(default_factory=dict)  # FailureClass -> epochs
    cost_usd: float = 0.0
    tokens: int = 0
    duration_s: float = 0.0


class EvalSummary(BaseModel):
    """The last line of a finished eval log: aggregates over its samples."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["summary"] = "summary"
    finished_at: str
    samples: int
    cases: int
    accuracy: float  # passed samples / scored samples
    mean_score: float
    pass_at_k: dict[int, float]  # mean over cases
    pass_hat_k: dict[int, float]
    by_tag: dict[str, float] = Field(default_factory=dict)  # tag -> accuracy
    failures: dict[str, int] = Field(default_factory=dict)  # FailureClass or "flaky" -> count
    usage: UsageReport = Field(default_factory=UsageReport)  # all samples, by agent and model
    agent_time_s: dict[str, float] = Field(default_factory=dict)  # all samples, per agent
    duration_s: float = 0.0
    case_summaries: list[CaseSummary] = Field(default_factory=list)


class EvalLog(BaseModel):
    """A whole eval log as read back: header, samples, and the summary once finished."""

    header: EvalHeader
    samples: list[SampleRecord] = Field(default_factory=list)
    summary: EvalSummary | None = None
    path: Path | None = Field(None, exclude=True)

    @property
    def finished(self) -> bool:
        """True once the summary line was written."""
        return self.summary is not None

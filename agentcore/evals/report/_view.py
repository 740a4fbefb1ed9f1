"""What both reports show, computed once from a log: the summary, per-case rows, failures, costs.

The terminal table and the HTML page render the same :class:`ReportView`; neither computes
numbers of its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from agentcore.cli._render import shorten
from agentcore.evals._types import CaseSummary, EvalLog, EvalSummary, SampleRecord
from agentcore.result import AgentUsage

EXPLANATION_CHARS = 160
"""How much of a failing sample's explanation a report line shows."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Failing:
    """A sample that did not pass, with the reason a person reads first."""

    sample: SampleRecord
    reason: str  # the first failing score's explanation, else the run's error or limit


@dataclass(frozen=True, kw_only=True, slots=True)
class ReportView:
    """Everything a report shows.

    Attributes:
        log: The log.
        summary: The log's summary, or one computed from its samples if it is unfinished
            (``None`` only when there are no samples yet).
        finished: Whether the log has its summary line (the eval ran to the end).
        failing: Samples that did not pass, in case then epoch order.
        cost_by_agent_model: ``(agent, model)`` -> usage over all samples.

    """

    log: EvalLog
    summary: EvalSummary | None
    finished: bool
    failing: list[Failing]
    cost_by_agent_model: dict[tuple[str, str], AgentUsage]

    @property
    def cases(self) -> list[CaseSummary]:
        """Per-case summaries (empty without samples)."""
        return self.summary.case_summaries if self.summary else []

    @property
    def k(self) -> int:
        """The largest k of pass@k: the number of epochs."""
        if self.summary and self.summary.pass_at_k:
            return max(self.summary.pass_at_k)
        return self.log.header.epochs


def build_view(log: EvalLog) -> ReportView:
    """Gather what a report shows from a finished or unfinished log.

    Args:
        log: The log, as :func:`agentcore.evals._log.read_log` returns it.

    Returns:
        The view both reports render.

    """
    summary = log_summary(log)
    samples = sorted(log.samples, key=lambda s: (s.case_id, s.epoch))
    failing = [Failing(sample=s, reason=failure_reason(s)) for s in samples if not s.passed]
    return ReportView(
        log=log,
        summary=summary,
        finished=log.finished,
        failing=failing,
        cost_by_agent_model=cost_by_agent_model(log.samples),
    )


def log_summary(log: EvalLog) -> EvalSummary | None:
    """The log's summary; for an unfinished log, one summarised from its samples so far.

    An unfinished log's duration runs from its start to its last write (the file's mtime),
    or to now without a file.

    Returns:
        The summary, or ``None`` when the log has no samples yet.

    """
    if log.summary is not None:
        return log.summary
    if not log.samples:
        return None
    from agentcore.evals._summary import summarise

    started = datetime.fromisoformat(log.header.started_at)
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    if log.path is not None and log.path.exists():
        finished = datetime.fromtimestamp(log.path.stat().st_mtime, tz=UTC)
    else:
        finished = datetime.now(UTC)
    return summarise(log.samples, started=started, finished=finished)


def case_pass_at_k(case: CaseSummary, k: int) -> float:
    """A case's pass@k, at its own largest k when it has fewer scored epochs than ``k``."""
    if not case.pass_at_k:
        return 0.0
    return case.pass_at_k.get(k, case.pass_at_k[max(case.pass_at_k)])


def failure_reason(sample: SampleRecord, width: int = EXPLANATION_CHARS) -> str:
    """Why a sample failed, on one line of at most ``width`` characters."""
    for score in sample.scores:
        if not score.passed:
            text = score.explanation or f"value {score.value:.2f}"
            return shorten(f"{score.scorer}: {text}", width)
    if sample.limit:
        return shorten(f"limit reached: {sample.limit}", width)
    if sample.error:
        return shorten(sample.error, width)
    if not sample.scores:
        return "not scored"
    return shorten(f"run {sample.status}", width)


def case_failures(case: CaseSummary) -> str:
    """``wrong_answer x2, limit_reached`` for a case's failing epochs, most frequent first."""
    ranked = sorted(case.failures.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(name if count == 1 else f"{name} x{count}" for name, count in ranked)


def cost_by_agent_model(samples: list[SampleRecord]) -> dict[tuple[str, str], AgentUsage]:
    """Usage per ``(agent, model)`` over all samples.

    A sample that used one model attributes each agent's usage to it; one that used several
    is split by its trace's ``model_call`` records, or by ``"(several)"`` without a trace.
    """
    totals: dict[tuple[str, str], AgentUsage] = defaultdict(AgentUsage)

    def add(key: tuple[str, str], tokens_in: int, tokens_out: int, cost: float, calls: int) -> None:
        usage = totals[key]
        usage.input_tokens += tokens_in
        usage.output_tokens += tokens_out
        usage.cost_usd += cost
        usage.calls += calls

    for sample in samples:
        models = list(sample.usage.by_model) or [sample.model]
        calls = [r for r in sample.trace if r.get("type") == "model_call"]
        if len(models) > 1 and calls:
            for call in calls:
                used = call.get("usage") or {}
                add(
                    (str(call.get("agent", "?")), str(call.get("model", "?"))),
                    int(used.get("input_tokens") or 0),
                    int(used.get("output_tokens") or 0),
                    float(used.get("cost_usd") or 0.0),
                    1,
                )
            continue
        model = models[0] if len(models) == 1 else "(several)"
        for agent, usage in sample.usage.by_agent.items():
            add(
                (agent, model),
                usage.input_tokens,
                usage.output_tokens,
                usage.cost_usd,
                usage.calls,
            )
    return dict(totals)

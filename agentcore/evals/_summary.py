"""Aggregate an eval's samples: per case (pass@k, pass^k, flaky), per tag, failures, usage."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from agentcore.evals._metrics import pass_at_k, pass_hat_k
from agentcore.evals._types import CaseSummary, EvalSummary, SampleRecord
from agentcore.result import AgentUsage, UsageReport

__all__ = ["is_scored", "merge_usage", "sample_score", "summarise"]


def is_scored(record: SampleRecord) -> bool:
    """Whether a sample counts towards accuracy: it has scores and no scorer raised.

    Samples a scorer could not score, and runs the harness could not make at all (an
    infrastructure error after retries), say nothing about the agent.
    """
    return bool(record.scores) and record.failure != "scorer_error"


def sample_score(record: SampleRecord) -> float:
    """A sample's score: the mean of its scores' values (0 without scores)."""
    if not record.scores:
        return 0.0
    return sum(s.value for s in record.scores) / len(record.scores)


def _add(a: AgentUsage, b: AgentUsage) -> AgentUsage:
    return AgentUsage(
        input_tokens=a.input_tokens + b.input_tokens,
        output_tokens=a.output_tokens + b.output_tokens,
        cost_usd=round(a.cost_usd + b.cost_usd, 6),
        calls=a.calls + b.calls,
    )


def merge_usage(reports: Iterable[UsageReport]) -> UsageReport:
    """Add usage reports up: in total, by agent and by model."""
    total = AgentUsage()
    by_agent: dict[str, AgentUsage] = {}
    by_model: dict[str, AgentUsage] = {}
    for report in reports:
        total = _add(total, report.total)
        for name, usage in report.by_agent.items():
            by_agent[name] = _add(by_agent.get(name, AgentUsage()), usage)
        for name, usage in report.by_model.items():
            by_model[name] = _add(by_model.get(name, AgentUsage()), usage)
    return UsageReport(total=total, by_agent=by_agent, by_model=by_model)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _case(case_id: str, records: list[SampleRecord]) -> CaseSummary:
    scored = [r for r in records if is_scored(r)]
    n, c = len(scored), sum(r.passed for r in scored)
    failures = Counter(r.failure for r in records if r.failure is not None)
    return CaseSummary(
        case_id=case_id,
        tags=records[0].tags,
        epochs=len(records),
        passed=sum(r.passed for r in records),
        mean_score=_mean([sample_score(r) for r in scored]),
        pass_at_k={k: pass_at_k(n, c, k) for k in range(1, n + 1)},
        pass_hat_k={k: pass_hat_k(n, c, k) for k in range(1, n + 1)},
        flaky=0 < c < n,
        failures=dict(failures),
        cost_usd=round(sum(r.usage.total.cost_usd for r in records), 6),
        tokens=sum(r.usage.total.input_tokens + r.usage.total.output_tokens for r in records),
        duration_s=round(sum(r.duration_s for r in records), 3),
    )


def summarise(
    samples: Sequence[SampleRecord], *, started: datetime, finished: datetime
) -> EvalSummary:
    """Summarise an eval's samples (in any order; cases are listed in first-seen order).

    Accuracy, mean score, pass@k and per-tag accuracy count only scored samples (see
    :func:`is_scored`). ``pass_at_k[k]`` is the mean over the cases with at least ``k``
    scored samples. ``failures`` counts samples by failure class, plus ``flaky``: cases that
    passed in some epochs and failed in others.

    Args:
        samples: The eval's sample records.
        started: When the eval started.
        finished: When it finished (the summary's ``finished_at``).
    """
    by_case: dict[str, list[SampleRecord]] = defaultdict(list)
    for record in samples:
        by_case[record.case_id].append(record)
    cases = [_case(case_id, sorted(rs, key=lambda r: r.epoch)) for case_id, rs in by_case.items()]
    scored = [r for r in samples if is_scored(r)]
    depth = max((len(c.pass_at_k) for c in cases), default=0)
    tags: dict[str, list[bool]] = defaultdict(list)
    for record in scored:
        for tag in record.tags:
            tags[tag].append(record.passed)
    failures = Counter(r.failure for r in samples if r.failure is not None)
    flaky = sum(c.flaky for c in cases)
    return EvalSummary(
        finished_at=finished.isoformat(timespec="seconds"),
        samples=len(samples),
        cases=len(cases),
        accuracy=_mean([float(r.passed) for r in scored]),
        mean_score=_mean([sample_score(r) for r in scored]),
        pass_at_k={
            k: _mean([c.pass_at_k[k] for c in cases if k in c.pass_at_k])
            for k in range(1, depth + 1)
        },
        pass_hat_k={
            k: _mean([c.pass_hat_k[k] for c in cases if k in c.pass_hat_k])
            for k in range(1, depth + 1)
        },
        by_tag={tag: _mean([float(p) for p in passed]) for tag, passed in sorted(tags.items())},
        failures={**dict(failures), **({"flaky": flaky} if flaky else {})},
        usage=merge_usage(r.usage for r in samples),
        agent_time_s=_agent_times(samples),
        duration_s=round(max((finished - started).total_seconds(), 0.0), 3),
        case_summaries=cases,
    )


def _agent_times(samples: Sequence[SampleRecord]) -> dict[str, float]:
    total: Counter[str] = Counter()
    for record in samples:
        total.update(record.agent_time_s)
    return {agent: round(seconds, 3) for agent, seconds in sorted(total.items())}

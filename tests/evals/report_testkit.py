"""Eval logs built in memory for the report and compare tests (no runner needed)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from agentcore.evals._summary import summarise
from agentcore.evals._types import EvalHeader, EvalLog, FailureClass, SampleRecord, Score
from agentcore.result import AgentUsage, UsageReport

STARTED = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
MODEL = "openai:gpt-4o-mini"


def usage(
    shares: Mapping[str, float],
    *,
    cost: float,
    tokens: int,
    model: str,
    models: Mapping[str, str] | None = None,
) -> UsageReport:
    """A sample's usage split over agents by ``shares`` (which sum to 1).

    ``models`` maps agents to the model they used (default: all ``model``).
    """
    by_agent = {
        agent: AgentUsage(
            input_tokens=round(tokens * share * 0.8),
            output_tokens=round(tokens * share * 0.2),
            cost_usd=cost * share,
            calls=2,
        )
        for agent, share in shares.items()
    }
    by_model: dict[str, AgentUsage] = {}
    for agent, used in by_agent.items():
        name = (models or {}).get(agent, model)
        seen = by_model.get(name, AgentUsage())
        by_model[name] = AgentUsage(
            input_tokens=seen.input_tokens + used.input_tokens,
            output_tokens=seen.output_tokens + used.output_tokens,
            cost_usd=seen.cost_usd + used.cost_usd,
            calls=seen.calls + used.calls,
        )
    total = AgentUsage(
        input_tokens=sum(u.input_tokens for u in by_agent.values()),
        output_tokens=sum(u.output_tokens for u in by_agent.values()),
        cost_usd=sum(u.cost_usd for u in by_agent.values()),
        calls=sum(u.calls for u in by_agent.values()),
    )
    return UsageReport(total=total, by_agent=by_agent, by_model=by_model)


def model_calls(
    report: UsageReport, models: Mapping[str, str], default: str
) -> list[dict[str, Any]]:
    """Trace ``model_call`` records matching ``report`` (one per agent)."""
    return [
        {
            "type": "model_call",
            "agent": agent,
            "step": "s1",
            "model": models.get(agent, default),
            "usage": {
                "input_tokens": used.input_tokens,
                "output_tokens": used.output_tokens,
                "cost_usd": used.cost_usd,
            },
        }
        for agent, used in report.by_agent.items()
    ]


def sample(
    case_id: str,
    epoch: int = 1,
    *,
    passed: bool,
    value: float | None = None,
    tags: Sequence[str] = (),
    explanation: str = "",
    answer: str = "42",
    failure: FailureClass | None = None,
    error: str | None = None,
    limit: str | None = None,
    cost: float = 0.001,
    tokens: int = 1000,
    duration: float = 2.0,
    agents: Mapping[str, float] | None = None,
    model: str = MODEL,
    models: Mapping[str, str] | None = None,
) -> SampleRecord:
    """One sample record with one score (its value 1/0 by ``passed`` unless given)."""
    score = Score(
        scorer="exact",
        value=value if value is not None else float(passed),
        passed=passed,
        explanation=explanation or ("matches" if passed else "expected 42, got 41"),
    )
    used = usage(
        agents or {"planner": 0.25, "analyst": 0.75},
        cost=cost,
        tokens=tokens,
        model=model,
        models=models,
    )
    return SampleRecord(
        case_id=case_id,
        epoch=epoch,
        tags=list(tags),
        run_id=f"run-{case_id}-{epoch}",
        model=model,
        status="limit_reached" if limit else "failed" if error else "completed",
        answer=answer,
        error=error,
        limit=limit,
        duration_s=duration,
        usage=used,
        trace=model_calls(used, models, model) if models else [],
        scores=[score],
        passed=passed,
        failure=None if passed else (failure or "wrong_answer"),
    )


def log_of(
    samples: Iterable[SampleRecord],
    *,
    suite: str = "demo",
    version: str = "1",
    epochs: int | None = None,
    finished: bool = True,
    eval_id: str = "ev-a",
    model: str = MODEL,
) -> EvalLog:
    """A log of ``samples``, with the summary H3's ``summarise`` makes when ``finished``."""
    records = list(samples)
    case_ids = list(dict.fromkeys(s.case_id for s in records))
    header = EvalHeader(
        eval_id=eval_id,
        suite=suite,
        suite_path=f"evals/{suite}/suite.yaml",
        suite_version=version,
        model=model,
        epochs=epochs or max((s.epoch for s in records), default=1),
        concurrency=4,
        case_ids=case_ids,
        started_at=STARTED.isoformat(timespec="seconds"),
        agentcore_version="0.1.0",
    )
    summary = (
        summarise(records, started=STARTED, finished=STARTED + timedelta(seconds=95))
        if finished
        else None
    )
    return EvalLog(header=header, samples=records, summary=summary)


def outcomes_log(outcomes: Mapping[str, Sequence[bool]], **kwargs: object) -> EvalLog:
    """A log from ``{case_id: [passed per epoch]}``."""
    return log_of(
        (
            sample(case_id, epoch, passed=ok)
            for case_id, results in outcomes.items()
            for epoch, ok in enumerate(results, start=1)
        ),
        **kwargs,  # type: ignore[arg-type]
    )


TAGS = ["sql", "ml", "rag", "routing", "coding"]
AGENTS = {
    "sql": {"planner": 0.2, "sql_analyst": 0.8},
    "ml": {"planner": 0.15, "ml_engineer": 0.65, "reviewer": 0.2},
    "rag": {"planner": 0.2, "researcher": 0.8},
    "routing": {"planner": 1.0},
    "coding": {"planner": 0.1, "coder": 0.9},
}


FAILURES: list[FailureClass] = ["wrong_answer", "wrong_answer", "limit_reached", "tool_error"]
PLANNER_MODEL = "anthropic:claude-haiku-4-5"


def realistic_log(*, cases: int = 24, epochs: int = 3, seed: int = 7) -> EvalLog:
    """Many cases over several tags and agents, with passes, flakes and failures of each kind."""
    rng = random.Random(seed)
    records: list[SampleRecord] = []
    for index in range(cases):
        tag = TAGS[index % len(TAGS)]
        case_id = f"{tag}-{index:02d}"
        skill = rng.choice([0.05, 0.5, 0.9, 0.97, 1.0])
        tags = [tag] + (["hard"] if skill < 0.6 else [])
        for epoch in range(1, epochs + 1):
            ok = rng.random() < skill
            failure: FailureClass = rng.choice(FAILURES)
            records.append(
                sample(
                    case_id,
                    epoch,
                    passed=ok,
                    value=1.0 if ok else rng.choice([0.0, 0.0, 0.4]),
                    tags=tags,
                    explanation="" if ok else f"expected {index * 7}, got {index * 7 + 1}",
                    answer=f"The answer is {index * 7 + (0 if ok else 1)}."
                    if index != 3
                    else "<script>alert('x')</script> & <b>bold</b>",
                    failure=failure,
                    limit="max_tool_calls" if not ok and failure == "limit_reached" else None,
                    error="run_sql: no such table" if not ok and failure == "tool_error" else None,
                    cost=0.0004 + 0.004 * rng.random() * (2 if tag == "ml" else 1),
                    tokens=rng.randint(800, 9000),
                    duration=rng.lognormvariate(1.2, 0.6),
                    agents=AGENTS[tag],
                    models={"planner": PLANNER_MODEL},
                )
            )
    return log_of(records, suite="mixed", epochs=epochs, eval_id="ev-20250314-0930")

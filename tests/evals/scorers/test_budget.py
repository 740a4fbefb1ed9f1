"""``budget``: tool calls, model calls, tokens, cost and time against the limits given."""

from __future__ import annotations

import pytest
from samples import Call, build_trace, make_sample, usage

from agentcore.errors import SpecError
from agentcore.evals import Sample, ScorerRef
from agentcore.evals.scorers import get_scorer
from agentcore.evals.scorers._budget import Budget


def run(tool_calls: int = 3, model_calls: int = 4, cost: float = 0.012) -> Sample:
    calls = [Call("sql_query", {"sql": f"SELECT {i}"}) for i in range(tool_calls)]
    return make_sample(
        "done",
        trace=build_trace(agents=["analyst"], calls=calls, model_calls=model_calls),
        usage_report=usage(input_tokens=1500, output_tokens=500, cost_usd=cost, calls=model_calls),
        duration_s=12.5,
    )


async def test_within_every_limit() -> None:
    scorer = Budget(
        max_tool_calls=3, max_model_calls=4, max_tokens=2000, max_cost_usd=0.02, max_duration_s=60
    )
    score = await scorer.score(run())
    assert score.passed and score.value == 1.0
    assert score.explanation == (
        "within budget: tool calls 3 <= 3, model calls 4 <= 4, tokens 2000 <= 2000, "
        "cost $0.012 <= $0.02, duration 12.5s <= 60s"
    )
    assert score.details["tokens"] == {"value": 2000.0, "limit": 2000.0}


async def test_over_budget_lists_what_was_exceeded_with_numbers() -> None:
    scorer = Budget(max_tool_calls=2, max_cost_usd=0.01, max_tokens=5000, max_duration_s=10)
    score = await scorer.score(run())
    assert not score.passed
    assert score.value == pytest.approx(1 / 4)
    assert score.explanation == (
        "over budget: tool calls 3 > 2, cost $0.012 > $0.01, duration 12.5s > 10s"
    )


async def test_only_given_limits_count() -> None:
    score = await Budget(max_tool_calls=10).score(run(tool_calls=11))
    assert not score.passed and score.value == 0.0
    assert list(score.details) == ["tool calls"]
    assert (await Budget(max_tool_calls=0).score(run(tool_calls=0))).passed


async def test_model_calls_fall_back_to_the_trace() -> None:
    sample = make_sample("x", trace=build_trace(model_calls=3))  # no usage report
    assert not (await Budget(max_model_calls=2).score(sample)).passed
    assert (await Budget(max_model_calls=3).score(sample)).passed


def test_a_budget_needs_a_limit_and_limits_are_not_negative() -> None:
    with pytest.raises(SpecError, match="give at least one of max_tool_calls"):
        get_scorer(ScorerRef(name="budget"), where="s.yaml:4")
    with pytest.raises(SpecError, match="option 'max_cost_usd': Input should be greater than"):
        get_scorer(ScorerRef.model_validate({"budget": {"max_cost_usd": -1}}), where="s.yaml:4")

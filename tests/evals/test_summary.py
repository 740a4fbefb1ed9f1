"""summarise(): per case pass@k/pass^k and flakiness, per tag, failures, merged usage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eval_testkit import record

from agentcore.evals._summary import summarise

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_cases_epochs_pass_at_k_and_flaky() -> None:
    samples = [
        record("a", 1, passed=True, tags=("x",)),
        record("a", 2, passed=True, tags=("x",)),
        record("b", 1, passed=True, tags=("x", "y")),
        record("b", 2, passed=False, failure="wrong_answer", tags=("x", "y")),
        record("c", 2, passed=False, failure="limit_reached", tags=("y",)),
        record("c", 1, passed=False, failure="wrong_answer", tags=("y",)),
    ]
    s = summarise(samples, started=T0, finished=T0 + timedelta(seconds=12.5))
    assert (s.samples, s.cases, s.duration_s) == (6, 3, 12.5)
    assert s.finished_at == "2026-01-01T00:00:12+00:00"
    assert s.accuracy == pytest.approx(3 / 6)
    by_id = {c.case_id: c for c in s.case_summaries}
    assert [c.case_id for c in s.case_summaries] == ["a", "b", "c"]
    assert by_id["a"].pass_at_k == {1: 1.0, 2: 1.0} and not by_id["a"].flaky
    assert by_id["b"].pass_at_k == {1: 0.5, 2: 1.0}
    assert by_id["b"].pass_hat_k == {1: 0.5, 2: 0.0}
    assert by_id["b"].flaky and by_id["b"].passed == 1 and by_id["b"].epochs == 2
    assert by_id["c"].failures == {"limit_reached": 1, "wrong_answer": 1}
    assert s.pass_at_k == pytest.approx({1: 1.5 / 3, 2: 2 / 3})
    assert s.pass_hat_k == pytest.approx({1: 1.5 / 3, 2: 1 / 3})
    assert s.failures == {"wrong_answer": 2, "limit_reached": 1, "flaky": 1}
    assert s.by_tag == pytest.approx({"x": 3 / 4, "y": 1 / 4})


def test_unscored_samples_do_not_count_towards_accuracy() -> None:
    samples = [
        record("a", 1, passed=True),
        record("a", 2, passed=False, failure="scorer_error"),
        record("b", 1, passed=False, failure="infra_error", scored=False),
        record("b", 2, passed=False, failure="wrong_answer", value=0.25),
    ]
    s = summarise(samples, started=T0, finished=T0)
    assert s.accuracy == pytest.approx(1 / 2)
    assert s.mean_score == pytest.approx((1.0 + 0.25) / 2)
    assert s.failures == {"scorer_error": 1, "infra_error": 1, "wrong_answer": 1}
    a = s.case_summaries[0]
    assert a.epochs == 2 and a.pass_at_k == {1: 1.0} and not a.flaky


def test_usage_is_merged_by_agent_and_model() -> None:
    samples = [
        record("a", 1, passed=True, agent_tokens={"planner": 10, "coder": 5}, cost=0.01),
        record("a", 2, passed=True, agent_tokens={"planner": 20}, cost=0.02),
    ]
    s = summarise(samples, started=T0, finished=T0)
    assert s.usage.by_agent["planner"].input_tokens == 30
    assert s.usage.by_agent["planner"].calls == 2
    assert s.usage.by_agent["coder"].input_tokens == 5
    assert s.usage.by_model["scripted:x"].input_tokens == 35
    assert s.usage.total.input_tokens == 35 and s.usage.total.output_tokens == 3
    assert s.usage.total.cost_usd == pytest.approx(0.04)
    assert s.case_summaries[0].tokens == 38
    assert s.case_summaries[0].cost_usd == pytest.approx(0.04)


def test_an_empty_eval_summarises_to_zeros() -> None:
    s = summarise([], started=T0, finished=T0)
    assert (s.samples, s.cases, s.accuracy, s.pass_at_k, s.failures) == (0, 0, 0.0, {}, {})

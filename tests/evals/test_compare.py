"""Comparing two runs: regressions and improvements, bootstrap CI, exact McNemar, costs."""

from __future__ import annotations

import json
import math

import pytest
from report_testkit import log_of, outcomes_log, sample
from rich.console import Console

from agentcore.errors import UserError
from agentcore.evals._compare import bootstrap_ci, compare, mcnemar_exact, render_comparison


def test_mcnemar_against_hand_computed_values() -> None:
    # b=1, c=9: 2 * (C(10,0) + C(10,1)) / 2^10 = 22 / 1024
    assert mcnemar_exact(1, 9) == 0.021484375
    assert mcnemar_exact(9, 1) == 0.021484375
    assert mcnemar_exact(0, 6) == 2 / 64
    assert mcnemar_exact(2, 3) == 1.0  # the doubled tail is capped
    assert mcnemar_exact(0, 0) == 1.0
    expected = 2 * sum(math.comb(40, i) for i in range(13)) / 2**40
    assert mcnemar_exact(12, 28) == pytest.approx(expected, rel=1e-12)


def test_compare_counts_the_discordant_cases_for_mcnemar() -> None:
    # 1 regression, 9 improvements, 5 cases passing in both, 3 failing in both
    a = {"r0": [True]} | {f"i{n}": [False] for n in range(9)}
    b = {"r0": [False]} | {f"i{n}": [True] for n in range(9)}
    for n in range(5):
        a[f"p{n}"] = b[f"p{n}"] = [True]
    for n in range(3):
        a[f"f{n}"] = b[f"f{n}"] = [False]
    c = compare(outcomes_log(a), outcomes_log(b, eval_id="ev-b"))
    assert c.mcnemar_p == 0.021484375
    assert [d.case_id for d in c.regressions] == ["r0"]
    assert sorted(d.case_id for d in c.improvements) == [f"i{n}" for n in range(9)]
    assert len(c.unchanged) == 8
    assert c.pass_rate_a == pytest.approx(6 / 18) and c.pass_rate_b == pytest.approx(14 / 18)


def test_identical_logs_show_no_difference() -> None:
    outcomes = {f"c{n}": [n % 3 != 0, n % 2 == 0, True] for n in range(20)}
    c = compare(outcomes_log(outcomes), outcomes_log(outcomes, eval_id="ev-b"))
    assert c.ci_low is not None and c.ci_high is not None
    assert c.ci_low <= 0 <= c.ci_high
    assert c.mean_delta == 0
    assert c.mcnemar_p == 1.0
    assert c.regressions == [] and c.improvements == []
    assert c.warnings == []


def test_a_clear_improvement_has_its_interval_above_zero() -> None:
    a = {f"c{n}": [n < 5, False] for n in range(25)}
    b = {f"c{n}": [True, n != 3] for n in range(25)}
    c = compare(outcomes_log(a), outcomes_log(b, eval_id="ev-b"))
    assert c.ci_low is not None and c.ci_low > 0
    # A: c0-c4 score 0.5, the rest 0; B: all 1 but c3 (0.5) -> (4 * 0.5 + 0 + 20 * 1) / 25
    assert c.mean_delta == pytest.approx(22 / 25)
    assert c.mcnemar_p < 1e-6
    assert len(c.improvements) == 24 and c.regressions == []


def test_a_clear_regression_has_its_interval_below_zero_and_lists_the_cases() -> None:
    a = {f"c{n}": [True] for n in range(12)}
    b = {f"c{n}": [n not in (2, 5, 7, 8, 9, 10, 11)] for n in range(12)}
    c = compare(outcomes_log(a), outcomes_log(b, eval_id="ev-b"))
    assert c.ci_high is not None and c.ci_high < 0
    assert [d.case_id for d in c.regressions] == ["c2", "c5", "c7", "c8", "c9", "c10", "c11"]
    assert all(d.pass_a and not d.pass_b and d.delta == -1 for d in c.regressions)
    assert c.mcnemar_p == 2 / 2**7


def test_bootstrap_is_reproducible_with_its_seed_and_narrows_with_more_cases() -> None:
    deltas = [0.1, -0.2, 0.5, 0.3, 0.0, 0.25, -0.1, 0.4]
    assert bootstrap_ci(deltas, seed=3, resamples=2000) == bootstrap_ci(
        deltas, seed=3, resamples=2000
    )
    low, high = bootstrap_ci(deltas, seed=3, resamples=2000)
    assert low is not None and high is not None
    assert low < sum(deltas) / len(deltas) < high
    wide = high - low
    low, high = bootstrap_ci(deltas * 16, seed=3, resamples=2000)
    assert low is not None and high is not None
    assert high - low < wide / 2
    assert bootstrap_ci([], seed=0, resamples=10) == (None, None)


def test_pass_criterion_all_or_any_epoch() -> None:
    a = {"flaky": [True, True, True], "steady": [False, False, False]}
    b = {"flaky": [True, False, True], "steady": [False, True, False]}
    strict = compare(outcomes_log(a), outcomes_log(b, eval_id="ev-b"))
    assert [d.case_id for d in strict.regressions] == ["flaky"]
    assert strict.improvements == []
    lenient = compare(outcomes_log(a), outcomes_log(b, eval_id="ev-b"), criterion="any")
    assert lenient.regressions == []
    assert [d.case_id for d in lenient.improvements] == ["steady"]
    (flaky,) = [d for d in strict.cases if d.case_id == "flaky"]
    assert (flaky.passed_a, flaky.passed_b, flaky.epochs_b) == (3, 2, 3)
    assert flaky.score_b == pytest.approx(2 / 3)


def test_cases_in_only_one_log_are_listed_not_compared() -> None:
    a = outcomes_log({"x": [True], "y": [True], "old": [False]})
    b = outcomes_log({"x": [True], "y": [False], "new": [True]}, eval_id="ev-b")
    c = compare(a, b)
    assert [d.case_id for d in c.cases] == ["x", "y"]
    assert c.only_in_a == ["old"] and c.only_in_b == ["new"]


def test_cost_and_token_difference_per_epoch_of_the_shared_cases() -> None:
    a = log_of(
        [sample("x", e, passed=True, cost=0.01, tokens=1000) for e in (1, 2)]
        + [sample("y", 1, passed=True, cost=0.02, tokens=3000)]
    )
    b = log_of(
        [
            sample("x", 1, passed=True, cost=0.005, tokens=400),
            sample("y", 1, passed=True, cost=0.01, tokens=1000),
        ],
        eval_id="ev-b",
    )
    c = compare(a, b)
    assert c.cost_a == pytest.approx(0.03) and c.cost_b == pytest.approx(0.015)
    assert c.tokens_a == pytest.approx(4000) and c.tokens_b == pytest.approx(1400)
    assert any("different epochs" in w for w in c.warnings)


def test_different_suites_are_refused() -> None:
    a = outcomes_log({"x": [True]}, suite="sql-flights")
    b = outcomes_log({"x": [True]}, suite="routing", eval_id="ev-b")
    with pytest.raises(UserError, match=r"different suites.*'sql-flights'.*'routing'"):
        compare(a, b)


def test_different_suite_versions_warn() -> None:
    a = outcomes_log({"x": [True]}, version="1")
    b = outcomes_log({"x": [True]}, version="2", eval_id="ev-b")
    c = compare(a, b)
    assert any("suite versions differ (A v1, B v2)" in w for w in c.warnings)


def test_an_unfinished_log_is_compared_on_its_samples_with_a_warning() -> None:
    a = outcomes_log({"x": [True], "y": [True]})
    b = outcomes_log({"x": [False]}, eval_id="ev-b", finished=False)
    c = compare(a, b)
    assert [d.case_id for d in c.regressions] == ["x"]
    assert c.only_in_a == ["y"]
    assert any("B (ev-b) is unfinished" in w for w in c.warnings)


def test_to_json_lists_regressions_and_the_statistics() -> None:
    a = outcomes_log({"x": [True], "y": [False], "z": [True]})
    b = outcomes_log({"x": [False], "y": [True], "z": [True]}, eval_id="ev-b")
    data = json.loads(compare(a, b).to_json())
    assert data["regressions"] == ["x"] and data["improvements"] == ["y"]
    assert data["mcnemar_p"] == 1.0
    assert data["a"]["eval_id"] == "ev-a" and data["b"]["eval_id"] == "ev-b"
    assert {"ci_low", "ci_high", "mean_delta", "cost_a", "cost_b", "cases"} <= data.keys()


def test_render_comparison() -> None:
    a = {f"c{n}": [True] for n in range(6)} | {"d0": [False]}
    b = {f"c{n}": [n != 4] for n in range(6)} | {"d0": [True]}
    c = compare(outcomes_log(a, version="1"), outcomes_log(b, version="2", eval_id="ev-b"))
    console = Console(record=True, width=160)
    render_comparison(c, console)
    out = console.export_text()
    assert "warning: suite versions differ" in out
    assert "1 regression(s), 1 improvement(s), 5 unchanged; exact McNemar p = 1" in out
    assert "95% CI [" in out
    regressions = out[out.index("regressions") : out.index("improvements")]
    assert "c4" in regressions and "d0" not in regressions
    assert "d0" in out[out.index("improvements") :]

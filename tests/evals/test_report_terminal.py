"""The terminal report: per-case rows, totals, usage by agent and model, failing samples."""

from __future__ import annotations

from report_testkit import PLANNER_MODEL, log_of, realistic_log, sample
from rich.console import Console

from agentcore.evals._types import EvalLog
from agentcore.evals.report import render_table
from agentcore.evals.report._terminal import MAX_FAILING_LINES
from agentcore.evals.report._view import EXPLANATION_CHARS


def render(log: EvalLog, width: int = 220) -> str:
    console = Console(record=True, width=width, force_terminal=False)
    render_table(log, console)
    return console.export_text()


def test_one_row_per_case_with_its_numbers() -> None:
    log = realistic_log()
    out = render(log)
    assert log.summary is not None
    lines = out.splitlines()
    for case in log.summary.case_summaries:
        (row,) = [line for line in lines if line.startswith(case.case_id + " ")]
        assert f"{case.passed}/{case.epochs}" in row
        assert f"{case.mean_score:.2f}" in row
        assert f"${case.cost_usd:.4f}" in row
        assert f"{case.tokens:,}" in row
        assert ("flaky" in row) == case.flaky
        for failure in case.failures:
            assert failure in row


def test_totals_pass_at_k_failures_and_usage() -> None:
    log = realistic_log()
    summary = log.summary
    assert summary is not None
    out = render(log)
    assert f"accuracy {summary.accuracy:.1%} (44/72 samples, 24 cases)" in out
    assert f"pass@1 {summary.pass_at_k[1]:.3f}" in out
    assert f"pass@3 {summary.pass_at_k[3]:.3f}" in out
    assert f"pass^3 {summary.pass_hat_k[3]:.3f}" in out
    assert f"wrong_answer {summary.failures['wrong_answer']}" in out
    assert f"flaky {summary.failures['flaky']}" in out
    assert f"${summary.usage.total.cost_usd:.4f}" in out
    for agent, usage in summary.usage.by_agent.items():
        (row,) = [line for line in out.splitlines() if line.startswith(f"agent │ {agent} ")]
        assert f"${usage.cost_usd:.4f}" in row and f"{usage.input_tokens:,}" in row
    assert any(line.startswith(f"model │ {PLANNER_MODEL}") for line in out.splitlines())
    assert "95.0s" in out


def test_a_line_per_failing_sample_with_its_first_failing_explanation() -> None:
    log = log_of(
        [
            sample("q1", 1, passed=True),
            sample("q1", 2, passed=False, explanation="expected 3 rows, got 2"),
            sample("q2", 1, passed=False, explanation="x" * 1000, failure="limit_reached"),
        ]
    )
    out = render(log, width=400)
    (q1,) = [line for line in out.splitlines() if "q1 e2" in line]
    assert "wrong_answer" in q1 and "exact: expected 3 rows, got 2" in q1
    (q2,) = [line for line in out.splitlines() if "q2 e1" in line]
    assert "limit_reached" in q2
    assert "x" * (EXPLANATION_CHARS - 10) in q2 and "x" * EXPLANATION_CHARS not in q2
    assert "q1 e1" not in out


def test_failing_lines_are_bounded() -> None:
    log = log_of(sample(f"c{i:02d}", passed=False) for i in range(MAX_FAILING_LINES + 7))
    out = render(log)
    assert sum("✗" in line for line in out.splitlines()) == MAX_FAILING_LINES
    assert "… and 7 more in the log" in out


def test_markup_in_the_log_is_printed_as_text() -> None:
    log = log_of([sample("c1", passed=False, explanation="[red]not markup[/red]", tags=["[b]"])])
    out = render(log)
    assert "[red]not markup[/red]" in out
    assert "[b]" in out


def test_an_unfinished_log_is_reported_from_its_samples() -> None:
    full = realistic_log(cases=4, epochs=3)
    log = log_of(full.samples[:5], suite="mixed", epochs=3, finished=False)
    log.header.case_ids = [f"case{i}" for i in range(4)]
    out = render(log)
    assert "unfinished: 5 of 12 samples so far" in out
    passed = sum(s.passed for s in full.samples[:5])
    assert f"({passed}/5 samples, 2 cases)" in out


def test_a_log_without_samples() -> None:
    out = render(log_of([], finished=False))
    assert "unfinished: 0 of 0 samples" in out and "no samples yet" in out

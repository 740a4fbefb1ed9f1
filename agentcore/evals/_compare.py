"""Compare two eval runs of the same suite: which cases got worse or better, and is it real.

Cases are paired by id. Per case, the score is its mean over epochs and it *passes* when every
epoch passed (``criterion="all"``, the pass^k reading) or when any did (``"any"``).

Two questions get a number each:

- **Did the mean score move?** A paired bootstrap over cases gives a 95% confidence interval
  of the mean per-case score difference B - A. Pairing matters: the cases differ far more from
  each other than the runs do.
- **Did pass/fail move?** The exact McNemar test looks only at the discordant cases (passed in
  one run, failed in the other): with no real change, each is a regression or an improvement
  with probability 1/2, so the two-sided p-value is a binomial tail.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from agentcore.errors import UserError

if TYPE_CHECKING:
    from rich.console import Console

    from agentcore.evals._types import CaseSummary, EvalLog

Change = Literal["regression", "improvement", "unchanged"]
Criterion = Literal["all", "any"]


class RunInfo(BaseModel):
    """Which eval a side of the comparison is."""

    eval_id: str
    model: str
    suite_version: str
    epochs: int
    started_at: str
    finished: bool
    path: str | None = None


class CaseDiff(BaseModel):
    """One case in both runs.

    Attributes:
        case_id: The case.
        tags: Its tags (from run B).
        passed_a: Epochs that passed in A, out of ``epochs_a``.
        passed_b: Epochs that passed in B, out of ``epochs_b``.
        score_a: Mean score over A's epochs.
        score_b: Mean score over B's epochs.
        delta: ``score_b - score_a``.
        pass_a: Whether the case passes in A under the comparison's criterion.
        pass_b: The same for B.
        change: ``regression`` (passes in A, not in B), ``improvement``, or ``unchanged``.
        cost_a: Mean cost of one sample of the case in A (USD).
        cost_b: The same for B.

    """

    case_id: str
    tags: list[str] = Field(default_factory=list)
    epochs_a: int
    epochs_b: int
    passed_a: int
    passed_b: int
    score_a: float
    score_b: float
    delta: float
    pass_a: bool
    pass_b: bool
    change: Change
    cost_a: float
    cost_b: float


class Comparison(BaseModel):
    """Run B against run A (the baseline).

    Attributes:
        suite: The suite both ran.
        a: The baseline run.
        b: The new run.
        criterion: When a case counts as passed: every epoch (``all``) or any (``any``).
        cases: Cases in both runs, by id.
        only_in_a: Case ids only the baseline ran.
        only_in_b: Case ids only the new run ran.
        pass_rate_a: Share of the shared cases that pass in A.
        pass_rate_b: The same for B.
        mean_score_a: Mean case score over the shared cases in A.
        mean_score_b: The same for B.
        mean_delta: ``mean_score_b - mean_score_a``.
        ci_low: Lower end of the paired bootstrap 95% CI of ``mean_delta`` (None: no cases).
        ci_high: Upper end.
        resamples: Bootstrap resamples drawn.
        seed: The bootstrap's random seed (the CI is reproducible with it).
        mcnemar_p: Exact two-sided McNemar p-value on per-case pass/fail.
        cost_a: Cost of one epoch over the shared cases in A (USD).
        cost_b: The same for B.
        tokens_a: Tokens of one epoch over the shared cases in A.
        tokens_b: The same for B.
        warnings: Things that make the comparison weaker (different suite versions, epochs).

    """

    suite: str
    a: RunInfo
    b: RunInfo
    criterion: Criterion
    cases: list[CaseDiff]
    only_in_a: list[str] = Field(default_factory=list)
    only_in_b: list[str] = Field(default_factory=list)
    pass_rate_a: float
    pass_rate_b: float
    mean_score_a: float
    mean_score_b: float
    mean_delta: float
    ci_low: float | None
    ci_high: float | None
    resamples: int
    seed: int
    mcnemar_p: float
    cost_a: float
    cost_b: float
    tokens_a: float
    tokens_b: float
    warnings: list[str] = Field(default_factory=list)

    @property
    def regressions(self) -> list[CaseDiff]:
        """Cases that pass in A and fail in B."""
        return [c for c in self.cases if c.change == "regression"]

    @property
    def improvements(self) -> list[CaseDiff]:
        """Cases that fail in A and pass in B."""
        return [c for c in self.cases if c.change == "improvement"]

    @property
    def unchanged(self) -> list[CaseDiff]:
        """Cases with the same pass/fail in both runs (their scores may still differ)."""
        return [c for c in self.cases if c.change == "unchanged"]

    def to_json(self, *, indent: int | None = 2) -> str:
        """The comparison as JSON, with the regressions and improvements listed by id."""
        import json

        data = self.model_dump(mode="json")
        data["regressions"] = [c.case_id for c in self.regressions]
        data["improvements"] = [c.case_id for c in self.improvements]
        return json.dumps(data, indent=indent)


def compare(
    a: EvalLog,
    b: EvalLog,
    *,
    criterion: Criterion = "all",
    seed: int = 0,
    resamples: int = 10_000,
) -> Comparison:
    """Compare eval run ``b`` against the baseline ``a``, case by case.

    Args:
        a: The baseline log.
        b: The new log.
        criterion: A case passes when ``all`` its epochs passed, or ``any``.
        seed: Seed of the bootstrap (same seed, same interval).
        resamples: Bootstrap resamples.

    Returns:
        The comparison.

    Raises:
        UserError: The logs are of different suites, or one has no samples.

    """
    if a.header.suite != b.header.suite:
        raise UserError(
            f"cannot compare runs of different suites: {_where(a)} ran '{a.header.suite}', "
            f"{_where(b)} ran '{b.header.suite}'",
            hint="compare two logs of the same suite",
        )
    cases_a = _cases(a)
    cases_b = _cases(b)
    shared = [case_id for case_id in cases_a if case_id in cases_b]
    diffs = [_diff(cases_a[i], cases_b[i], criterion) for i in shared]
    warnings: list[str] = []
    if a.header.suite_version != b.header.suite_version:
        warnings.append(
            f"suite versions differ (A v{a.header.suite_version}, B v{b.header.suite_version}): "
            "cases or gold answers may have changed between the runs"
        )
    epochs_a = {d.epochs_a for d in diffs}
    epochs_b = {d.epochs_b for d in diffs}
    if epochs_a != epochs_b and criterion == "all":
        warnings.append(
            "the runs have different epochs per case; passing every epoch is harder with more"
        )
    for log, side in ((a, "A"), (b, "B")):
        if not log.finished:
            warnings.append(
                f"{side} ({_where(log)}) is unfinished: only its finished samples count"
            )
    if not shared:
        warnings.append("no case ran in both logs: nothing to compare")

    deltas = [d.delta for d in diffs]
    low, high = bootstrap_ci(deltas, seed=seed, resamples=resamples)
    n = max(len(diffs), 1)
    regressions = sum(d.change == "regression" for d in diffs)
    improvements = sum(d.change == "improvement" for d in diffs)
    return Comparison(
        suite=a.header.suite,
        a=_info(a),
        b=_info(b),
        criterion=criterion,
        cases=diffs,
        only_in_a=sorted(set(cases_a) - set(cases_b)),
        only_in_b=sorted(set(cases_b) - set(cases_a)),
        pass_rate_a=sum(d.pass_a for d in diffs) / n,
        pass_rate_b=sum(d.pass_b for d in diffs) / n,
        mean_score_a=sum(d.score_a for d in diffs) / n,
        mean_score_b=sum(d.score_b for d in diffs) / n,
        mean_delta=sum(deltas) / n,
        ci_low=low,
        ci_high=high,
        resamples=resamples,
        seed=seed,
        mcnemar_p=mcnemar_exact(regressions, improvements),
        cost_a=sum(d.cost_a for d in diffs),
        cost_b=sum(d.cost_b for d in diffs),
        tokens_a=sum(cases_a[i].tokens / max(cases_a[i].epochs, 1) for i in shared),
        tokens_b=sum(cases_b[i].tokens / max(cases_b[i].epochs, 1) for i in shared),
        warnings=warnings,
    )


def mcnemar_exact(b: int, c: int) -> float:
    """The exact two-sided McNemar p-value for ``b`` and ``c`` discordant pairs.

    Under no change each discordant pair goes either way with probability 1/2, so the
    p-value is twice the smaller binomial tail, capped at 1.

    Args:
        b: Pairs that passed in A and failed in B.
        c: Pairs that failed in A and passed in B.

    Returns:
        The p-value (1.0 when there are no discordant pairs).

    """
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1))
    return min(1.0, 2 * tail / (1 << n))


def bootstrap_ci(
    deltas: list[float], *, seed: int, resamples: int, level: float = 0.95
) -> tuple[float | None, float | None]:
    """Percentile bootstrap confidence interval of the mean of paired differences.

    Args:
        deltas: One difference per case (B - A).
        seed: Random seed.
        resamples: Resamples of the cases, with replacement.
        level: Coverage of the interval.

    Returns:
        ``(low, high)``, or ``(None, None)`` without differences.

    """
    if not deltas:
        return None, None
    import numpy as np

    values = np.asarray(deltas, dtype=float)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(values), size=(max(resamples, 1), len(values)))
    means = values[picks].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def _where(log: EvalLog) -> str:
    return str(log.path) if log.path else log.header.eval_id


def _cases(log: EvalLog) -> dict[str, CaseSummary]:
    from agentcore.evals.report._view import log_summary

    summary = log_summary(log)
    return {c.case_id: c for c in summary.case_summaries} if summary else {}


def _diff(a: CaseSummary, b: CaseSummary, criterion: Criterion) -> CaseDiff:
    def passes(case: CaseSummary) -> bool:
        return case.passed == case.epochs if criterion == "all" else case.passed > 0

    pass_a, pass_b = passes(a), passes(b)
    change: Change = (
        "regression"
        if pass_a and not pass_b
        else "improvement"
        if pass_b and not pass_a
        else "unchanged"
    )
    return CaseDiff(
        case_id=a.case_id,
        tags=b.tags,
        epochs_a=a.epochs,
        epochs_b=b.epochs,
        passed_a=a.passed,
        passed_b=b.passed,
        score_a=a.mean_score,
        score_b=b.mean_score,
        delta=b.mean_score - a.mean_score,
        pass_a=pass_a,
        pass_b=pass_b,
        change=change,
        cost_a=a.cost_usd / max(a.epochs, 1),
        cost_b=b.cost_usd / max(b.epochs, 1),
    )


def _info(log: EvalLog) -> RunInfo:
    header = log.header
    return RunInfo(
        eval_id=header.eval_id,
        model=header.model,
        suite_version=header.suite_version,
        epochs=header.epochs,
        started_at=header.started_at,
        finished=log.finished,
        path=str(log.path) if log.path else None,
    )


def render_comparison(c: Comparison, console: Console) -> None:
    """Print a comparison: headline numbers, the tests, then regressions and improvements.

    Args:
        c: The comparison.
        console: Where to print.

    """
    from rich.markup import escape
    from rich.table import Table

    console.print(f"[bold]compare[/] {escape(c.suite)}")
    for side, info in (("A", c.a), ("B", c.b)):
        console.print(
            f"  {side}: {escape(info.eval_id)} · {escape(info.model)} · v"
            f"{escape(info.suite_version)} · {info.epochs} epoch(s)"
        )
    for warning in c.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    if not c.cases:
        return
    passing = "every epoch passed" if c.criterion == "all" else "any epoch passed"
    console.print(
        f"{len(c.cases)} shared cases (a case passes when {passing}): pass rate "
        f"{c.pass_rate_a:.1%} → {c.pass_rate_b:.1%} · mean score {c.mean_score_a:.3f} → "
        f"{c.mean_score_b:.3f}"
    )
    assert c.ci_low is not None and c.ci_high is not None
    verdict = (
        "[green]better[/]"
        if c.ci_low > 0
        else "[red]worse[/]"
        if c.ci_high < 0
        else "no clear difference"
    )
    console.print(
        f"score difference B - A: {c.mean_delta:+.3f}, 95% CI [{c.ci_low:+.3f}, "
        f"{c.ci_high:+.3f}] (paired bootstrap, {c.resamples:,} resamples): {verdict}"
    )
    console.print(
        f"pass/fail: {len(c.regressions)} regression(s), {len(c.improvements)} improvement(s), "
        f"{len(c.unchanged)} unchanged; exact McNemar p = {c.mcnemar_p:.4g}"
    )
    console.print(
        f"cost per epoch ${c.cost_a:.4f} → ${c.cost_b:.4f} ({c.cost_b - c.cost_a:+.4f}) · "
        f"tokens {c.tokens_a:,.0f} → {c.tokens_b:,.0f} ({c.tokens_b - c.tokens_a:+,.0f})"
    )
    for title, rows, colour in (
        ("regressions", c.regressions, "red"),
        ("improvements", c.improvements, "green"),
    ):
        if not rows:
            continue
        table = Table(title=f"[{colour}]{title}[/]", title_justify="left", show_edge=False)
        for column in ("case", "A passed", "B passed", "A score", "B score", "Δ"):
            table.add_column(column, justify="left" if column == "case" else "right")
        for row in sorted(rows, key=lambda r: r.delta):
            table.add_row(
                escape(row.case_id),
                f"{row.passed_a}/{row.epochs_a}",
                f"{row.passed_b}/{row.epochs_b}",
                f"{row.score_a:.2f}",
                f"{row.score_b:.2f}",
                f"{row.delta:+.2f}",
            )
        console.print(table)
    for side, ids in (("A", c.only_in_a), ("B", c.only_in_b)):
        if ids:
            shown = ", ".join(escape(i) for i in ids[:20])
            more = f" … and {len(ids) - 20} more" if len(ids) > 20 else ""
            console.print(f"only in {side} ({len(ids)}): {shown}{more}")

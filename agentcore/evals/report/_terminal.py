"""The eval report as rich tables in the terminal: per case, totals, and why samples failed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcore.evals.report._view import ReportView, build_view, case_failures, case_pass_at_k

if TYPE_CHECKING:
    from rich.console import Console

    from agentcore.evals._types import EvalLog
    from agentcore.result import AgentUsage

MAX_FAILING_LINES = 25
"""Failing samples listed under the tables; the rest are counted."""


def render_table(log: EvalLog, console: Console) -> None:
    """Print an eval log as a per-case table, totals and one line per failing sample.

    An unfinished log (no summary line yet: the eval is running or was interrupted) is
    reported from the samples it has, and says so.

    Args:
        log: The eval log.
        console: Where to print.

    """
    from rich.markup import escape

    view = build_view(log)
    header = log.header
    console.print(
        f"[bold]eval[/] {escape(header.suite)} (v{escape(header.suite_version)}) · "
        f"model {escape(header.model)} · {escape(header.eval_id)} · {header.epochs} epoch(s)"
    )
    if not view.finished:
        expected = len(header.case_ids) * header.epochs
        console.print(
            f"[yellow]unfinished:[/] {len(log.samples)} of {expected} samples so far "
            f"(no summary line); the numbers below cover those samples"
        )
    if view.summary is None:
        console.print("no samples yet")
        return
    _case_table(view, console)
    _totals(view, console)
    _usage_table(view, console)
    _failing_lines(view, console)


def _case_table(view: ReportView, console: Console) -> None:
    from rich.markup import escape
    from rich.table import Table

    k = view.k
    table = Table(title="cases", title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("case", overflow="fold")
    table.add_column("tags", overflow="fold", style="dim")
    table.add_column("passed", justify="right")
    table.add_column("score", justify="right")
    table.add_column(f"pass@{k}", justify="right")
    table.add_column("cost", justify="right")
    table.add_column("tokens", justify="right")
    table.add_column("time", justify="right")
    table.add_column("failure", overflow="fold")
    table.add_column("flaky")
    for case in view.cases:
        colour = "green" if case.passed == case.epochs else "red" if not case.passed else "yellow"
        table.add_row(
            escape(case.case_id),
            escape(", ".join(case.tags)),
            f"[{colour}]{case.passed}/{case.epochs}[/]",
            f"{case.mean_score:.2f}",
            f"{case_pass_at_k(case, k):.2f}",
            f"${case.cost_usd:.4f}",
            f"{case.tokens:,}",
            f"{case.duration_s:.1f}s",
            escape(case_failures(case)),
            "[yellow]flaky[/]" if case.flaky else "",
        )
    console.print(table)


def _totals(view: ReportView, console: Console) -> None:
    from rich.markup import escape

    summary = view.summary
    assert summary is not None  # checked by the caller
    k = view.k
    passed = sum(s.passed for s in view.log.samples)
    console.print(
        f"[bold]accuracy[/] {summary.accuracy:.1%} ({passed}/{summary.samples} samples, "
        f"{summary.cases} cases) · mean score {summary.mean_score:.3f} · "
        f"pass@1 {summary.pass_at_k.get(1, 0.0):.3f}"
        + (
            f" · pass@{k} {summary.pass_at_k.get(k, 0.0):.3f}"
            f" · pass^{k} {summary.pass_hat_k.get(k, 0.0):.3f}"
            if k > 1  # with one epoch both equal pass@1
            else ""
        )
    )
    if summary.failures:
        ranked = sorted(summary.failures.items(), key=lambda item: (-item[1], item[0]))
        console.print("[bold]failures[/] " + ", ".join(f"{escape(name)} {n}" for name, n in ranked))
    total = summary.usage.total
    console.print(
        f"[bold]cost[/] ${total.cost_usd:.4f} · {total.input_tokens + total.output_tokens:,} "
        f"tokens ({total.input_tokens:,} in, {total.output_tokens:,} out) · "
        f"{total.calls} model calls · {summary.duration_s:.1f}s"
    )
    if summary.by_tag:
        console.print(
            "[bold]by tag[/] "
            + " · ".join(f"{escape(tag)} {acc:.0%}" for tag, acc in sorted(summary.by_tag.items()))
        )


def _usage_table(view: ReportView, console: Console) -> None:
    from rich.markup import escape
    from rich.table import Table

    summary = view.summary
    assert summary is not None
    rows: list[tuple[str, str, AgentUsage]] = [
        *(("agent", name, u) for name, u in sorted(summary.usage.by_agent.items())),
        *(("model", name, u) for name, u in sorted(summary.usage.by_model.items())),
    ]
    if not rows:
        return
    table = Table(title="cost and tokens", title_justify="left", show_edge=False, pad_edge=False)
    for column in ("by", "name", "cost", "tokens in", "tokens out", "calls", "time"):
        table.add_column(column, justify="left" if column in ("by", "name") else "right")
    for kind, name, usage in rows:
        seconds = summary.agent_time_s.get(name) if kind == "agent" else None
        table.add_row(
            kind,
            escape(name),
            f"${usage.cost_usd:.4f}",
            f"{usage.input_tokens:,}",
            f"{usage.output_tokens:,}",
            str(usage.calls),
            f"{seconds:.1f}s" if seconds is not None else "",
        )
    console.print(table)


def _failing_lines(view: ReportView, console: Console) -> None:
    from rich.markup import escape

    if not view.failing:
        return
    console.print(f"[bold]failing samples[/] ({len(view.failing)})")
    for failing in view.failing[:MAX_FAILING_LINES]:
        sample = failing.sample
        console.print(
            f"  [red]✗[/] {escape(sample.case_id)} e{sample.epoch} "
            f"[dim]{escape(sample.failure or sample.status)}[/] {escape(failing.reason)}"
        )
    if len(view.failing) > MAX_FAILING_LINES:
        console.print(f"  … and {len(view.failing) - MAX_FAILING_LINES} more in the log")

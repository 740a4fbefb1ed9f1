"""The eval report as one self-contained HTML file: headline numbers, plots, cases, failures.

Nothing is loaded from elsewhere: the CSS, the SVG plots and a few lines of JS (sorting and
filtering the case table) are inline, so the file can be mailed, attached to a CI run or opened
offline. Every text taken from the log is HTML-escaped (answers can contain markup).
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from pathlib import Path

from agentcore.evals._types import EvalLog, SampleRecord
from agentcore.evals.report._svg import Point, Series, hbar_chart, histogram, scatter
from agentcore.evals.report._view import (
    Failing,
    ReportView,
    build_view,
    case_failures,
    case_pass_at_k,
)

ANSWER_CHARS = 4000
"""How much of a failing sample's answer the page shows."""

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;color:#1d1d1f;margin:0;background:#f6f7f9}
main{max-width:1200px;margin:0 auto;padding:20px 28px 60px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.meta{color:#555}.meta span{margin-right:16px;white-space:nowrap}
.warn{background:#fff4d6;border:1px solid #e6c65c;padding:8px 12px;border-radius:6px;margin:12px 0}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin-top:16px}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:10px 14px;min-width:112px}
.card b{display:block;font-size:20px}.card small{color:#666}
.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:14px}
.plots figure{margin:0;display:flex;align-items:center;justify-content:center;
background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:8px;
overflow-x:auto}
table{border-collapse:collapse;background:#fff;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e6e8eb;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef0f3;cursor:pointer;user-select:none;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.fail td:first-child{border-left:3px solid #d62728}
tr.part td:first-child{border-left:3px solid #e0a800}
tr.pass td:first-child{border-left:3px solid #3ca951}
.tag{display:inline-block;background:#eef0f3;border-radius:4px;padding:0 5px;margin:1px 2px;
font-size:12px}
.flaky{color:#a86b00;font-weight:600}
#filter{padding:5px 8px;width:280px;margin-bottom:8px;border:1px solid #c8ccd2;border-radius:5px}
details{background:#fff;border:1px solid #dde1e6;border-radius:6px;margin:6px 0;padding:6px 10px}
summary{cursor:pointer}summary .why{color:#555}
pre{white-space:pre-wrap;word-break:break-word;background:#f3f4f6;padding:8px;border-radius:5px;
max-height:320px;overflow:auto;font-size:12px}
.bad{color:#c62828}.good{color:#2e7d32}
"""

_JS = """
document.querySelectorAll('table.sortable th').forEach((th, col) => {
  th.addEventListener('click', () => {
    const body = th.closest('table').tBodies[0];
    const asc = th.dataset.dir !== 'asc';
    th.closest('tr').querySelectorAll('th').forEach(h => delete h.dataset.dir);
    th.dataset.dir = asc ? 'asc' : 'desc';
    const key = r => r.cells[col].dataset.sort ?? r.cells[col].textContent;
    const rows = [...body.rows].sort((a, b) => {
      const x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
      const c = isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny;
      return asc ? c : -c;
    });
    rows.forEach(r => body.appendChild(r));
  });
});
const filter = document.getElementById('filter');
if (filter) filter.addEventListener('input', () => {
  const q = filter.value.toLowerCase();
  document.querySelectorAll('#cases tbody tr').forEach(r => {
    r.style.display = r.textContent.toLowerCase().includes(q) ? '' : 'none';
  });
});
"""


def write_html(log: EvalLog, path: Path) -> Path:
    """Write an eval log as one self-contained HTML page.

    Secrets are redacted (:func:`agentcore.log.redact`), even from a log written before its
    secrets were.

    Args:
        log: The eval log (finished or not; an unfinished one is reported as far as it got).
        path: The file to write (its folder is created).

    Returns:
        The path written.

    """
    from agentcore.log import redact

    path.parent.mkdir(parents=True, exist_ok=True)
    page: str = redact(render_html(build_view(log)))
    path.write_text(page, encoding="utf-8")
    return path


def render_html(view: ReportView) -> str:
    """The report page for ``view`` as text."""
    header = view.log.header
    title = f"eval {header.suite} · {header.model}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><main>",
        _header(view),
    ]
    if view.summary is not None:
        parts += [
            _cards(view),
            "<h2>Plots</h2>",
            '<div class="plots">',
            *(f"<figure>{svg}</figure>" for svg in _plots(view)),
            "</div>",
            _case_table(view),
            _failing(view.failing),
        ]
    parts.append(f"</main><script>{_JS}</script></body></html>")
    return "\n".join(parts)


def _header(view: ReportView) -> str:
    header = view.log.header
    date = header.started_at.replace("T", " ")[:19] + " UTC"
    meta = [
        ("model", header.model),
        ("eval", header.eval_id),
        ("started", date),
        ("epochs", str(header.epochs)),
        ("suite version", header.suite_version),
        ("agentcore", header.agentcore_version),
    ]
    if view.summary is not None:
        meta.insert(4, ("finished", view.summary.finished_at.replace("T", " ")[:19]))
    if header.offline:
        meta.append(("offline", "bundled cassette"))
    if header.record:
        meta.append(("recorded to", header.record))
    html = [
        f"<h1>{escape(header.suite)} eval</h1>",
        '<div class="meta">'
        + " ".join(f"<span>{escape(k)}: <b>{escape(v)}</b></span>" for k, v in meta)
        + "</div>",
    ]
    if not view.finished:
        expected = len(header.case_ids) * header.epochs
        html.append(
            f'<div class="warn">Unfinished: {len(view.log.samples)} of {expected} samples so '
            "far (the log has no summary line). The numbers cover those samples.</div>"
        )
    if view.summary is None:
        html.append("<p>No samples yet.</p>")
    return "\n".join(html)


def _cards(view: ReportView) -> str:
    summary = view.summary
    assert summary is not None
    k = view.k
    total = summary.usage.total
    failures = sum(n for name, n in summary.failures.items() if name != "flaky")
    cards = [
        ("accuracy", f"{summary.accuracy:.1%}", f"{summary.samples} samples"),
        ("mean score", f"{summary.mean_score:.3f}", f"{summary.cases} cases"),
        ("pass@1", f"{summary.pass_at_k.get(1, 0.0):.3f}", "one try"),
        *(
            [
                (f"pass@{k}", f"{summary.pass_at_k.get(k, 0.0):.3f}", "any of k"),
                (f"pass^{k}", f"{summary.pass_hat_k.get(k, 0.0):.3f}", "all of k"),
            ]
            if k > 1  # with one epoch both equal pass@1
            else []
        ),
        ("cost", f"${total.cost_usd:.4f}", f"{total.calls} model calls"),
        ("tokens", f"{total.input_tokens + total.output_tokens:,}", f"{total.input_tokens:,} in"),
        ("duration", f"{summary.duration_s:.1f}s", "wall time"),
        ("failing samples", str(failures), f"{summary.failures.get('flaky', 0)} flaky cases"),
    ]
    return (
        '<div class="cards" id="headline">'
        + "".join(
            f'<div class="card" data-metric="{escape(name)}"><small>{escape(name)}</small>'
            f"<b>{escape(value)}</b><small>{escape(note)}</small></div>"
            for name, value, note in cards
        )
        + "</div>"
    )


def _plots(view: ReportView) -> list[str]:
    # Scripted and local models cost nothing: then tokens stand in for cost, said in the titles.
    priced = view.summary is not None and view.summary.usage.total.cost_usd > 0
    return [
        _score_by_tag(view),
        _cost_vs_score(view, priced=priced),
        histogram(
            [s.duration_s for s in view.log.samples],
            title="Latency of samples",
            kind="latency",
            x_label="sample duration (s)",
            unit="s",
        ),
        _agent_cost(view, priced=priced),
    ]


def _score_by_tag(view: ReportView) -> str:
    by_tag: dict[str, list[float]] = defaultdict(list)
    for case in view.cases:
        for tag in case.tags or ["(untagged)"]:
            by_tag[tag].append(case.mean_score)
    tags = sorted(by_tag)
    return hbar_chart(
        tags,
        [Series(name="mean score", values=[sum(by_tag[t]) / len(by_tag[t]) for t in tags])],
        title="Score by tag",
        kind="score-by-tag",
        x_label="mean case score (over epochs)",
        x_max=1.0,
    )


def _cost_vs_score(view: ReportView, *, priced: bool) -> str:
    what = "Cost" if priced else "Tokens (no cost recorded)"
    return scatter(
        [
            Point(
                label=case.case_id,
                x=(case.cost_usd if priced else case.tokens) / max(case.epochs, 1),
                y=case.mean_score,
                good=case.passed == case.epochs,
            )
            for case in view.cases
        ],
        title=f"{what} against score",
        subtitle="a point per case; hollow: failed in some epoch",
        kind="cost-vs-score",
        x_label="mean cost per sample (USD)" if priced else "mean tokens per sample",
        y_label="mean score",
        x_unit="$" if priced else "",
        y_range=(0.0, 1.0),
    )


def _agent_cost(view: ReportView, *, priced: bool) -> str:
    usage = view.cost_by_agent_model
    agents = sorted({agent for agent, _ in usage})
    models = sorted({model for _, model in usage})

    def amount(agent: str, model: str) -> float:
        used = usage.get((agent, model))
        if used is None:
            return 0.0
        return used.cost_usd if priced else float(used.input_tokens + used.output_tokens)

    what = "Cost" if priced else "Tokens (no cost recorded)"
    if len(models) == 1:
        what += " by agent"  # the model is in the page's header
    else:
        what += " by agent and model"
    return hbar_chart(
        agents,
        [Series(name=model, values=[amount(a, model) for a in agents]) for model in models],
        title=what,
        kind="agent-cost",
        x_label="cost over all samples (USD)" if priced else "tokens over all samples",
        unit="$" if priced else "",
    )


def _case_table(view: ReportView) -> str:
    k = view.k
    heads = [
        ("case", ""),
        ("tags", ""),
        ("passed", "n"),
        ("score", "n"),
        (f"pass@{k}", "n"),
        ("cost", "n"),
        ("tokens", "n"),
        ("time", "n"),
        ("failure", ""),
        ("flaky", ""),
    ]
    rows = []
    for case in view.cases:
        state = "pass" if case.passed == case.epochs else "fail" if case.passed == 0 else "part"
        tags = "".join(f'<span class="tag">{escape(t)}</span>' for t in case.tags)
        rows.append(
            f'<tr class="{state}" data-case="{escape(case.case_id)}">'
            f"<td>{escape(case.case_id)}</td><td>{tags}</td>"
            f'<td class="n" data-sort="{case.passed / max(case.epochs, 1):.6f}">'
            f"{case.passed}/{case.epochs}</td>"
            f'<td class="n">{case.mean_score:.2f}</td>'
            f'<td class="n">{case_pass_at_k(case, k):.2f}</td>'
            f'<td class="n" data-sort="{case.cost_usd:.8f}">${case.cost_usd:.4f}</td>'
            f'<td class="n" data-sort="{case.tokens}">{case.tokens:,}</td>'
            f'<td class="n" data-sort="{case.duration_s:.3f}">{case.duration_s:.1f}s</td>'
            f"<td>{escape(case_failures(case))}</td>"
            f"<td>{'<span class=flaky>flaky</span>' if case.flaky else ''}</td></tr>"
        )
    head = "".join(f'<th class="{cls}">{escape(name)}</th>' for name, cls in heads)
    return (
        "<h2>Cases</h2>"
        '<input id="filter" type="search" placeholder="filter by case, tag or failure">'
        f'<table id="cases" class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _failing(failing: list[Failing]) -> str:
    if not failing:
        return '<h2>Failing samples</h2><p class="good">Every sample passed.</p>'
    return f"<h2>Failing samples ({len(failing)})</h2>" + "".join(
        _failing_sample(f) for f in failing
    )


def _failing_sample(failing: Failing) -> str:
    sample = failing.sample
    what = sample.failure or sample.status
    rows = "".join(
        f'<tr><td>{escape(s.scorer)}</td><td class="n">{s.value:.2f}</td>'
        f'<td class="{"good" if s.passed else "bad"}">{"pass" if s.passed else "fail"}</td>'
        f"<td>{escape(s.explanation)}</td></tr>"
        for s in sample.scores
    )
    scores = (
        "<table><thead><tr><th>scorer</th><th class=n>value</th><th>result</th>"
        f"<th>explanation</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else "<p>No scores.</p>"
    )
    return (
        f'<details class="sample" data-case="{escape(sample.case_id)}" '
        f'data-epoch="{sample.epoch}"><summary><b>{escape(sample.case_id)}</b> '
        f'epoch {sample.epoch} · <span class="bad">{escape(what)}</span> · '
        f'<span class="why">{escape(failing.reason)}</span></summary>'
        f"{scores}{_run_facts(sample)}<p>Answer:</p><pre>{_answer(sample.answer)}</pre>"
        "</details>"
    )


def _run_facts(sample: SampleRecord) -> str:
    facts = [
        ("status", sample.status),
        ("run", sample.run_id),
        ("time", f"{sample.duration_s:.1f}s"),
        ("cost", f"${sample.usage.total.cost_usd:.4f}"),
        ("tool calls", str(sample.tool_calls)),
    ]
    if sample.limit:
        facts.append(("limit", sample.limit))
    if sample.attempts > 1:
        facts.append(("attempts", str(sample.attempts)))
    text = " · ".join(f"{escape(k)} {escape(v)}" for k, v in facts)
    error = f"<pre>{escape(sample.error)}</pre>" if sample.error else ""
    return f'<p class="meta">{text}</p>{error}'


def _answer(answer: str) -> str:
    if len(answer) > ANSWER_CHARS:
        cut = len(answer) - ANSWER_CHARS
        return escape(answer[:ANSWER_CHARS]) + f"\n… ({cut:,} more characters in the log)"
    return escape(answer) if answer else "(empty)"

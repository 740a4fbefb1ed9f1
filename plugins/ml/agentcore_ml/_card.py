"""``model_card``: a Markdown model card built from the registry (no sandbox needed)."""

from __future__ import annotations

from typing import Any

from agentcore.tools import Risk, ToolContext, ToolError, tool
from agentcore_ml._files import save
from agentcore_ml._format import ci, num, pm
from agentcore_ml._host import announce, lookup, offload, registry
from agentcore_ml._registry import ModelRecord

TODO = "_TODO (agent): "


def _md_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _metrics(record: ModelRecord) -> str:
    details, hold = record.details, record.holdout_metrics or {}
    base = details.get("baseline", {})
    rows = []
    for name, cv in record.cv_metrics.items():
        h = (hold.get("metrics") or {}).get(name)
        rows.append(
            [
                name,
                pm(cv.get("mean"), cv.get("std")),
                (num(h) + ci((hold.get("ci95") or {}).get(name))) if hold else "-",
                num(base.get("cv", {}).get(name)),
                num((base.get("holdout") or {}).get(name)),
            ]
        )
    return _md_table(
        ["metric", "CV mean ± std", "holdout [95% CI]", "baseline CV", "baseline holdout"], rows
    )


def _fairness(audits: list[dict[str, Any]]) -> list[str]:
    found = [a for a in audits if a["kind"] == "fairness"]
    if not found:
        return ["Not assessed. Run `fairness_report` for each sensitive attribute."]
    out = []
    for a in found:
        s = a["summary"]
        out.append(
            f"By `{s['group_column']}` on `{a['data_path']}` (positive = {s['positive_label']!r}): "
            f"demographic parity difference {num(s['demographic_parity_difference'])}, "
            f"equalized odds difference {num(s['equalized_odds_difference'])}."
        )
        out.append("")
        out.append(
            _md_table(
                ["group", "n", "selection rate", "TPR", "FPR", "accuracy"],
                [
                    [
                        g["group"],
                        num(g["n"]),
                        num(g["selection_rate"]),
                        num(g["tpr"]),
                        num(g["fpr"]),
                        num(g["accuracy"]),
                    ]
                    for g in s["groups"]
                ],
            )
        )
        out.append("")
        out += [f"- {n}" for n in s.get("notes") or []]
    return out


def render_card(
    record: ModelRecord,
    audits: list[dict[str, Any]],
    leakage: list[dict[str, Any]],
    drift: list[dict[str, Any]],
) -> str:
    """The Markdown card."""
    d = record.details
    ds, proto, feats = d.get("dataset", {}), d.get("protocol", {}), record.features
    created = record.created_at.isoformat(timespec="seconds") + "Z"
    lines = [
        f"# Model card: {record.model_id}",
        "",
        f"- **Version:** {record.version} (per dataset fingerprint and target) · **created:** "
        f"{created} · **agentcore run:** {record.run_id}",
        f"- **Task:** {record.task} of `{record.target}` · **family:** {record.family} "
        f"({d.get('estimator', '?')})",
    ]
    if d.get("classes"):
        lines.append("- **Classes:** " + ", ".join(f"`{c}`" for c in d["classes"]))
    lines += [
        "",
        "## Intended use",
        "",
        f"{TODO}who uses this model, for which decision, at what moment; and the uses it is "
        "NOT fit for._",
        "",
        "## Training data",
        "",
        f"- File `{record.dataset_path}`, SHA-256 `{record.dataset_fingerprint}`",
        f"- {num(ds.get('n_rows', record.n_rows))} rows, {num(ds.get('n_labelled'))} with a "
        "target value",
        f"- Numeric features: {', '.join(f'`{f}`' for f in feats.get('numeric', [])) or '-'}",
        f"- Categorical features: "
        f"{', '.join(f'`{f}`' for f in feats.get('categorical', [])) or '-'}",
        f"- {TODO}source, collection period and population of the data._",
        "",
        "## Evaluation protocol",
        "",
        (
            f"- Holdout: {proto.get('holdout')}, scored once"
            if proto.get("n_holdout")
            else "- Holdout: none (cross-validation only)"
        ),
        f"- Cross-validation: {proto.get('cv')} on {num(proto.get('n_train'))} rows; "
        "imputation, scaling and one-hot encoding fitted inside each fold",
        f"- Seed {proto.get('seed')}; baseline: {d.get('baseline', {}).get('strategy')}",
        "",
        "## Metrics",
        "",
        _metrics(record),
        "",
    ]
    evals = [a for a in audits if a["kind"] == "evaluation"]
    if evals:
        lines += ["### Later evaluations", ""]
        for a in evals:
            m = a["summary"]["metrics"]
            lines.append(
                f"- `{a['data_path']}` ({num(a['summary'].get('n'))} rows, "
                f"{a['created_at']:%Y-%m-%d}): " + ", ".join(f"{k} {num(v)}" for k, v in m.items())
            )
        lines.append("")
    if d.get("importance"):
        lines += ["## Most important features (permutation importance on the holdout)", ""]
        lines += [
            f"- `{i['feature']}`: {num(i['mean'])} ± {num(i['std'])}" for i in d["importance"][:10]
        ]
        lines.append("")
    lines += ["## Fairness", "", *_fairness(audits), ""]
    lines += ["## Leakage checks", ""]
    mine = [a for a in leakage if a["target"] == record.target]
    if mine:
        s = mine[-1]["summary"]
        kinds = ", ".join(
            f"{f['severity']} {f['kind']} ({', '.join(f['columns'])})" for f in s["findings"]
        )
        lines.append(
            f"Last check ({mine[-1]['created_at']:%Y-%m-%d}): {s['n_findings']} finding(s)"
            + (f": {kinds}" if kinds else "")
            + "."
        )
    else:
        lines.append("Not run on this training file. Run `leakage_check`.")
    lines += ["", "## Drift", ""]
    if drift:
        for a in drift:
            s = a["summary"]
            lines.append(
                f"- Against `{s['current']}` ({a['created_at']:%Y-%m-%d}): drift in "
                f"{len(s['drifted'])} of {s['n_features']} features"
                + (f" ({', '.join(s['drifted'])})" if s["drifted"] else "")
            )
    else:
        lines.append(
            f"No drift report against the training data yet. Monitor with `detect_drift` "
            f"(reference `{record.dataset_path}`)."
        )
    lines += ["", "## Limitations and ethical considerations", ""]
    auto = []
    if (ds.get("n_labelled") or record.n_rows) < 1000:
        auto.append("Trained on fewer than 1,000 rows: expect wide uncertainty on new data.")
    if proto.get("n_holdout") and proto["n_holdout"] < 200:
        auto.append(
            f"The holdout has {proto['n_holdout']} rows: its score is noisy (see the interval)."
        )
    auto += [n for n in d.get("notes", [])]
    auto.append("Valid only for data like the training file; check drift before reuse.")
    lines += [f"- {a}" for a in auto]
    lines += [f"- {TODO}known failure modes, affected groups, ethical risks._", ""]
    lines += [
        "## Reproducibility",
        "",
        f"- Model file `{record.artifact_path}`, SHA-256 `{record.artifact_sha256}`",
        "- Parameters: " + ", ".join(f"`{k}={v}`" for k, v in sorted(record.params.items())),
        "- Libraries: " + ", ".join(f"{k} {v}" for k, v in record.library_versions.items()),
        "",
    ]
    return "\n".join(lines)


def _card(ctx: ToolContext, model_id: str) -> tuple[str, str]:
    record = lookup(ctx, model_id)
    reg = registry(ctx)
    text = render_card(
        record,
        reg.model_audits(record.model_id),
        reg.data_audits(record.dataset_fingerprint, "leakage"),
        reg.data_audits(record.dataset_fingerprint, "drift"),
    )
    rel = save(ctx, f"reports/model_card_{record.model_id}.md", text)
    if rel is None:
        raise ToolError("could not write the model card into reports/ in the workspace")
    return text, rel


@tool(risk=Risk.WRITES, timeout_s=60.0, max_output_chars=16_000)
async def model_card(ctx: ToolContext, model_id: str) -> str:
    """Write a Markdown model card for a registered model, from what the registry recorded.

    Covers the training data (path, SHA-256, size, features), the evaluation protocol, metrics
    with their spread, interval and baseline, later evaluations, fairness, leakage and drift
    results if those tools were run, limitations and reproducibility details. Sections marked
    TODO (intended use, data provenance, failure modes) are yours to fill in with write_file.
    Saved as reports/model_card_<model_id>.md.

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        model_id: The id train_model returned.
    """
    text, rel = await offload(lambda call: _card(ctx, model_id))
    announce(ctx, rel)
    return f"Saved {rel}. Fill in the TODO sections before sharing it.\n\n{text}"

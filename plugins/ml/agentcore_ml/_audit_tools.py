"""``leakage_check``, ``detect_drift`` and ``fairness_report``: audits run in a sandbox."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from agentcore.tools import Risk, ToolContext, ToolError, tool
from agentcore_ml._execute import Call, run_runtime
from agentcore_ml._files import data_file
from agentcore_ml._format import num, pval, short_sha, table
from agentcore_ml._host import (
    announce,
    lookup,
    offload,
    registry,
    save_details,
    slug,
    stage_model,
    warning_lines,
)
from agentcore_ml._options import TOOL_TIMEOUT_S, options


def _stem(rel: str) -> str:
    return slug(PurePosixPath(rel).stem, 30)


# --- leakage --------------------------------------------------------------------------------


def _leakage(
    ctx: ToolContext, call: Call, spec: dict[str, Any], timeout_s: float
) -> tuple[str, str | None]:
    inputs = [spec["data"], *([spec["test_data"]] if spec.get("test_data") else [])]
    result = run_runtime(
        ctx,
        tool="leakage_check",
        entry="_leakage",
        spec=spec,
        timeout_s=timeout_s,
        call=call,
        inputs=inputs,
    )
    findings = result["findings"]
    registry(ctx).add_data_audit(
        kind="leakage",
        run_id=ctx.run_id,
        data=result["data"],
        target=spec["target"],
        summary={
            "findings": [{k: f[k] for k in ("kind", "severity", "columns")} for f in findings],
            "n_findings": len(findings),
        },
    )
    details = save_details(ctx, f"leakage_{_stem(spec['data'])}_{slug(spec['target'], 20)}", result)
    data = result["data"]
    lines = [
        f"Leakage check of {data['path']} ({num(data['n_rows'])} rows, sha256 "
        f"{short_sha(data['sha256'])}) for target '{result['target']}' ({result['task']})",
    ]
    if findings:
        high = sum(f["severity"] == "high" for f in findings)
        lines.append(f"{len(findings)} finding(s), {high} high severity:")
        for i, f in enumerate(findings, 1):
            cols = f" [{', '.join(f['columns'])}]" if f["columns"] else ""
            lines.append(f"{i}. {f['severity'].upper()} {f['kind']}{cols}: {f['evidence']}")
            lines.append(f"   do: {f['action']}")
    else:
        lines.append("No leakage found by these checks.")
    scores = [s for s in result["single_feature_scores"] if s["score"] is not None][:5]
    if scores:
        lines.append(
            f"strongest single features ({result['metric']} of a shallow tree on that column "
            f"alone; chance {num(result['chance'], 2)}): "
            + ", ".join(f"{s['feature']} {num(s['score'])}" for s in scores)
        )
    lines.append("checks run: " + "; ".join(result["checks"]))
    lines.append(
        "not checkable from data alone: whether each feature exists at prediction time; "
        "preprocessing leaks are avoided by train_model's per-fold pipeline"
    )
    lines += warning_lines(result)
    if details:
        lines.append(f"full details: {details}")
    return "\n".join(lines), details


@tool(risk=Risk.READ_ONLY, timeout_s=TOOL_TIMEOUT_S, max_output_chars=12_000)
async def leakage_check(
    ctx: ToolContext,
    data: str,
    target: str,
    time_column: str | None = None,
    id_columns: list[str] | None = None,
    test_data: str | None = None,
) -> str:
    """Look for data leakage before training: what would make a score too good to be true.

    Checks: single columns that predict the target almost perfectly on their own (a shallow
    tree's cross-validated score ≥ 0.98, or |correlation| ≥ 0.98, against the chance level);
    identifier-like columns (unique per row, row counters); duplicate rows and rows with
    identical features but different labels; repeated ids; dates after today; and, with
    time_column, date columns later than the prediction time. With test_data, rows and ids
    shared between the two files. Each finding comes with its evidence and what to do.

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        data: Workspace path of the (training) .csv, .tsv or .parquet file.
        target: The column to be predicted.
        time_column: The column holding when each prediction would be made, if any.
        id_columns: Columns known to be identifiers (checked for repeats, not as features).
        test_data: A second file (the test split) to check for overlap with data.
    """
    opts = options(ctx.settings)
    spec: dict[str, Any] = {
        "data": data_file(ctx, data),
        "target": target,
        "time_column": time_column,
        "id_columns": id_columns or [],
        "test_data": data_file(ctx, test_data, "test_data") if test_data else None,
    }
    text, details = await offload(lambda call: _leakage(ctx, call, spec, opts.timeout_s))
    announce(ctx, details)
    return text


# --- drift ----------------------------------------------------------------------------------


def _drift(
    ctx: ToolContext, call: Call, spec: dict[str, Any], timeout_s: float
) -> tuple[str, str | None]:
    result = run_runtime(
        ctx,
        tool="detect_drift",
        entry="_drift",
        spec=spec,
        timeout_s=timeout_s,
        call=call,
        inputs=[spec["reference"], spec["current"]],
    )
    rows = result["features"]
    registry(ctx).add_data_audit(
        kind="drift",
        run_id=ctx.run_id,
        data=result["reference"],
        other_fingerprint=result["current"]["sha256"],
        summary={
            "current": result["current"]["path"],
            "drifted": result["drifted"],
            "psi": {r["feature"]: r["psi"] for r in rows},
            "n_features": len(rows),
        },
    )
    details = save_details(
        ctx, f"drift_{_stem(spec['reference'])}_vs_{_stem(spec['current'])}", result
    )
    ref, cur, th = result["reference"], result["current"], result["thresholds"]
    lines = [
        f"Drift of {cur['path']} ({num(cur['n_rows'])} rows) against {ref['path']} "
        f"({num(ref['n_rows'])} rows), {len(rows)} features",
        f"verdict: drift in {len(result['drifted'])} of {len(rows)}"
        + (f": {', '.join(result['drifted'])}" if result["drifted"] else ""),
    ]
    shown = rows[:25]
    lines.append(
        table(
            ["feature", "PSI", "band", "test", "p (Holm)", "verdict"],
            [
                [
                    r["feature"],
                    num(r["psi"]),
                    r["psi_band"],
                    r["test"],
                    pval(r["p_adjusted"]),
                    r["verdict"] + (" · missing-rate change" if r["missing_shift"] else ""),
                ]
                for r in shown
            ],
        )
    )
    if len(rows) > len(shown):
        lines.append(f"... {len(rows) - len(shown)} more stable features in the details file")
    for r in rows:
        if r["drift"] and r["kind"] == "numeric":
            lines.append(
                f"{r['feature']}: mean {num(r['ref_mean'])} -> {num(r['cur_mean'])} "
                f"({r['mean_shift_sd']:+.2f} reference sd)"
            )
        elif r["drift"]:
            moves = ", ".join(
                f"{c['category']} {c['ref_share']:.0%}->{c['cur_share']:.0%}"
                for c in r["largest_changes"]
            )
            lines.append(f"{r['feature']}: {moves}")
    noisy = max((r["psi_noise"] for r in rows), default=0.0)
    lines.append(
        f"rules: PSI over {th['bins']} reference-quantile bins, < {th['psi_moderate']} ok, "
        f"{th['psi_moderate']}-{th['psi_significant']} moderate, > {th['psi_significant']} "
        f"significant; KS (numbers) / chi-squared (categories), p < {th['alpha']} after Holm "
        "correction; drift = a PSI of at least moderate confirmed by the test"
    )
    if noisy >= 0.05:
        lines.append(
            f"note: with these sample sizes PSI reaches about {num(noisy, 2)} from noise alone; "
            "trust the test column more than PSI"
        )
    lines += [f"note: {s}" for s in result["skipped"]]
    lines += warning_lines(result)
    if details:
        lines.append(f"full details: {details}")
    return "\n".join(lines), details


@tool(risk=Risk.READ_ONLY, timeout_s=TOOL_TIMEOUT_S, max_output_chars=12_000)
async def detect_drift(
    ctx: ToolContext, reference: str, current: str, features: list[str] | None = None
) -> str:
    """Compare new data with reference data (e.g. the training set), feature by feature.

    Numbers: population stability index (PSI) over 10 quantile bins of the reference, and a
    two-sample Kolmogorov-Smirnov test. Categories: PSI over categories and a chi-squared test.
    PSI < 0.1 is stable, 0.1-0.25 moderate, > 0.25 significant; p-values are Holm-corrected
    across features and p < 0.01 confirms a shift. Also reports changes in missing rates.

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        reference: Workspace path of the reference .csv/.tsv/.parquet (usually training data).
        current: Workspace path of the new data to compare.
        features: Columns to compare (default: every column the two files share).
    """
    opts = options(ctx.settings)
    spec = {
        "reference": data_file(ctx, reference, "reference"),
        "current": data_file(ctx, current, "current"),
        "features": features,
    }
    text, details = await offload(lambda call: _drift(ctx, call, spec, opts.timeout_s))
    announce(ctx, details)
    return text


# --- fairness -------------------------------------------------------------------------------


def _fairness(
    ctx: ToolContext, call: Call, args: dict[str, Any], timeout_s: float
) -> tuple[str, str | None]:
    record = lookup(ctx, args["model_id"])
    if record.task != "classification":
        raise ToolError(
            f"fairness_report needs a classifier; {record.model_id} is a regression model"
        )
    rel = data_file(ctx, args["data"])
    model_rel = stage_model(ctx, record)
    result = run_runtime(
        ctx,
        tool="fairness_report",
        entry="_fairness",
        spec={
            "data": rel,
            "model_path": model_rel,
            "model_sha256": record.artifact_sha256,
            "group_column": args["group_column"],
            "positive_label": args["positive_label"],
        },
        timeout_s=timeout_s,
        call=call,
        inputs=[rel, model_rel],
    )
    keys = (
        "group_column",
        "positive_label",
        "groups",
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equalized_odds_difference",
        "tpr_difference",
        "fpr_difference",
        "notes",
    )
    registry(ctx).add_model_audit(
        model_id=record.model_id,
        kind="fairness",
        run_id=ctx.run_id,
        data=result["data"],
        summary={k: result[k] for k in keys},
    )
    details = save_details(
        ctx, f"fairness_{record.model_id}_{slug(args['group_column'], 20)}", result
    )
    rows = [*result["groups"], result["overall"]]
    lines = [
        f"Fairness of {record.model_id} (target '{record.target}') on {rel} "
        f"({num(result['data']['n_rows'])} labelled rows) by '{result['group_column']}'; "
        f"positive outcome = {result['positive_label']!r} ({result['positive_label_reason']})",
        table(
            ["group", "n", "base rate", "selection rate", "TPR", "FPR", "accuracy"],
            [
                [
                    r["group"],
                    num(r["n"]),
                    num(r["base_rate"]),
                    num(r["selection_rate"]),
                    num(r["tpr"]),
                    num(r["fpr"]),
                    num(r["accuracy"]),
                ]
                for r in rows
            ],
        ),
        f"demographic parity difference (max - min selection rate): "
        f"{num(result['demographic_parity_difference'])}; ratio (min/max): "
        f"{num(result['demographic_parity_ratio'])}",
        f"equalized odds difference (larger of the TPR gap {num(result['tpr_difference'])} "
        f"and the FPR gap {num(result['fpr_difference'])}): "
        f"{num(result['equalized_odds_difference'])}",
        "report the gaps with the group sizes; trade-offs between fairness criteria are for "
        "people to decide",
    ]
    lines += warning_lines(result)
    if details:
        lines.append(f"full details: {details}")
    return "\n".join(lines), details


@tool(risk=Risk.READ_ONLY, timeout_s=TOOL_TIMEOUT_S, max_output_chars=12_000)
async def fairness_report(
    ctx: ToolContext,
    model_id: str,
    data: str,
    group_column: str,
    positive_label: str | int | float | bool | None = None,
) -> str:
    """Compare a classifier's behaviour across groups (e.g. sex, age band, region).

    Per group: size, base rate, selection rate (share predicted positive), true and false
    positive rates and accuracy; then the demographic parity difference and ratio and the
    equalized odds difference. Small groups are flagged, since their rates are uncertain.
    The group column need not be one of the model's features.

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        model_id: The id of a classification model from train_model.
        data: Workspace path of labelled data with the model's features and the group column.
        group_column: The column whose groups are compared.
        positive_label: The class that counts as the favourable/positive outcome (required
            for more than two classes; for two, a label like 1/yes/true is chosen, else the
            second class).
    """
    opts = options(ctx.settings)
    args = {
        "model_id": model_id,
        "data": data,
        "group_column": group_column,
        "positive_label": positive_label,
    }
    text, details = await offload(lambda call: _fairness(ctx, call, args, opts.timeout_s))
    announce(ctx, details)
    return text

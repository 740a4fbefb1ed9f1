"""``train_model``: validate, run the training runtime in a sandbox, register, report."""

from __future__ import annotations

import secrets
from typing import Any, Literal

from agentcore.tools import Risk, ToolContext, ToolError, tool
from agentcore_ml import _mlflow
from agentcore_ml._execute import Call, run_runtime
from agentcore_ml._files import data_file
from agentcore_ml._format import ci, names, num, pm, short_sha, table
from agentcore_ml._host import (
    MODELS_DIR,
    announce,
    offload,
    registry,
    save_details,
    slug,
    warning_lines,
)
from agentcore_ml._options import TOOL_TIMEOUT_S, options

Task = Literal["auto", "classification", "regression"]
Family = Literal["logistic", "linear", "random_forest", "hist_gradient_boosting", "knn"]
PRIMARY = {"classification": "accuracy", "regression": "rmse"}


def _check_args(
    cv_folds: int,
    holdout: float,
    time_column: str | None,
    group_column: str | None,
    params: dict[str, Any] | None,
    features: list[str] | None,
) -> None:
    if not 2 <= cv_folds <= 20:
        raise ToolError(f"cv_folds must be between 2 and 20, got {cv_folds}")
    if not 0 <= holdout <= 0.5:
        raise ToolError(f"holdout must be a fraction between 0 and 0.5, got {holdout}")
    if time_column and group_column:
        raise ToolError(
            "pass time_column or group_column, not both: time-ordered and grouped splits "
            "cannot be combined here"
        )
    if features is not None and not features:
        raise ToolError("features is an empty list; omit it to use every column but the target")
    for key, value in (params or {}).items():
        if not (value is None or isinstance(value, bool | int | float | str)):
            raise ToolError(f"params['{key}'] must be a number, string, boolean or null")


def _metrics_table(result: dict[str, Any]) -> str:
    hold = result.get("holdout") or {}
    base = result["baseline"]
    rows = []
    for name, cv in result["cv"].items():
        h = (hold.get("metrics") or {}).get(name)
        rows.append(
            [
                name,
                pm(cv["mean"], cv["std"]),
                (num(h) + ci(hold.get("ci95", {}).get(name))) if hold else "-",
                f"{num(base['cv'].get(name))} / {num((base.get('holdout') or {}).get(name))}",
            ]
        )
    return table(["metric", "CV mean ± std", "holdout [95% CI]", "baseline CV / holdout"], rows)


def _checks(result: dict[str, Any]) -> list[str]:
    """Plain warnings about results a careful reviewer would question."""
    task, out = result["task"], []
    key = PRIMARY[task]
    cv = result["cv"][key]["mean"]
    base = result["baseline"]["cv"].get(key)
    imp = result.get("importance") or []
    if task == "classification":
        if base is not None and cv <= base + 0.01:
            out.append("the model is no better than always predicting the most frequent class")
        train = result["train"].get(key)
        if train is not None and train - cv > 0.1:
            out.append(f"in-fold training accuracy {num(train)} vs CV {num(cv)}: overfitting")
        near_perfect = cv >= 0.99
    else:
        r2 = result["cv"]["r2"]["mean"]
        if r2 is not None and r2 <= 0.01:
            out.append("R² is about 0: the model is no better than predicting the mean")
        near_perfect = r2 is not None and r2 >= 0.99
    positive = [i["mean"] for i in imp if i["mean"] > 0]
    if near_perfect and imp and positive and imp[0]["mean"] >= 0.8 * sum(positive):
        out.append(
            f"a near-perfect score that rests on one feature ('{imp[0]['feature']}'): "
            "run leakage_check before trusting it"
        )
    return out


def render(result: dict[str, Any], model_id: str, version: int, extra: list[str]) -> str:
    """The answer the model reads."""
    ds, proto, feats = result["dataset"], result["protocol"], result["features"]
    n_feat = len(feats["numeric"]) + len(feats["categorical"])
    lines = [
        f"Trained model {model_id} (version {version} for this dataset and target)",
        f"task: {result['task']} ({result['task_reason']}) · family: {result['family']} "
        f"({result['estimator']}) · target: {result.get('target', '')}",
        f"data: {ds['path']} · {num(ds['n_rows'])} rows, {num(ds['n_labelled'])} labelled · "
        f"sha256 {short_sha(ds['sha256'])}",
        f"features ({n_feat}): numeric {names(feats['numeric']) or '-'}; "
        f"categorical {names(feats['categorical']) or '-'}",
        f"protocol: holdout {proto['holdout']}; {proto['cv']} on {num(proto['n_train'])} rows; "
        "preprocessing (impute, scale, one-hot) fitted inside each fold; seed "
        f"{proto['seed']}",
        _metrics_table(result),
    ]
    if result.get("classes"):
        counts = result.get("class_counts") or {}
        lines.append(
            "classes: " + ", ".join(f"{c} ({counts.get(str(c), '?')})" for c in result["classes"])
        )
    if result.get("importance"):
        top = result["importance"][:8]
        metric = "accuracy" if result["task"] == "classification" else "R²"
        lines.append(
            f"top features (permutation importance on the holdout, drop in {metric}): "
            + ", ".join(f"{i['feature']} {num(i['mean'])}±{num(i['std'])}" for i in top)
        )
    lines += [f"check: {c}" for c in _checks(result)]
    lines += warning_lines(result)
    lines += extra
    return "\n".join(lines)


def _train(
    ctx: ToolContext, call: Call, spec: dict[str, Any], timeout_s: float
) -> tuple[str, list[str | None]]:
    result = run_runtime(
        ctx,
        tool="train_model",
        entry="_train",
        spec=spec,
        timeout_s=timeout_s,
        call=call,
        inputs=[spec["data"]],
        outputs=[spec["artifact"]],
    )
    result["target"] = spec["target"]
    result["timings"].update(sandbox_start_s=call.start_s, sandbox_run_s=call.run_s)
    model_id = spec["model_id"]
    details_name = f"train_{model_id}"
    holdout = result.get("holdout")
    fields = {
        "model_id": model_id,
        "run_id": ctx.run_id,
        "dataset_path": spec["data"],
        "dataset_fingerprint": result["dataset"]["sha256"],
        "n_rows": result["dataset"]["n_rows"],
        "target": spec["target"],
        "task": result["task"],
        "family": spec["family"],
        "params": result["params"],
        "features": result["features"],
        "cv_metrics": result["cv"],
        "holdout_metrics": holdout,
        "artifact_path": spec["artifact"],
        "artifact_sha256": result["artifact"]["sha256"],
        "library_versions": result["versions"],
        "workspace": str(ctx.workspace.resolve()),
        "details": {k: v for k, v in result.items() if k not in ("cv", "params", "versions")},
    }
    version = registry(ctx).add_model(fields)
    result["model_id"], result["version"] = model_id, version
    details = save_details(ctx, details_name, result)
    extra = []
    note = _mlflow.log_run(
        model_id=model_id,
        params={
            **{f"model.{k}": v for k, v in result["params"].items()},
            "family": spec["family"],
            "task": result["task"],
            "target": spec["target"],
            "cv": result["protocol"]["cv"],
            "holdout": result["protocol"]["holdout"],
            "seed": spec["seed"],
        },
        metrics={
            **{f"cv_{k}_mean": v["mean"] for k, v in result["cv"].items()},
            **{f"cv_{k}_std": v["std"] for k, v in result["cv"].items()},
            **{f"holdout_{k}": v for k, v in ((holdout or {}).get("metrics") or {}).items()},
        },
        tags={
            "agentcore.model_id": model_id,
            "agentcore.run_id": ctx.run_id,
            "agentcore.version": str(version),
            "dataset.path": spec["data"],
            "dataset.sha256": result["dataset"]["sha256"],
        },
        artifact=ctx.workspace / spec["artifact"],
    )
    if note:
        extra.append(note)
    extra.append(
        f"model file: {spec['artifact']}"
        + (f" · full details: {details}" if details else "")
        + "\nnext: evaluate_model, predict, fairness_report or model_card with "
        + f"model_id='{model_id}'"
    )
    return render(result, model_id, version, extra), [spec["artifact"], details]


@tool(risk=Risk.WRITES, timeout_s=TOOL_TIMEOUT_S, max_output_chars=12_000)
async def train_model(
    ctx: ToolContext,
    data: str,
    target: str,
    task: Task = "auto",
    family: Family = "logistic",
    features: list[str] | None = None,
    exclude: list[str] | None = None,
    cv_folds: int = 5,
    holdout: float = 0.2,
    time_column: str | None = None,
    group_column: str | None = None,
    seed: int = 0,
    params: dict[str, Any] | None = None,
) -> str:
    """Train and validate a scikit-learn model on a CSV/Parquet file, leakage-safe, and register it.

    Preprocessing (median imputation and scaling for numbers; most-frequent imputation and
    one-hot encoding for categories) sits in a pipeline with the model and is refitted inside
    every cross-validation fold. A holdout set is split off first (stratified for
    classification; the latest rows with time_column; whole groups with group_column), k-fold
    CV runs on the rest (stratified / KFold / forward-chaining TimeSeriesSplit / GroupKFold),
    the final model is fitted on the rest and scored once on the holdout. Reports mean ± std
    over folds, the holdout score with a bootstrap 95% interval, a majority/mean baseline, and
    permutation importance on the holdout. The model is saved under .agentcore/models/ and
    recorded in the model registry (dataset SHA-256, params, metrics, version).

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        data: Workspace path of a .csv, .tsv or .parquet file with one row per example.
        target: The column to predict.
        task: "classification", "regression", or "auto" (non-numeric or few whole-number
            values mean classification).
        family: logistic, linear (Ridge for regression), random_forest,
            hist_gradient_boosting or knn. Start with logistic/linear as the simple reference.
        features: Columns to use (default: all but the target, exclude, time and group columns).
        exclude: Columns to leave out, e.g. identifiers or columns known only after the outcome.
        cv_folds: Number of cross-validation folds (2-20).
        holdout: Fraction kept aside for the final score (0-0.5; 0 means CV only).
        time_column: Column with the time of each row: rows are ordered by it, the latest
            rows are the holdout and CV is forward-chaining. Use it whenever rows are in time.
        group_column: Column identifying an entity (patient, user): all its rows stay on one
            side of every split.
        seed: Random seed for splits and models.
        params: Model hyperparameters, e.g. {"n_estimators": 300} or {"C": 0.5}.
    """
    opts = options(ctx.settings)
    _check_args(cv_folds, holdout, time_column, group_column, params, features)
    rel = data_file(ctx, data)
    if not target or not target.strip():
        raise ToolError("target is empty; name the column to predict")
    model_id = f"{slug(target, 20)}-{family.replace('_', '-')}-{secrets.token_hex(4)}"
    spec = {
        "data": rel,
        "target": target,
        "task": task,
        "family": family,
        "features": features,
        "exclude": exclude,
        "cv_folds": cv_folds,
        "holdout": holdout,
        "time_column": time_column,
        "group_column": group_column,
        "seed": seed,
        "params": params or {},
        "model_id": model_id,
        "artifact": f"{MODELS_DIR}/{model_id}.joblib",
    }
    text, produced = await offload(lambda call: _train(ctx, call, spec, opts.timeout_s))
    announce(ctx, *produced)
    return text

"""``evaluate_model`` and ``predict`` inside the sandbox: a registered model on new data."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from ._common import (
    InputProblem,
    bootstrap_ci,
    classification_metrics,
    feature_frame,
    label_values,
    load_bundle,
    load_frame,
    regression_metrics,
    unseen_categories,
)

PREVIEW_ROWS = 5


def labelled(frame: pd.DataFrame, bundle: dict[str, Any], path: str) -> tuple[pd.Series, int]:
    """The target column of labelled data, and how many unlabelled rows were dropped."""
    target = bundle["target"]
    if target not in frame.columns:
        raise InputProblem(
            f"'{path}' has no column '{target}' (the model's target), so it cannot be scored; "
            "use predict for unlabelled data"
        )
    y = label_values(frame[target])
    if bundle["task"] == "regression":
        y = pd.to_numeric(y, errors="coerce")
    return y, int(y.isna().sum())


def evaluate(spec: dict[str, Any]) -> dict[str, Any]:
    """Score a model on labelled data with the metrics train_model reports."""
    bundle = load_bundle(spec["model_path"], spec["model_sha256"])
    frame, fingerprint = load_frame(spec["data"])
    y, dropped = labelled(frame, bundle, spec["data"])
    keep = y.notna().to_numpy()
    frame, y = frame[keep], y[keep]
    if not len(y):
        raise InputProblem(f"'{spec['data']}' has no labelled rows")
    X = feature_frame(frame, bundle, spec["data"])
    model = bundle["pipeline"]
    pred = model.predict(X)
    notes = unseen_categories(X, bundle)
    if dropped:
        notes.append(f"{dropped} rows without a target value were left out")
    if bundle["task"] == "classification":
        classes = list(model.classes_)
        new = sorted(set(map(str, y.unique())) - set(map(str, classes)))
        if new:
            notes.append(f"labels the model never saw in training: {', '.join(new[:5])}")
        proba = model.predict_proba(X) if hasattr(model, "predict_proba") else None
        metrics = classification_metrics(y, pred, proba, classes)
        primary = "accuracy"
    else:
        metrics = regression_metrics(y, pred)
        primary = "rmse"
    ci = bootstrap_ci(y, pred, bundle["task"], spec.get("seed", 0))
    return {
        "ok": True,
        "data": {"path": spec["data"], "sha256": fingerprint, "n_rows": len(frame)},
        "metrics": metrics,
        "ci95": {primary: ci} if ci else {},
        "notes": notes,
    }


def _free_name(columns: list[str], name: str) -> str:
    candidate, n = name, 2
    while candidate in columns:
        candidate, n = f"{name}_{n}", n + 1
    return candidate


def predict(spec: dict[str, Any]) -> dict[str, Any]:
    """Predict for every row and write the input with prediction columns added."""
    bundle = load_bundle(spec["model_path"], spec["model_sha256"])
    frame, fingerprint = load_frame(spec["data"])
    X = feature_frame(frame, bundle, spec["data"])
    model = bundle["pipeline"]
    out = frame.copy()
    added: list[str] = []
    pred_col = _free_name(list(out.columns), f"predicted_{bundle['target']}")
    out[pred_col] = model.predict(X)
    added.append(pred_col)
    summary: dict[str, Any]
    if bundle["task"] == "classification":
        if hasattr(model, "predict_proba"):
            proba = model.predict_proba(X)
            for i, cls in enumerate(model.classes_):
                col = _free_name(list(out.columns), f"proba_{cls}")
                out[col] = np.round(proba[:, i], 6)
                added.append(col)
        counts = out[pred_col].value_counts()
        summary = {"counts": {str(k): int(v) for k, v in counts.items()}}
    else:
        p = out[pred_col].astype(float)
        summary = {
            "mean": float(p.mean()),
            "std": float(p.std()) if len(p) > 1 else 0.0,
            "min": float(p.min()),
            "max": float(p.max()),
        }
    output = spec["output"]
    parent = os.path.dirname(output)
    if parent:
        os.makedirs(parent, exist_ok=True)
    if output.lower().endswith((".parquet", ".pq")):
        out.to_parquet(output, index=False)
    else:
        out.to_csv(output, index=False, sep="\t" if output.lower().endswith(".tsv") else ",")
    preview = out[added].head(PREVIEW_ROWS)
    return {
        "ok": True,
        "data": {"path": spec["data"], "sha256": fingerprint, "n_rows": len(frame)},
        "output": output,
        "columns": added,
        "preview": preview.to_dict(orient="records"),
        "summary": summary,
        "notes": unseen_categories(X, bundle),
    }

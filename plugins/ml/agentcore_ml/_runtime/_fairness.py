"""``fairness_report`` inside the sandbox: a classifier's per-group rates and their gaps."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from ._common import InputProblem, as_category, feature_frame, load_bundle, load_frame
from ._score import labelled

#: Groups smaller than this get a warning: their rates swing by several points by chance.
SMALL_GROUP = 30
#: Fewer actual positives (or negatives) than this makes a group's TPR (or FPR) unreliable.
FEW_LABELS = 10
_POSITIVE_WORDS = ("1", "1.0", "true", "yes", "y", "positive", "pos")


def wilson(successes: int, n: int) -> list[float] | None:
    """95% Wilson score interval of a proportion."""
    if n == 0:
        return None
    z, p = 1.959964, successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [max(0.0, centre - half), min(1.0, centre + half)]


def positive_class(classes: list[Any], asked: Any) -> tuple[Any, str]:
    """The class treated as the favourable outcome, and how it was chosen."""
    if asked is not None:
        for c in classes:
            if str(c) == str(asked):
                return c, "as requested"
        raise InputProblem(
            f"positive_label {asked!r} is not one of the model's classes: "
            f"{', '.join(repr(c) for c in classes)}"
        )
    if len(classes) != 2:
        raise InputProblem(
            f"the model has {len(classes)} classes ({', '.join(repr(c) for c in classes[:10])}); "
            "pass positive_label to say which one counts as the positive outcome"
        )
    for c in classes:
        if str(c).strip().lower() in _POSITIVE_WORDS:
            return c, "it reads as the positive label"
    return classes[1], "the second class in sorted order; pass positive_label to choose"


def _rate(num: int, den: int) -> float | None:
    return num / den if den else None


def group_row(
    name: str, y_pos: np.ndarray, p_pos: np.ndarray, correct: np.ndarray
) -> dict[str, Any]:
    """Counts and rates of one group (boolean arrays: actual positive, predicted positive)."""
    n, pos = len(y_pos), int(y_pos.sum())
    neg, selected = n - pos, int(p_pos.sum())
    return {
        "group": name,
        "n": n,
        "positives": pos,
        "base_rate": _rate(pos, n),
        "selection_rate": _rate(selected, n),
        "selection_rate_ci95": wilson(selected, n),
        "tpr": _rate(int((p_pos & y_pos).sum()), pos),
        "fpr": _rate(int((p_pos & ~y_pos).sum()), neg),
        "accuracy": _rate(int(correct.sum()), n),
    }


def _spread(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in rows if r[key] is not None]
    return max(values) - min(values) if len(values) >= 2 else None


def main(spec: dict[str, Any]) -> dict[str, Any]:
    """Per-group selection rate, TPR, FPR, accuracy; demographic parity and equalized odds gaps."""
    bundle = load_bundle(spec["model_path"], spec["model_sha256"])
    if bundle["task"] != "classification":
        raise InputProblem("fairness_report needs a classification model; this one is regression")
    frame, fingerprint = load_frame(spec["data"])
    group_col = spec["group_column"]
    if group_col not in frame.columns:
        from ._common import column_list

        raise InputProblem(
            f"group_column '{group_col}' not in '{spec['data']}'. Its columns are: "
            f"{column_list(frame.columns)}"
        )
    y, dropped = labelled(frame, bundle, spec["data"])
    keep = y.notna().to_numpy()
    frame, y = frame[keep], y[keep]
    X = feature_frame(frame, bundle, spec["data"])
    model = bundle["pipeline"]
    classes = list(model.classes_)
    positive, why = positive_class(classes, spec.get("positive_label"))
    pred = pd.Series(model.predict(X), index=frame.index)
    y_pos = (y.astype(str) == str(positive)).to_numpy()
    p_pos = (pred.astype(str) == str(positive)).to_numpy()
    correct = (pred.astype(str) == y.astype(str)).to_numpy()
    groups = as_category(frame[group_col]).fillna("(missing)").to_numpy()
    rows = []
    for name in sorted(set(groups), key=str):
        m = groups == name
        rows.append(group_row(str(name), y_pos[m], p_pos[m], correct[m]))
    overall = group_row("(all)", y_pos, p_pos, correct)
    notes = []
    if dropped:
        notes.append(f"{dropped} rows without a target value were left out")
    for r in rows:
        if r["n"] < SMALL_GROUP:
            notes.append(
                f"group '{r['group']}' has only {r['n']} rows: its rates are very uncertain "
                f"(selection rate 95% CI {_fmt_ci(r['selection_rate_ci95'])})"
            )
        elif r["positives"] < FEW_LABELS or r["n"] - r["positives"] < FEW_LABELS:
            notes.append(
                f"group '{r['group']}' has {r['positives']} actual positives and "
                f"{r['n'] - r['positives']} negatives: its TPR/FPR rest on few rows"
            )
    sel = [r["selection_rate"] for r in rows if r["selection_rate"] is not None]
    tpr_gap, fpr_gap = _spread(rows, "tpr"), _spread(rows, "fpr")
    gaps = [g for g in (tpr_gap, fpr_gap) if g is not None]
    return {
        "ok": True,
        "data": {"path": spec["data"], "sha256": fingerprint, "n_rows": len(frame)},
        "group_column": group_col,
        "positive_label": positive,
        "positive_label_reason": why,
        "groups": rows,
        "overall": overall,
        "demographic_parity_difference": _spread(rows, "selection_rate"),
        "demographic_parity_ratio": (min(sel) / max(sel)) if sel and max(sel) > 0 else None,
        "tpr_difference": tpr_gap,
        "fpr_difference": fpr_gap,
        "equalized_odds_difference": max(gaps) if gaps else None,
        "notes": notes,
    }


def _fmt_ci(ci: list[float] | None) -> str:
    return "n/a" if ci is None else f"{ci[0]:.2f}-{ci[1]:.2f}"

"""``leakage_check`` inside the sandbox: the usual ways a score gets too good to be true."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score  # type: ignore[import-untyped, unused-ignore]
from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped, unused-ignore]
from sklearn.preprocessing import OneHotEncoder  # type: ignore[import-untyped, unused-ignore]
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # type: ignore[import-untyped, unused-ignore]

from ._common import (
    InputProblem,
    as_category,
    detect_task,
    is_numeric,
    label_values,
    load_frame,
    require_columns,
)

#: A single feature scoring at least this (balanced accuracy, or R²) predicts the target
#: almost perfectly on its own: rarely real, usually the target in disguise.
NEAR_PERFECT = 0.98
#: Rows used for the per-feature models on large files (a fixed random sample).
SAMPLE_ROWS = 20_000
_ID_NAME = re.compile(r"(^|[_\s-])(id|uuid|guid|key|index|idx)$|^unnamed: ?0$", re.IGNORECASE)


def _finding(
    kind: str, severity: str, columns: list[str], evidence: str, action: str
) -> dict[str, Any]:
    return {
        "kind": kind,
        "severity": severity,
        "columns": columns,
        "evidence": evidence,
        "action": action,
    }


def single_feature_score(x: pd.Series, y: pd.Series, task: str, seed: int) -> float | None:
    """Cross-validated score of a shallow tree that sees only ``x``."""
    if is_numeric(x):
        X: Any = x.to_numpy(float).reshape(-1, 1)
        tree = (DecisionTreeClassifier if task == "classification" else DecisionTreeRegressor)(
            max_depth=4, random_state=seed
        )
        model: Any = tree
    else:
        X = as_category(x).to_frame()
        tree = (DecisionTreeClassifier if task == "classification" else DecisionTreeRegressor)(
            max_depth=8, random_state=seed
        )
        model = make_pipeline(
            OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=64), tree
        )
    if task == "classification":
        folds = int(min(5, y.value_counts().min()))
        if folds < 2:
            return None
        cv: Any = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        scoring = "balanced_accuracy"
    else:
        cv, scoring = KFold(n_splits=5, shuffle=True, random_state=seed), "r2"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_val_score(model, X, y, cv=cv, scoring=scoring, error_score=np.nan)
    return None if np.isnan(scores).all() else float(np.nanmean(scores))


def _id_like(name: str, s: pd.Series) -> str | None:
    """Why ``s`` looks like an identifier, or None."""
    n = int(s.notna().sum())
    if n < 20:
        return None
    unique = int(s.nunique())
    whole = is_numeric(s) and bool(np.all(np.mod(s.dropna().to_numpy(float), 1) == 0))
    if unique == n and (whole or not is_numeric(s)):
        return f"{unique} distinct values in {n} rows: unique per row"
    if whole and unique >= 0.95 * n and (s.is_monotonic_increasing or s.is_monotonic_decreasing):
        return "strictly ordered whole numbers: a row number or counter"
    if _ID_NAME.search(name) and unique >= 0.9 * n:
        return f"named like an identifier, {unique} distinct values in {n} rows"
    return None


def _as_time(s: pd.Series) -> pd.Series | None:
    """``s`` as datetimes if it holds dates (a datetime type, or text that parses as dates)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    if is_numeric(s) or pd.api.types.is_bool_dtype(s):
        return None
    values = s.dropna()
    if not len(values):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(s, errors="coerce", format="mixed")
    return parsed if parsed.notna().sum() >= 0.9 * len(values) else None


def _predictors(
    frame: pd.DataFrame, y: pd.Series, task: str, columns: list[str], seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    findings: list[dict[str, Any]] = []
    scores: list[dict[str, Any]] = []
    rows = frame
    if len(frame) > SAMPLE_ROWS:
        rows = frame.sample(SAMPLE_ROWS, random_state=seed)
    ys = y.loc[rows.index]
    chance = 1 / ys.nunique() if task == "classification" else 0.0
    for col in columns:
        x = rows[col]
        if x.isna().all():
            continue
        score = single_feature_score(x, ys, task, seed)
        corr = None
        if is_numeric(x) and (task == "regression" or ys.nunique() == 2):
            target = (
                ys.astype(float) if task == "regression" else (ys == ys.unique()[0]).astype(float)
            )
            pair = pd.concat([x.astype(float), target], axis=1).dropna()
            if len(pair) > 2 and pair.iloc[:, 0].std() > 0 and pair.iloc[:, 1].std() > 0:
                corr = float(np.corrcoef(pair.iloc[:, 0], pair.iloc[:, 1])[0, 1])
        scores.append({"feature": col, "score": score, "corr": corr})
        strong = (score is not None and score >= NEAR_PERFECT) or (
            corr is not None and abs(corr) >= NEAR_PERFECT
        )
        if strong:
            metric = "balanced accuracy" if task == "classification" else "R²"
            parts = []
            if score is not None:
                parts.append(f"a depth-limited tree on '{col}' alone scores {metric} {score:.3f}")
            if corr is not None:
                parts.append(f"correlation with the target {corr:+.3f}")
            findings.append(
                _finding(
                    "near_perfect_predictor",
                    "high",
                    [col],
                    "; ".join(parts) + f" (chance level {chance:.2f})",
                    f"find out how '{col}' is produced: if it is derived from the target or "
                    "recorded after the outcome, drop it (exclude=[...]); keep it only if it is "
                    "truly known at prediction time",
                )
            )
    scores.sort(key=lambda d: -1.0 if d["score"] is None else -float(d["score"]))
    return findings, scores


def _duplicates(
    frame: pd.DataFrame, columns: list[str], target: str, test: pd.DataFrame | None, test_path: str
) -> list[dict[str, Any]]:
    findings = []
    n_dup = int(frame.duplicated(subset=[*columns, target]).sum())
    if n_dup:
        findings.append(
            _finding(
                "duplicate_rows",
                "medium" if n_dup >= 0.01 * len(frame) else "low",
                [],
                f"{n_dup} rows ({n_dup / len(frame):.1%}) repeat an earlier row exactly "
                "(identifier columns ignored)",
                "copies can fall on both sides of a split and inflate scores: drop duplicates "
                "before splitting, or keep copies together with group_column",
            )
        )
    conflicting = int(frame.duplicated(subset=columns, keep=False).sum()) - int(
        frame.duplicated(subset=[*columns, target], keep=False).sum()
    )
    if conflicting > 0:
        findings.append(
            _finding(
                "conflicting_labels",
                "low",
                [target],
                f"{conflicting} rows share every feature value with a row of another label",
                "label noise or missing features: it caps the reachable score; inspect them",
            )
        )
    if test is not None:
        shared = [c for c in [*columns, target] if c in test.columns]
        if shared:
            left = set(pd.util.hash_pandas_object(frame[shared], index=False))
            right = pd.util.hash_pandas_object(test[shared], index=False)
            overlap = int(right.isin(left).sum())
            if overlap:
                findings.append(
                    _finding(
                        "train_test_overlap",
                        "high",
                        [],
                        f"{overlap} of {len(test)} rows of '{test_path}' "
                        f"({overlap / len(test):.1%}) also appear in the training data "
                        f"(compared on {len(shared)} columns)",
                        "the test score is partly a memory test: remove the overlapping rows from "
                        "the test set, or split by entity (group_column)",
                    )
                )
    return findings


def _times(frame: pd.DataFrame, time_column: str | None, skip: set[str]) -> list[dict[str, Any]]:
    findings = []
    now = pd.Timestamp.now(tz=None)
    base = _as_time(frame[time_column]) if time_column else None
    if time_column and base is None:
        raise InputProblem(f"time_column '{time_column}' does not hold dates")
    for col in frame.columns:
        if col in skip:
            continue
        t = _as_time(frame[col])
        if t is None:
            continue
        t = t.dt.tz_localize(None) if getattr(t.dt, "tz", None) is not None else t
        future = int((t > now).sum())
        if future:
            findings.append(
                _finding(
                    "future_dates",
                    "medium",
                    [col],
                    f"{future} values of '{col}' lie after today ({t.max()})",
                    "future-dated values are a data error or information from after the fact: "
                    "fix or drop them",
                )
            )
        if base is not None and col != time_column:
            b = base.dt.tz_localize(None) if getattr(base.dt, "tz", None) is not None else base
            both = t.notna() & b.notna()
            later = int((t[both] > b[both]).sum())
            if later and later >= 0.01 * int(both.sum()):
                share = later / int(both.sum())
                findings.append(
                    _finding(
                        "after_prediction_time",
                        "high" if share >= 0.5 else "medium",
                        [col],
                        f"in {later} rows ({share:.0%}) '{col}' is later than '{time_column}'",
                        f"'{col}' (and features computed from it) would not be known at "
                        "prediction time: drop it, or rebuild it from data before the cutoff",
                    )
                )
    return findings


def main(spec: dict[str, Any]) -> dict[str, Any]:
    """Run every leakage check on ``data``; ``test_data`` adds the cross-split check."""
    frame, fingerprint = load_frame(spec["data"])
    target, seed = spec["target"], 0
    time_column, ids = spec.get("time_column"), list(spec.get("id_columns") or [])
    require_columns(frame, [target], "target", spec["data"])
    require_columns(frame, [c for c in [time_column, *ids] if c], "column(s)", spec["data"])
    test = None
    if spec.get("test_data"):
        test, _ = load_frame(spec["test_data"])
    labelled = frame[frame[target].notna()]
    y = label_values(labelled[target])
    task, _ = detect_task(y, "auto", target)
    if task == "regression":
        y = y.astype(float)
    findings: list[dict[str, Any]] = []
    id_like: dict[str, str] = {}
    for col in frame.columns:
        if col == target or col in ids:
            continue
        why = _id_like(col, frame[col])
        if why:
            id_like[col] = why
            findings.append(
                _finding(
                    "id_like_column",
                    "medium",
                    [col],
                    why,
                    f"a model can memorise '{col}' or learn the row order from it: exclude it "
                    "from the features (and use it as group_column if one entity has many rows)",
                )
            )
    for col in ids:
        counts = frame[col].value_counts()
        repeated = counts[counts > 1]
        if len(repeated):
            findings.append(
                _finding(
                    "repeated_ids",
                    "medium",
                    [col],
                    f"{len(repeated)} values of '{col}' occur in several rows "
                    f"(up to {int(repeated.max())} rows each)",
                    f"rows of one entity are alike: split by entity with group_column='{col}' so "
                    "none is on both sides of a split",
                )
            )
        if test is not None and col in test.columns:
            shared = set(frame[col].dropna()) & set(test[col].dropna())
            if shared:
                findings.append(
                    _finding(
                        "ids_across_split",
                        "high",
                        [col],
                        f"{len(shared)} values of '{col}' are in both files",
                        "the same entities are in training and test data: split by entity",
                    )
                )
    skip = {target, *ids, *id_like}
    candidates = [c for c in frame.columns if c not in skip and c != time_column]
    strong, scores = _predictors(labelled, y, task, candidates, seed)
    findings += strong
    findings += _duplicates(frame, candidates, target, test, spec.get("test_data") or "")
    findings += _times(frame, time_column, {target, *ids})
    order = {"high": 0, "medium": 1, "low": 2}
    findings.sort(key=lambda f: order[f["severity"]])
    checks = [
        "single-feature predictors (depth-limited tree, cross-validated; correlation)",
        "identifier-like columns",
        "duplicate and conflicting rows",
        "dates after today" + (f"; dates after '{time_column}'" if time_column else ""),
    ]
    if ids:
        checks.append("repeated ids")
    if test is not None:
        checks.append("rows and ids shared with test_data")
    return {
        "ok": True,
        "data": {"path": spec["data"], "sha256": fingerprint, "n_rows": len(frame)},
        "target": target,
        "task": task,
        "metric": "balanced accuracy" if task == "classification" else "R²",
        "chance": 1 / y.nunique() if task == "classification" else 0.0,
        "findings": findings,
        "single_feature_scores": scores[:15],
        "checks": checks,
    }

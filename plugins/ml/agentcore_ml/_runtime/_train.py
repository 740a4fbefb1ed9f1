"""``train_model`` inside the sandbox: a leakage-safe pipeline, honest validation, one artifact."""

from __future__ import annotations

import os
import time
import warnings
from typing import Any

import joblib  # type: ignore[import-untyped, unused-ignore]
import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from sklearn.base import BaseEstimator, clone  # type: ignore[import-untyped, unused-ignore]
from sklearn.dummy import (  # type: ignore[import-untyped, unused-ignore]
    DummyClassifier,
    DummyRegressor,
)
from sklearn.inspection import (  # type: ignore[import-untyped, unused-ignore]
    permutation_importance,
)
from sklearn.model_selection import (  # type: ignore[import-untyped, unused-ignore]
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    StratifiedKFold,
    TimeSeriesSplit,
    cross_validate,
    train_test_split,
)
from sklearn.pipeline import Pipeline  # type: ignore[import-untyped, unused-ignore]

from ._common import (
    InputProblem,
    as_category,
    bootstrap_ci,
    classification_metrics,
    detect_task,
    is_numeric,
    label_values,
    load_frame,
    regression_metrics,
    require_columns,
    sha256_file,
    versions,
)
from ._pipeline import estimator, preprocessor

SCORING = {
    "classification": {"accuracy": "accuracy", "f1_macro": "f1_macro"},
    "regression": {
        "rmse": "neg_root_mean_squared_error",
        "mae": "neg_mean_absolute_error",
        "r2": "r2",
    },
}
PRIMARY = {"classification": "accuracy", "regression": "rmse"}


def _features(frame: pd.DataFrame, spec: dict[str, Any], notes: list[str]) -> list[str]:
    target = spec["target"]
    reserved = {target, spec.get("time_column"), spec.get("group_column")}
    exclude = set(spec.get("exclude") or [])
    require_columns(frame, sorted(exclude), "excluded column(s)", spec["data"])
    if spec.get("features"):
        require_columns(frame, spec["features"], "feature column(s)", spec["data"])
        if target in spec["features"]:
            raise InputProblem(f"the target '{target}' cannot also be a feature")
        chosen = [c for c in spec["features"] if c not in exclude]
    else:
        chosen = [c for c in frame.columns if c not in reserved and c not in exclude]
    kept = []
    for col in chosen:
        s = frame[col]
        if s.isna().all():
            notes.append(f"column '{col}' is empty and was left out")
        elif pd.api.types.is_datetime64_any_dtype(s):
            notes.append(
                f"datetime column '{col}' was left out: derive features from it (day, month) "
                "or pass it as time_column"
            )
        else:
            kept.append(col)
            if not is_numeric(s) and s.nunique() == len(s) and len(s) > 20:
                notes.append(f"'{col}' is unique per row (an identifier?); consider exclude")
    if not kept:
        raise InputProblem("no usable feature columns are left; check features/exclude")
    return kept


def _split(
    X: pd.DataFrame, y: pd.Series, spec: dict[str, Any], task: str, frame: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, Any, Any, dict[str, Any]]:
    """Holdout indices, CV splitter, CV groups and a description of the protocol."""
    n, folds, holdout, seed = len(y), spec["cv_folds"], spec["holdout"], spec["seed"]
    idx = np.arange(n)
    groups = None
    n_hold = round(n * holdout)
    if spec.get("time_column"):
        n_train = n - n_hold
        train_idx, hold_idx = idx[:n_train], idx[n_train:]
        cv: Any = TimeSeriesSplit(n_splits=folds)
        desc = f"time-ordered by '{spec['time_column']}': forward-chaining {folds}-split CV"
        hold_desc = f"the latest {n_hold} rows"
    elif spec.get("group_column"):
        g = frame[spec["group_column"]].to_numpy()
        if n_hold:
            gss = GroupShuffleSplit(n_splits=1, test_size=holdout, random_state=seed)
            train_idx, hold_idx = next(gss.split(idx, groups=g))
        else:
            train_idx, hold_idx = idx, idx[:0]
        groups = g[train_idx]
        if len(set(groups)) < folds:
            raise InputProblem(
                f"only {len(set(groups))} groups of '{spec['group_column']}' for {folds}-fold "
                "grouped CV; lower cv_folds"
            )
        cv = GroupKFold(n_splits=folds)
        desc = f"grouped by '{spec['group_column']}': {folds}-fold GroupKFold"
        hold_desc = f"{len(hold_idx)} rows from whole groups"
    else:
        stratify = y if task == "classification" else None
        if task == "classification":
            counts = y.value_counts()
            if n_hold and counts.min() < 2:
                rare = ", ".join(repr(c) for c in counts[counts < 2].index[:5])
                raise InputProblem(
                    f"class(es) {rare} have a single row; a stratified holdout needs at least "
                    "two per class: drop or merge them, or pass holdout=0"
                )
        if n_hold:
            train_idx, hold_idx = train_test_split(
                idx, test_size=holdout, stratify=stratify, random_state=seed
            )
        else:
            train_idx, hold_idx = idx, idx[:0]
        if task == "classification":
            cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
            desc = f"stratified {folds}-fold CV (shuffled, seed {seed})"
        else:
            cv = KFold(n_splits=folds, shuffle=True, random_state=seed)
            desc = f"{folds}-fold CV (shuffled, seed {seed})"
        hold_desc = f"{'stratified ' if stratify is not None else ''}random {len(hold_idx)} rows"
    n_train = len(train_idx)
    if n_train < 2 * folds:
        raise InputProblem(
            f"{n} labelled rows are too few for {folds}-fold CV with a {holdout:.0%} holdout "
            f"({n_train} left to train on; at least {2 * folds} needed): lower cv_folds or "
            "holdout, or add data"
        )
    if task == "classification" and not spec.get("group_column"):
        smallest = y.iloc[train_idx].value_counts()
        if smallest.min() < folds:
            raise InputProblem(
                f"class {smallest.idxmin()!r} has only {smallest.min()} training rows, fewer "
                f"than the {folds} CV folds: lower cv_folds, or drop or merge rare classes"
            )
    protocol = {
        "cv": desc,
        "cv_folds": folds,
        "holdout": hold_desc if n_hold else "none",
        "n_train": n_train,
        "n_holdout": len(hold_idx),
        "seed": seed,
    }
    return train_idx, hold_idx, cv, groups, protocol


def _summarise(scores: dict[str, np.ndarray], task: str, prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, values in scores.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :]
        v = np.asarray(values, dtype=float)
        if task == "regression" and name in ("rmse", "mae"):
            v = -v
        ok = v[~np.isnan(v)]
        out[name] = {
            "mean": float(ok.mean()) if len(ok) else None,
            "std": float(ok.std()) if len(ok) else None,
            "folds": [None if np.isnan(x) else float(x) for x in v],
        }
    return out


def _scoring(task: str, n_classes: int) -> dict[str, str]:
    scoring = dict(SCORING[task])
    if task == "classification":
        scoring["roc_auc"] = "roc_auc" if n_classes == 2 else "roc_auc_ovr"
    return scoring


def _holdout(model: Any, X: pd.DataFrame, y: pd.Series, task: str, seed: int) -> dict[str, Any]:
    pred = model.predict(X)
    if task == "classification":
        proba = model.predict_proba(X) if hasattr(model, "predict_proba") else None
        metrics = classification_metrics(y, pred, proba, list(model.classes_))
    else:
        metrics = regression_metrics(y, pred)
    ci = bootstrap_ci(y, pred, task, seed)
    return {"metrics": metrics, "ci95": {PRIMARY[task]: ci} if ci else {}}


def main(spec: dict[str, Any]) -> dict[str, Any]:
    """Train, validate and save one model; ``spec`` holds the tool's arguments."""
    started = time.perf_counter()
    frame, fingerprint = load_frame(spec["data"])
    target, notes = spec["target"], []
    require_columns(frame, [target], "target", spec["data"])
    for key in ("time_column", "group_column"):
        if spec.get(key):
            require_columns(frame, [spec[key]], key, spec["data"])
    n_rows = len(frame)
    frame = frame[frame[target].notna()].reset_index(drop=True)
    if len(frame) < n_rows:
        notes.append(f"{n_rows - len(frame)} rows without a target value were left out")
    if not len(frame):
        raise InputProblem(f"target '{target}' has no values")
    if spec.get("time_column"):
        t = frame[spec["time_column"]]
        order = t if is_numeric(t) else pd.to_datetime(t, errors="coerce", format="mixed")
        if order.isna().all():
            raise InputProblem(f"time_column '{spec['time_column']}' holds no dates or numbers")
        frame = frame.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)
    y = label_values(frame[target])
    task, task_reason = detect_task(y, spec["task"], target)
    features = _features(frame, spec, notes)
    numeric = [c for c in features if is_numeric(frame[c])]
    categorical = [c for c in features if c not in numeric]
    X = frame[features].copy()
    for col in categorical:
        X[col] = as_category(X[col])
    if task == "regression":
        y = y.astype(float)
    model = Pipeline(
        [
            ("preprocess", preprocessor(numeric, categorical)),
            (
                "model",
                estimator(spec["family"], task, spec["seed"], spec.get("params") or {}, notes),
            ),
        ]
    )
    train_idx, hold_idx, cv, groups, protocol = _split(X, y, spec, task, frame)
    X_train, y_train = X.iloc[train_idx], y.iloc[train_idx]
    n_classes = int(y_train.nunique())
    scoring = _scoring(task, n_classes)

    t_cv = time.perf_counter()
    scores = cross_validate(
        model,
        X_train,
        y_train,
        cv=cv,
        groups=groups,
        scoring=scoring,
        return_train_score=True,
        error_score=np.nan,
    )
    cv_s = time.perf_counter() - t_cv
    cv_metrics = _summarise(scores, task, "test_")
    if cv_metrics[PRIMARY[task]]["mean"] is None:
        raise InputProblem(
            "every cross-validation fit failed; see the warnings for the scikit-learn error"
        )
    train_metrics = {k: v["mean"] for k, v in _summarise(scores, task, "train_").items()}
    dummy: BaseEstimator = (
        DummyClassifier(strategy="most_frequent")
        if task == "classification"
        else DummyRegressor(strategy="mean")
    )
    base = Pipeline([("preprocess", preprocessor(numeric, categorical)), ("model", dummy)])
    base_scores = cross_validate(base, X_train, y_train, cv=cv, groups=groups, scoring=scoring)
    baseline: dict[str, Any] = {
        "strategy": "most frequent class" if task == "classification" else "mean of the target",
        "cv": {k: v["mean"] for k, v in _summarise(base_scores, task, "test_").items()},
    }

    t_fit = time.perf_counter()
    final = clone(model).fit(X_train, y_train)
    fit_s = time.perf_counter() - t_fit
    holdout: dict[str, Any] | None = None
    importance: list[dict[str, Any]] = []
    importance_s = 0.0
    if len(hold_idx):
        X_hold, y_hold = X.iloc[hold_idx], y.iloc[hold_idx]
        holdout = {"n": len(hold_idx), **_holdout(final, X_hold, y_hold, task, spec["seed"])}
        baseline["holdout"] = _holdout(
            clone(base).fit(X_train, y_train), X_hold, y_hold, task, spec["seed"]
        )["metrics"]
        t_imp = time.perf_counter()
        imp = permutation_importance(
            final,
            X_hold,
            y_hold,
            scoring="accuracy" if task == "classification" else "r2",
            n_repeats=5,
            random_state=spec["seed"],
        )
        importance_s = time.perf_counter() - t_imp
        importance = sorted(
            (
                {"feature": f, "mean": float(m), "std": float(s)}
                for f, m, s in zip(features, imp.importances_mean, imp.importances_std, strict=True)
            ),
            key=lambda d: -d["mean"],
        )
    else:
        notes.append("no holdout (holdout=0): no holdout score and no permutation importance")

    artifact = spec["artifact"]
    os.makedirs(os.path.dirname(artifact), exist_ok=True)
    bundle = {
        "pipeline": final,
        "model_id": spec["model_id"],
        "target": target,
        "task": task,
        "numeric": numeric,
        "categorical": categorical,
        "categories": {
            c: sorted(X_train[c].dropna().unique().tolist())[:1000] for c in categorical
        },
        "classes": list(final.classes_) if task == "classification" else None,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        joblib.dump(bundle, artifact)
    est = final.named_steps["model"]
    return {
        "ok": True,
        "task": task,
        "task_reason": task_reason,
        "family": spec["family"],
        "estimator": type(est).__name__,
        "params": {k: v for k, v in est.get_params().items() if _scalar(v)},
        "dataset": {
            "path": spec["data"],
            "sha256": fingerprint,
            "n_rows": n_rows,
            "n_labelled": len(frame),
            "n_columns": frame.shape[1],
        },
        "features": {"numeric": numeric, "categorical": categorical},
        "classes": bundle["classes"],
        "class_counts": {str(k): int(v) for k, v in y.value_counts().items()}
        if task == "classification"
        else None,
        "protocol": protocol,
        "cv": cv_metrics,
        "train": train_metrics,
        "baseline": baseline,
        "holdout": holdout,
        "importance": importance[:50],
        "artifact": {
            "path": artifact,
            "sha256": sha256_file(artifact),
            "bytes": os.path.getsize(artifact),
        },
        "versions": versions(),
        "timings": {
            "cv_s": cv_s,
            "fit_s": fit_s,
            "importance_s": importance_s,
            "total_s": time.perf_counter() - started,
        },
        "notes": notes,
    }


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)

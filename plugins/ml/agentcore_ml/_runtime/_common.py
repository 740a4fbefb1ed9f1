"""Shared by the in-sandbox modules: reading data, checking columns, metrics, JSON-safe values."""

from __future__ import annotations

import hashlib
import math
import os
import platform
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]


class InputProblem(Exception):
    """Bad input the model can fix (unknown column, one class...): reported, not a crash."""


# --- data -----------------------------------------------------------------------------------


def sha256_file(path: str) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_frame(path: str) -> tuple[pd.DataFrame, str]:
    """Read a CSV/TSV or Parquet file; return it with the SHA-256 of its bytes.

    Raises:
        InputProblem: The file is missing, empty or cannot be parsed.
    """
    if not os.path.isfile(path):
        raise InputProblem(f"file '{path}' not found in the workspace")
    fingerprint = sha256_file(path)
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, sep="\t" if ext == ".tsv" else ",", low_memory=False)
    except ImportError as exc:
        raise InputProblem(f"cannot read '{path}': {exc}") from None
    except (ValueError, OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        kind = "Parquet" if ext in (".parquet", ".pq") else "CSV"
        raise InputProblem(f"cannot read '{path}' as {kind}: {str(exc)[:300]}") from None
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise InputProblem(f"'{path}' has no rows or no columns")
    frame.columns = [str(c) for c in frame.columns]
    return frame, fingerprint


def column_list(columns: Iterable[str], limit: int = 40) -> str:
    """Column names for an error message, capped."""
    names = list(columns)
    shown = ", ".join(repr(c) for c in names[:limit])
    return shown + (f", ... ({len(names)} columns)" if len(names) > limit else "")


def require_columns(frame: pd.DataFrame, names: Sequence[str], what: str, path: str) -> None:
    """Raise ``InputProblem`` naming the available columns if any of ``names`` is missing."""
    missing = [n for n in names if n not in frame.columns]
    if not missing:
        return
    lower = {c.lower(): c for c in frame.columns}
    hints = [f"'{m}' -> did you mean '{lower[m.lower()]}'?" for m in missing if m.lower() in lower]
    raise InputProblem(
        f"{what} {column_list(missing)} not in '{path}'. Its columns are: "
        f"{column_list(frame.columns)}." + (" " + "; ".join(hints) if hints else "")
    )


def is_numeric(series: pd.Series) -> bool:
    """Numbers, not booleans."""
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)


def as_category(series: pd.Series) -> pd.Series:
    """Categorical values as strings (missing stays missing), so encoders see one type."""
    out = series.astype(object)
    mask = series.notna()
    out[mask] = series[mask].map(str)
    out[~mask] = np.nan
    return out


def label_values(series: pd.Series) -> pd.Series:
    """Class labels as strings unless they are numbers (which stay numbers)."""
    return series if is_numeric(series) else as_category(series)


def detect_task(y: pd.Series, task: str, target: str) -> tuple[str, str]:
    """Decide classification or regression; return it with the reason.

    Raises:
        InputProblem: Regression on a non-numeric target, or a single class.
    """
    n_unique = int(y.nunique(dropna=True))
    if task == "auto":
        if not is_numeric(y):
            task, why = "classification", f"auto: the target is not numeric, {n_unique} classes"
        elif n_unique <= 20 and bool(np.all(np.mod(y.to_numpy(dtype=float), 1) == 0)):
            task, why = "classification", f"auto: {n_unique} distinct whole-number values"
        else:
            task, why = "regression", f"auto: numeric target with {n_unique} distinct values"
    else:
        why = "as requested"
    if task == "regression" and not is_numeric(y):
        examples = ", ".join(repr(v) for v in y.dropna().unique()[:3])
        raise InputProblem(
            f"target '{target}' is not numeric (values like {examples}), so it cannot be a "
            "regression target; use task='classification' or pick a numeric target"
        )
    if task == "classification" and n_unique < 2:
        only = repr(y.dropna().iloc[0]) if len(y.dropna()) else "none"
        raise InputProblem(
            f"target '{target}' has a single class ({only}) in its {int(y.notna().sum())} "
            "labelled rows; a classifier needs at least two classes"
        )
    return task, why


# --- metrics --------------------------------------------------------------------------------


def classification_metrics(
    y_true: Any, y_pred: Any, proba: Any, classes: Sequence[Any]
) -> dict[str, float | None]:
    """Accuracy, macro F1 and ROC AUC (one-vs-rest when multiclass)."""
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score  # type: ignore[import-untyped, unused-ignore]

    out: dict[str, float | None] = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "f1_macro": float(f1_score(y_true, y_pred, average="macro")),
        "roc_auc": None,
    }
    if proba is not None:
        try:
            if len(classes) == 2:
                out["roc_auc"] = float(roc_auc_score(np.asarray(y_true) == classes[1], proba[:, 1]))
            else:
                out["roc_auc"] = float(
                    roc_auc_score(y_true, proba, multi_class="ovr", labels=list(classes))
                )
        except ValueError:  # a class absent from y_true
            out["roc_auc"] = None
    return out


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, float | None]:
    """RMSE, MAE and R²."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score  # type: ignore[import-untyped, unused-ignore]

    return {
        "rmse": float(math.sqrt(mean_squared_error(y_true, y_pred))),
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "r2": float(r2_score(y_true, y_pred)) if len(y_true) > 1 else None,
    }


def bootstrap_ci(
    y_true: Any, y_pred: Any, task: str, seed: int, n_boot: int = 500
) -> list[float] | None:
    """95% bootstrap interval of accuracy (classification) or RMSE (regression)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    n = len(y_true)
    if n < 10:
        return None
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    if task == "classification":
        stats = (y_true == y_pred)[idx].mean(axis=1)
    else:
        err = (y_true.astype(float) - y_pred.astype(float)) ** 2
        stats = np.sqrt(err[idx].mean(axis=1))
    return [float(np.quantile(stats, 0.025)), float(np.quantile(stats, 0.975))]


# --- models ---------------------------------------------------------------------------------


def load_bundle(path: str, sha256: str) -> dict[str, Any]:
    """Load a model bundle written by ``train``, refusing a file that changed since."""
    import joblib  # type: ignore[import-untyped, unused-ignore]

    if not os.path.isfile(path):
        raise InputProblem(f"the model file '{path}' is missing from the workspace")
    if sha256_file(path) != sha256:
        raise InputProblem(
            f"the model file '{path}' changed since it was trained (its SHA-256 differs from "
            "the registry's); train the model again"
        )
    bundle: dict[str, Any] = joblib.load(path)
    return bundle


def feature_frame(frame: pd.DataFrame, bundle: dict[str, Any], path: str) -> pd.DataFrame:
    """The model's input columns from ``frame``, typed as at training time."""
    numeric, categorical = bundle["numeric"], bundle["categorical"]
    require_columns(frame, [*numeric, *categorical], "the model's feature column(s)", path)
    X = frame[[*numeric, *categorical]].copy()
    for col in numeric:
        if not is_numeric(X[col]):
            converted = pd.to_numeric(X[col], errors="coerce")
            bad = int((converted.isna() & X[col].notna()).sum())
            if bad:
                raise InputProblem(
                    f"column '{col}' was numeric in training but has {bad} non-numeric values "
                    f"in '{path}' (e.g. {X[col][converted.isna() & X[col].notna()].iloc[0]!r})"
                )
            X[col] = converted
    for col in categorical:
        X[col] = as_category(X[col])
    return X


def unseen_categories(X: pd.DataFrame, bundle: dict[str, Any]) -> list[str]:
    """Notes on categorical values the model never saw (they are encoded as all zeros)."""
    notes = []
    for col, known in bundle.get("categories", {}).items():
        values = X[col].dropna()
        new = values[~values.isin(set(known))]
        if len(new):
            examples = ", ".join(repr(v) for v in new.unique()[:3])
            notes.append(f"column '{col}' has {len(new)} values not seen in training ({examples})")
    return notes


# --- output ---------------------------------------------------------------------------------


def clean(value: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python, NaN/inf to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [clean(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if value is pd.NaT:
        return None
    return str(value)


def versions() -> dict[str, str]:
    """Library versions recorded with every model."""
    import joblib  # type: ignore[import-untyped, unused-ignore]
    import scipy  # type: ignore[import-untyped, unused-ignore]
    import sklearn  # type: ignore[import-untyped, unused-ignore]

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
    }

"""The model pipeline ``train_model`` fits: preprocessing plus one estimator family."""

from __future__ import annotations

from typing import Any

from sklearn.base import BaseEstimator  # type: ignore[import-untyped, unused-ignore]
from sklearn.compose import ColumnTransformer  # type: ignore[import-untyped, unused-ignore]
from sklearn.ensemble import (  # type: ignore[import-untyped, unused-ignore]
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer  # type: ignore[import-untyped, unused-ignore]
from sklearn.linear_model import (  # type: ignore[import-untyped, unused-ignore]
    LogisticRegression,
    Ridge,
)
from sklearn.neighbors import (  # type: ignore[import-untyped, unused-ignore]
    KNeighborsClassifier,
    KNeighborsRegressor,
)
from sklearn.pipeline import Pipeline  # type: ignore[import-untyped, unused-ignore]
from sklearn.preprocessing import (  # type: ignore[import-untyped, unused-ignore]
    OneHotEncoder,
    StandardScaler,
)

from ._common import InputProblem

#: family -> task -> (estimator class, fixed arguments)
FAMILIES: dict[str, dict[str, tuple[type[BaseEstimator], dict[str, Any]]]] = {
    "logistic": {"classification": (LogisticRegression, {"max_iter": 1000})},
    "linear": {
        "classification": (LogisticRegression, {"max_iter": 1000}),
        "regression": (Ridge, {}),
    },
    "random_forest": {
        "classification": (RandomForestClassifier, {}),
        "regression": (RandomForestRegressor, {}),
    },
    "hist_gradient_boosting": {
        "classification": (HistGradientBoostingClassifier, {}),
        "regression": (HistGradientBoostingRegressor, {}),
    },
    "knn": {"classification": (KNeighborsClassifier, {}), "regression": (KNeighborsRegressor, {})},
}
#: Categories kept per one-hot column; rarer ones share an "infrequent" column. It bounds the
#: width (and memory) of the encoded matrix when a column has thousands of values.
MAX_CATEGORIES = 50


def estimator(
    family: str, task: str, seed: int, params: dict[str, Any], notes: list[str]
) -> BaseEstimator:
    """The model of ``family`` for ``task``, seeded, with ``params`` applied and checked."""
    if family == "logistic" and task == "regression":
        notes.append("logistic regression is a classifier: used 'linear' (Ridge) for this target")
        family = "linear"
    cls, fixed = FAMILIES[family][task]
    est = cls(**fixed)
    if "random_state" in est.get_params():
        est.set_params(random_state=seed)
    unknown = sorted(set(params) - set(est.get_params()))
    if unknown:
        raise InputProblem(
            f"unknown parameter(s) {', '.join(unknown)} for {cls.__name__}; valid: "
            f"{', '.join(sorted(est.get_params()))}"
        )
    est.set_params(**params)
    check = getattr(est, "_validate_params", None)
    if callable(check):
        try:
            check()
        except (ValueError, TypeError) as exc:
            raise InputProblem(f"bad params for {cls.__name__}: {exc}") from None
    return est


def preprocessor(numeric: list[str], categorical: list[str]) -> ColumnTransformer:
    """Impute + scale numbers, impute + one-hot categories: fitted inside each CV fold."""
    parts: list[tuple[str, Any, list[str]]] = []
    if numeric:
        steps = [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
        parts.append(("numeric", Pipeline(steps), numeric))
    if categorical:
        onehot = OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            max_categories=MAX_CATEGORIES,
            sparse_output=False,
        )
        steps = [("impute", SimpleImputer(strategy="most_frequent")), ("onehot", onehot)]
        parts.append(("categorical", Pipeline(steps), categorical))
    return ColumnTransformer(parts)

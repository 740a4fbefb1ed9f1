"""The in-sandbox statistics, checked in-process on numbers worked out by hand."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from agentcore_ml._runtime import _common, _drift, _fairness

RUNTIME = Path(_common.__file__).parent
ALLOWED = {"numpy", "pandas", "sklearn", "scipy", "joblib"}


def test_runtime_modules_import_nothing_but_the_stdlib_and_the_scientific_stack() -> None:
    import sys

    for path in RUNTIME.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            bad = {r for r in roots if r not in ALLOWED and r not in sys.stdlib_module_names}
            assert not bad, f"{path.name} imports {bad}"


def test_psi_by_hand() -> None:
    p, q = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    expected = (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.75 - 0.5) * math.log(0.75 / 0.5)
    assert _drift.psi_from_shares(p, q) == pytest.approx(expected)
    # an empty bin counts as EPS instead of making PSI infinite
    assert math.isfinite(_drift.psi_from_shares(np.array([1.0, 0.0]), np.array([0.5, 0.5])))


def test_numeric_psi_uses_reference_deciles() -> None:
    ref = np.arange(1000, dtype=float)
    assert _drift.numeric_psi(ref, ref) == (0.0, 10)
    psi, bins = _drift.numeric_psi(ref, ref + 500)
    assert bins == 10 and psi > 1
    assert _drift.numeric_psi(np.array([1.0, 1, 2, 2]), np.array([1.0, 2]))[1] == 3  # ties merge


def test_holm_adjustment() -> None:
    assert _drift.holm([0.01, 0.04, None, 0.03]) == pytest.approx([0.03, 0.06, None, 0.06])


@pytest.mark.parametrize(
    ("psi", "p", "drift", "words"),
    [
        (0.4, 1e-6, True, "drift (significant)"),
        (0.15, 1e-4, True, "drift (moderate)"),
        (0.02, 1e-9, False, "small shift"),
        (0.3, 0.2, False, "not confirmed by the test"),
        (0.01, 0.5, False, "stable"),
    ],
)
def test_drift_verdict(psi: float, p: float, drift: bool, words: str) -> None:
    got, text = _drift.verdict({"psi": psi, "p_adjusted": p})
    assert got is drift and words in text


def test_wilson_interval() -> None:
    lo, hi = _fairness.wilson(5, 10) or [0, 0]
    assert lo == pytest.approx(0.2366, abs=1e-3) and hi == pytest.approx(0.7634, abs=1e-3)
    assert _fairness.wilson(0, 0) is None


def test_positive_class_choice() -> None:
    assert _fairness.positive_class(["no", "yes"], None)[0] == "yes"
    assert _fairness.positive_class([0, 1], None)[0] == 1
    assert _fairness.positive_class(["a", "b"], None)[0] == "b"
    assert _fairness.positive_class([0, 1], "0")[0] == 0
    with pytest.raises(_common.InputProblem, match="pass positive_label"):
        _fairness.positive_class(["a", "b", "c"], None)


def test_task_detection() -> None:
    detect = _common.detect_task
    assert detect(pd.Series(["a", "b"]), "auto", "t")[0] == "classification"
    assert detect(pd.Series([0, 1, 1, 2]), "auto", "t")[0] == "classification"
    assert detect(pd.Series(np.linspace(0, 1, 50)), "auto", "t")[0] == "regression"
    with pytest.raises(_common.InputProblem, match="not numeric"):
        detect(pd.Series(["a", "b"]), "regression", "t")


def test_clean_makes_json_safe_values() -> None:
    assert _common.clean({"a": np.float64("nan"), "b": (np.int64(2),), 3: pd.NaT}) == {
        "a": None,
        "b": [2],
        "3": None,
    }

"""``detect_drift`` inside the sandbox: PSI plus a two-sample test per feature."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from ._common import InputProblem, as_category, is_numeric, load_frame, require_columns

BINS = 10
#: Stands in for an empty bin's share, so that PSI stays finite.
EPS = 1e-4
PSI_MODERATE, PSI_SIGNIFICANT = 0.1, 0.25
ALPHA = 0.01


def psi_from_shares(p: np.ndarray, q: np.ndarray) -> float:
    """Population stability index of current shares ``q`` against reference shares ``p``."""
    p = np.where(p > 0, p, EPS)
    q = np.where(q > 0, q, EPS)
    return float(np.sum((q - p) * np.log(q / p)))


def numeric_psi(ref: np.ndarray, cur: np.ndarray, bins: int = BINS) -> tuple[float, int]:
    """PSI over ``bins`` quantile bins of the reference; returns it and the bins used."""
    # Observed values as cut points, so a discrete feature gets one bin per value.
    inner = np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1], method="inverted_cdf")
    edges = np.unique(inner)  # ties (few distinct values) merge bins
    k = len(edges) + 1
    p = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=k) / len(ref)
    q = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=k) / len(cur)
    return psi_from_shares(p, q), k


def holm(pvalues: list[float | None]) -> list[float | None]:
    """Holm-Bonferroni adjusted p-values (None stays None)."""
    present = [(p, i) for i, p in enumerate(pvalues) if p is not None]
    m = len(present)
    out: list[float | None] = [None] * len(pvalues)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(present)):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out


def band(psi: float) -> str:
    """The PSI band: ok below 0.1, moderate to 0.25, significant above."""
    if psi > PSI_SIGNIFICANT:
        return "significant"
    return "moderate" if psi >= PSI_MODERATE else "ok"


def _numeric(name: str, ref: pd.Series, cur: pd.Series) -> dict[str, Any]:
    if not is_numeric(cur):
        cur = pd.to_numeric(cur, errors="coerce")
    r, c = ref.dropna().to_numpy(float), cur.dropna().to_numpy(float)
    psi, k = numeric_psi(r, c)
    ks = stats.ks_2samp(r, c)
    sd = float(r.std()) or 1.0
    return {
        "feature": name,
        "kind": "numeric",
        "n_ref": len(r),
        "n_cur": len(c),
        "psi": psi,
        "psi_noise": (k - 1) * (1 / len(r) + 1 / len(c)),
        "test": "KS",
        "statistic": float(ks.statistic),
        "p_value": float(ks.pvalue),
        "ref_mean": float(r.mean()),
        "cur_mean": float(c.mean()),
        "mean_shift_sd": float((c.mean() - r.mean()) / sd),
    }


def _categorical(name: str, ref: pd.Series, cur: pd.Series) -> dict[str, Any]:
    r, c = as_category(ref).dropna(), as_category(cur).dropna()
    rc, cc = r.value_counts(), c.value_counts()
    cats = sorted(set(rc.index) | set(cc.index), key=str)
    rv = np.array([rc.get(k, 0) for k in cats], dtype=float)
    cv = np.array([cc.get(k, 0) for k in cats], dtype=float)
    p, q = rv / rv.sum(), cv / cv.sum()
    pvalue = statistic = None
    if len(cats) >= 2:
        chi = stats.chi2_contingency(np.vstack([rv, cv]))
        statistic, pvalue = float(chi.statistic), float(chi.pvalue)
    order = np.argsort(-np.abs(q - p))[:3]
    return {
        "feature": name,
        "kind": "categorical",
        "n_ref": len(r),
        "n_cur": len(c),
        "psi": psi_from_shares(p, q),
        "psi_noise": (len(cats) - 1) * (1 / len(r) + 1 / len(c)),
        "test": "chi-squared",
        "statistic": statistic,
        "p_value": pvalue,
        "new_categories": [str(k) for k in cats if rc.get(k, 0) == 0][:10],
        "largest_changes": [
            {"category": str(cats[i]), "ref_share": float(p[i]), "cur_share": float(q[i])}
            for i in order
        ],
    }


def verdict(row: dict[str, Any]) -> tuple[bool, str]:
    """Whether the feature drifted, and in words: PSI's size and the test must agree."""
    level, confirmed = band(row["psi"]), row["p_adjusted"] is not None and row["p_adjusted"] < ALPHA
    if confirmed and level != "ok":
        return True, f"drift ({level})"
    if confirmed:
        return False, "small shift: the test is clear but PSI < 0.1"
    if level != "ok":
        return False, f"PSI {level} but not confirmed by the test: likely sample noise"
    return False, "stable"


def main(spec: dict[str, Any]) -> dict[str, Any]:
    """Compare each feature's distribution in ``current`` against ``reference``."""
    ref, ref_fp = load_frame(spec["reference"])
    cur, cur_fp = load_frame(spec["current"])
    features = spec.get("features")
    if features:
        require_columns(ref, features, "feature(s)", spec["reference"])
        require_columns(cur, features, "feature(s)", spec["current"])
    else:
        features = [c for c in ref.columns if c in set(cur.columns)]
        if not features:
            raise InputProblem("the two files share no column names")
    rows, skipped = [], []
    for name in features:
        r, c = ref[name], cur[name]
        if r.notna().sum() == 0 or c.notna().sum() == 0:
            skipped.append(f"'{name}' is empty in one of the files")
            continue
        row = _numeric(name, r, c) if is_numeric(r) else _categorical(name, r, c)
        row["missing_ref"] = float(r.isna().mean())
        row["missing_cur"] = float(c.isna().mean())
        rows.append(row)
    for row, adj in zip(rows, holm([r["p_value"] for r in rows]), strict=True):
        row["p_adjusted"] = adj
        row["psi_band"] = band(row["psi"])
        row["drift"], row["verdict"] = verdict(row)
        gap = abs(row["missing_cur"] - row["missing_ref"])
        row["missing_shift"] = gap >= 0.05
    rows.sort(key=lambda r: (not r["drift"], -r["psi"]))
    return {
        "ok": True,
        "reference": {"path": spec["reference"], "sha256": ref_fp, "n_rows": len(ref)},
        "current": {"path": spec["current"], "sha256": cur_fp, "n_rows": len(cur)},
        "thresholds": {
            "psi_moderate": PSI_MODERATE,
            "psi_significant": PSI_SIGNIFICANT,
            "alpha": ALPHA,
            "bins": BINS,
            "p_adjustment": "Holm",
        },
        "features": rows,
        "drifted": [r["feature"] for r in rows if r["drift"]],
        "skipped": skipped,
    }

"""Ground truth for the audits: planted leaks, shifted features, fairness by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from agentcore_ml import detect_drift, fairness_report, leakage_check, predict, train_model
from ml_testkit import Lab, model_id_of


def penguins(lab: Lab) -> pd.DataFrame:
    return pd.read_csv(lab.workspace / "penguins.csv")


# --- leakage --------------------------------------------------------------------------------


def test_a_clean_dataset_raises_no_leak(lab: Lab) -> None:
    answer = lab.call(leakage_check, data="penguins.csv", target="species")

    assert "No leakage found by these checks." in answer
    result = json.loads((lab.workspace / "ml/leakage_penguins_species.json").read_text())
    assert result["findings"] == []
    assert max(s["score"] for s in result["single_feature_scores"]) < 0.9


def test_a_planted_leaky_column_is_flagged(lab: Lab) -> None:
    frame = penguins(lab)
    rng = np.random.default_rng(0)
    codes = frame["species"].map({"Adelie": 0, "Chinstrap": 1, "Gentoo": 2})
    frame.insert(3, "lab_code", codes + rng.normal(scale=0.1, size=len(frame)))  # target + noise
    lab.write("leaky.csv", frame)

    answer = lab.call(leakage_check, data="leaky.csv", target="species")

    assert "HIGH near_perfect_predictor [lab_code]" in answer
    result = json.loads((lab.workspace / "ml/leakage_leaky_species.json").read_text())
    flagged = [f["columns"] for f in result["findings"] if f["kind"] == "near_perfect_predictor"]
    assert flagged == [["lab_code"]]  # and nothing else: the genuine features stay clean


def test_ids_duplicates_overlap_and_time_leaks_are_found(lab: Lab) -> None:
    rng = np.random.default_rng(1)
    n = 400
    start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    frame = pd.DataFrame(
        {
            "row_id": np.arange(1, n + 1),
            "customer": rng.integers(0, 120, n),
            "applied": start.strftime("%Y-%m-%d"),
            "closed": (start + pd.to_timedelta(rng.integers(1, 60, n), unit="D")).strftime(
                "%Y-%m-%d"
            ),
            "income": rng.normal(50, 10, n).round(1),
            "label": rng.integers(0, 2, n),
        }
    )
    frame = pd.concat([frame, frame.iloc[:12].assign(row_id=range(n + 1, n + 13))])
    lab.write("loans.csv", frame)
    lab.write("loans_test.csv", frame.iloc[100:130])

    answer = lab.call(
        leakage_check,
        data="loans.csv",
        target="label",
        time_column="applied",
        id_columns=["customer"],
        test_data="loans_test.csv",
    )

    kinds = {
        f["kind"]: f
        for f in json.loads((lab.workspace / "ml/leakage_loans_label.json").read_text())["findings"]
    }
    assert kinds["id_like_column"]["columns"] == ["row_id"]
    assert "12 rows" in kinds["duplicate_rows"]["evidence"]
    assert kinds["after_prediction_time"]["columns"] == ["closed"]
    assert kinds["after_prediction_time"]["severity"] == "high"
    assert kinds["repeated_ids"]["columns"] == ["customer"]
    assert kinds["train_test_overlap"]["severity"] == "high"
    assert "near_perfect_predictor" not in kinds
    assert "do: " in answer


# --- drift ----------------------------------------------------------------------------------


def _halves(lab: Lab) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = penguins(lab)
    mask = np.random.default_rng(7).random(len(frame)) < 0.5
    return frame[mask], frame[~mask]


def test_an_unshifted_random_half_is_not_drift(lab: Lab) -> None:
    ref, cur = _halves(lab)
    lab.write("ref.csv", ref)
    lab.write("cur.csv", cur)

    answer = lab.call(detect_drift, reference="ref.csv", current="cur.csv")

    assert "verdict: drift in 0 of 8" in answer
    result = json.loads((lab.workspace / "ml/drift_ref_vs_cur.json").read_text())
    assert result["drifted"] == []


def test_a_feature_shifted_by_one_sd_is_drift(lab: Lab) -> None:
    ref, cur = _halves(lab)
    cur = cur.assign(bill_length_mm=cur["bill_length_mm"] + ref["bill_length_mm"].std())
    lab.write("ref.csv", ref)
    lab.write("shifted.parquet", cur)

    answer = lab.call(detect_drift, reference="ref.csv", current="shifted.parquet")

    result = json.loads((lab.workspace / "ml/drift_ref_vs_shifted.json").read_text())
    assert result["drifted"] == ["bill_length_mm"]
    row = next(r for r in result["features"] if r["feature"] == "bill_length_mm")
    assert row["psi"] > 0.25 and row["p_adjusted"] < 0.01
    assert row["verdict"] == "drift (significant)"
    assert "verdict: drift in 1 of 8: bill_length_mm" in answer


def test_drift_of_a_categorical_feature(lab: Lab) -> None:
    ref, cur = _halves(lab)
    cur = pd.concat([cur, cur[cur["island"] == "Torgersen"]] * 4)  # Torgersen over-represented
    lab.write("ref.csv", ref)
    lab.write("cur.csv", cur)

    lab.call(detect_drift, reference="ref.csv", current="cur.csv", features=["island", "year"])

    result = json.loads((lab.workspace / "ml/drift_ref_vs_cur.json").read_text())
    island = next(r for r in result["features"] if r["feature"] == "island")
    assert island["test"] == "chi-squared" and island["drift"]
    assert island["largest_changes"][0]["category"] == "Torgersen"


# --- fairness -------------------------------------------------------------------------------


def test_fairness_numbers_match_a_hand_computation(lab: Lab) -> None:
    rng = np.random.default_rng(3)
    n = 600
    group = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.4, 0.1])
    x = rng.normal(size=n) + (group == "b") * 0.8
    y = np.where(x + rng.normal(scale=0.8, size=n) > 0.3, "approved", "denied")
    frame = pd.DataFrame({"x": x, "z": rng.normal(size=n), "group": group, "y": y})
    lab.write("credit.csv", frame)
    model_id = model_id_of(lab.call(train_model, data="credit.csv", target="y", exclude=["group"]))
    lab.call(predict, model_id=model_id, data="credit.csv", output="pred.csv")

    answer = lab.call(
        fairness_report,
        model_id=model_id,
        data="credit.csv",
        group_column="group",
        positive_label="approved",
    )

    pred = pd.read_csv(lab.workspace / "pred.csv")
    result = json.loads((lab.workspace / f"ml/fairness_{model_id}_group.json").read_text())
    by_group = {g["group"]: g for g in result["groups"]}
    selection = {}
    for name, rows in pred.groupby("group"):
        actual = rows["y"] == "approved"
        chosen = rows["predicted_y"] == "approved"
        selection[name] = chosen.mean()
        got = by_group[name]
        assert got["n"] == len(rows)
        assert got["selection_rate"] == pytest.approx(chosen.mean())
        assert got["tpr"] == pytest.approx((chosen & actual).sum() / actual.sum())
        assert got["fpr"] == pytest.approx((chosen & ~actual).sum() / (~actual).sum())
        assert got["accuracy"] == pytest.approx((rows["y"] == rows["predicted_y"]).mean())
    dp = max(selection.values()) - min(selection.values())
    assert result["demographic_parity_difference"] == pytest.approx(dp)
    tprs = [g["tpr"] for g in result["groups"]]
    fprs = [g["fpr"] for g in result["groups"]]
    eo = max(max(tprs) - min(tprs), max(fprs) - min(fprs))
    assert result["equalized_odds_difference"] == pytest.approx(eo)
    assert "positive outcome = 'approved' (as requested)" in answer
    assert f"{dp:.3f}" in answer


def test_fairness_warns_about_small_groups_and_names_the_positive_class(lab: Lab) -> None:
    frame = penguins(lab).dropna(subset=["sex"])
    frame.loc[frame.index[:8], "island"] = "Nowhere"
    lab.write("p.csv", frame)
    model_id = model_id_of(lab.call(train_model, data="p.csv", target="sex", cv_folds=3))

    answer = lab.call(fairness_report, model_id=model_id, data="p.csv", group_column="island")

    assert "positive outcome = 'male' (the second class in sorted order" in answer
    assert "group 'Nowhere' has only 8 rows" in answer

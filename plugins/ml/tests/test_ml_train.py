"""Ground truth: train_model on palmerpenguins against scikit-learn called directly."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import joblib
import numpy as np
import pandas as pd
import pytest
from agentcore_ml import evaluate_model, model_card, predict, train_model
from ml_testkit import Lab, model_id_of
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
CATEGORICAL = ["island", "sex"]


def direct_cv_accuracy(frame: pd.DataFrame, model: Any) -> float:
    """The same protocol written out with scikit-learn: 20% stratified holdout, then
    stratified 5-fold CV of a per-fold pipeline on the rest."""
    X, y = frame.drop(columns="species"), frame["species"]
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    pre = ColumnTransformer(
        [
            (
                "num",
                Pipeline([("imp", SimpleImputer(strategy="median")), ("sc", StandardScaler())]),
                NUMERIC,
            ),
            (
                "cat",
                Pipeline(
                    [
                        ("imp", SimpleImputer(strategy="most_frequent")),
                        ("oh", OneHotEncoder(handle_unknown="ignore")),
                    ]
                ),
                CATEGORICAL,
            ),
        ]
    )
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    scores = cross_val_score(Pipeline([("pre", pre), ("m", model)]), X_train, y_train, cv=cv)
    return float(scores.mean())


def details(lab: Lab, model_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((lab.workspace / f"ml/train_{model_id}.json").read_text())
    return data


@pytest.fixture(scope="module")
def trained(shared_lab: Lab) -> dict[str, str]:
    return {
        family: model_id_of(
            shared_lab.call(train_model, data="penguins.csv", target="species", family=family)
        )
        for family in ("logistic", "random_forest")
    }


@pytest.mark.parametrize(
    ("family", "direct_model"),
    [
        ("logistic", LogisticRegression(max_iter=1000)),
        ("random_forest", RandomForestClassifier(random_state=0)),
    ],
)
def test_penguins_cv_accuracy_matches_scikit_learn_directly(
    shared_lab: Lab, trained: dict[str, str], family: str, direct_model: Any
) -> None:
    result = details(shared_lab, trained[family])
    ours = result["cv"]["accuracy"]["mean"]
    direct = direct_cv_accuracy(pd.read_csv(shared_lab.workspace / "penguins.csv"), direct_model)

    assert ours >= 0.95
    assert abs(ours - direct) <= 0.01, (ours, direct)
    assert len(result["cv"]["accuracy"]["folds"]) == 5
    assert result["task"] == "classification"
    assert result["protocol"]["n_train"] == 275 and result["protocol"]["n_holdout"] == 69
    assert result["baseline"]["cv"]["accuracy"] == pytest.approx(152 / 344, abs=0.02)
    assert result["holdout"]["metrics"]["accuracy"] >= 0.9
    lo, hi = result["holdout"]["ci95"]["accuracy"]
    assert lo <= result["holdout"]["metrics"]["accuracy"] <= hi
    assert {i["feature"] for i in result["importance"]} == set(NUMERIC + CATEGORICAL)


def test_the_answer_is_compact_and_says_what_was_done(
    shared_lab: Lab, trained: dict[str, str]
) -> None:
    answer = shared_lab.call(train_model, data="penguins.csv", target="species", cv_folds=3)

    assert "stratified 3-fold CV" in answer
    assert "fitted inside each fold" in answer
    assert "baseline" in answer and "accuracy" in answer
    assert len(answer) < 3000


def test_model_file_is_announced_and_holds_a_working_pipeline(
    shared_lab: Lab, trained: dict[str, str]
) -> None:
    model_id = trained["logistic"]
    path = f".agentcore/models/{model_id}.joblib"
    assert path in shared_lab.artifacts()
    bundle = joblib.load(shared_lab.workspace / path)  # our own file, in the test process
    frame = pd.read_csv(shared_lab.workspace / "penguins.csv")
    pred = bundle["pipeline"].predict(frame[NUMERIC + CATEGORICAL])
    assert accuracy_score(frame["species"], pred) > 0.95


def test_registry_rows_are_written_and_versioned(shared_lab: Lab, trained: dict[str, str]) -> None:
    first = shared_lab.call(train_model, data="penguins.csv", target="island", family="knn")
    second = shared_lab.call(train_model, data="penguins.csv", target="island", cv_folds=3)
    db = shared_lab.data_dir / "ml" / "registry.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT model_id, target, family, version, dataset_fingerprint, n_rows, params, "
            "cv_metrics, artifact_path, library_versions FROM model_runs ORDER BY created_at"
        ).fetchall()

    by_id = {r[0]: r for r in rows}
    species = sorted(by_id[m][3] for m in trained.values())
    assert species == [1, 2]  # versions count per (dataset, target)
    assert by_id[model_id_of(first)][3] == 1 and by_id[model_id_of(second)][3] == 2
    assert "(version 2 for this dataset and target)" in second
    row = by_id[trained["random_forest"]]
    assert (
        row[4]
        == __import__("hashlib")
        .sha256((shared_lab.workspace / "penguins.csv").read_bytes())
        .hexdigest()
    )
    assert row[5] == 344
    assert json.loads(row[6])["random_state"] == 0
    assert json.loads(row[7])["accuracy"]["mean"] >= 0.95
    assert row[8].endswith(".joblib")
    assert "scikit-learn" in json.loads(row[9])


def test_evaluate_model_scores_new_data_like_scikit_learn(lab: Lab) -> None:
    frame = pd.read_csv(lab.workspace / "penguins.csv")
    rng = np.random.default_rng(1)
    test_rows = rng.random(len(frame)) < 0.3
    lab.write("train.csv", frame[~test_rows])
    lab.write("new.parquet", frame[test_rows])
    model_id = model_id_of(lab.call(train_model, data="train.csv", target="species", holdout=0))

    answer = lab.call(evaluate_model, model_id=model_id, data="new.parquet")

    bundle = joblib.load(lab.workspace / f".agentcore/models/{model_id}.joblib")
    new = frame[test_rows]
    expected = accuracy_score(
        new["species"], bundle["pipeline"].predict(new[NUMERIC + CATEGORICAL])
    )
    assert f"accuracy  {expected:.3f}" in answer
    assert "no holdout" in answer or "holdout at training" in answer


def test_predict_writes_predictions_and_probabilities(
    shared_lab: Lab, trained: dict[str, str]
) -> None:
    model_id = trained["random_forest"]
    unlabelled = pd.read_csv(shared_lab.workspace / "penguins.csv").drop(columns="species")
    shared_lab.write("unlabelled.csv", unlabelled.head(40))

    answer = shared_lab.call(
        predict, model_id=model_id, data="unlabelled.csv", output="out/p.parquet"
    )

    out = pd.read_parquet(shared_lab.workspace / "out/p.parquet")
    assert len(out) == 40
    assert {"predicted_species", "proba_Adelie", "proba_Chinstrap", "proba_Gentoo"} <= set(out)
    assert np.allclose(
        out[["proba_Adelie", "proba_Chinstrap", "proba_Gentoo"]].sum(axis=1), 1, atol=1e-4
    )
    assert "out/p.parquet" in shared_lab.artifacts()
    assert "first rows:" in answer and "predicted_species" in answer


def test_model_card_contains_the_metrics(shared_lab: Lab, trained: dict[str, str]) -> None:
    model_id = trained["logistic"]
    answer = shared_lab.call(model_card, model_id=model_id)

    card = (shared_lab.workspace / f"reports/model_card_{model_id}.md").read_text()
    cv = details(shared_lab, model_id)["cv"]["accuracy"]
    assert f"| accuracy | {cv['mean']:.3f} ± {cv['std']:.3f} |" in card
    assert "## Intended use" in card and "TODO" in card
    assert "SHA-256" in card and "scikit-learn" in card
    assert answer.startswith(f"Saved reports/model_card_{model_id}.md")


def test_a_model_from_another_run_is_copied_into_this_workspace(
    shared_lab: Lab, trained: dict[str, str], tmp_path: Any
) -> None:
    other = Lab(workspace=tmp_path / "ws2", data_dir=shared_lab.data_dir)
    other.workspace.mkdir()
    frame = pd.read_csv(shared_lab.workspace / "penguins.csv")
    other.write("sample.csv", frame.sample(50, random_state=3))

    answer = other.call(evaluate_model, model_id=trained["logistic"], data="sample.csv")

    assert "Evaluated " in answer
    assert (other.workspace / f".agentcore/models/{trained['logistic']}.joblib").is_file()


def test_regression_with_time_ordered_validation(lab: Lab) -> None:
    rng = np.random.default_rng(0)
    n = 300
    x = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "day": pd.date_range("2024-01-01", periods=n, freq="D").astype(str),
            "x": x,
            "noise": rng.normal(size=n),
            "y": 3 * x + rng.normal(scale=0.5, size=n),
        }
    ).sample(frac=1, random_state=0)  # shuffled on disk: the tool must order it
    lab.write("series.csv", frame)

    answer = lab.call(
        train_model, data="series.csv", target="y", family="linear", time_column="day", cv_folds=4
    )

    result = details(lab, model_id_of(answer))
    assert result["task"] == "regression"
    assert "time-ordered by 'day'" in result["protocol"]["cv"]
    assert result["protocol"]["holdout"] == "the latest 60 rows"
    assert result["cv"]["r2"]["mean"] > 0.9
    assert result["features"]["numeric"] == ["x", "noise"]  # the time column is not a feature
    assert result["importance"][0]["feature"] == "x"


def test_grouped_validation_with_gradient_boosting(lab: Lab) -> None:
    rng = np.random.default_rng(5)
    patients = np.repeat(np.arange(60), 5)  # five visits per patient
    level = rng.normal(size=60)[patients]
    frame = pd.DataFrame(
        {
            "patient": patients,
            "marker": level + rng.normal(scale=0.3, size=len(patients)),
            "site": rng.choice(["north", "south"], size=len(patients)),
            "outcome": np.where(level > 0, "sick", "well"),
        }
    )
    lab.write("visits.csv", frame)

    answer = lab.call(
        train_model,
        data="visits.csv",
        target="outcome",
        family="hist_gradient_boosting",
        group_column="patient",
        params={"max_iter": 50},
    )

    result = details(lab, model_id_of(answer))
    assert result["protocol"]["cv"] == "grouped by 'patient': 5-fold GroupKFold"
    assert result["protocol"]["holdout"].endswith("rows from whole groups")
    assert result["protocol"]["n_holdout"] % 5 == 0  # whole patients only
    assert "patient" not in result["features"]["numeric"]
    assert result["params"]["max_iter"] == 50
    assert result["cv"]["accuracy"]["mean"] > 0.8

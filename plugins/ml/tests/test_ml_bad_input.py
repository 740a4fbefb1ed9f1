"""Bad input becomes a ToolError the model can act on; nothing crashes."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from agentcore_ml import (
    detect_drift,
    evaluate_model,
    fairness_report,
    leakage_check,
    model_card,
    predict,
    train_model,
)
from langchain_core.tools import BaseTool
from ml_testkit import Lab, model_id_of

from agentcore.tools import ToolError

PENGUIN_COLUMNS = "'species', 'island', 'bill_length_mm'"


def fails(lab: Lab, tool: BaseTool, **args: Any) -> str:
    with pytest.raises(ToolError) as info:
        lab.call(tool, **args)
    return info.value.message


# --- caught before any sandbox starts -------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"data": "nope.csv"},
            "data file 'nope.csv' not found in the workspace; data files in "
            "the workspace: penguins.csv",
        ),
        ({"data": "../penguins.csv"}, "outside the run workspace"),
        ({"data": "notes.txt"}, "is not a CSV, TSV or Parquet file"),
        ({"data": "sub"}, "is a directory"),
        ({"cv_folds": 1}, "cv_folds must be between 2 and 20"),
        ({"holdout": 0.9}, "holdout must be a fraction between 0 and 0.5"),
        ({"time_column": "year", "group_column": "island"}, "not both"),
        ({"features": []}, "features is an empty list"),
        ({"params": {"C": [1, 2]}}, "params['C'] must be a number"),
    ],
)
def test_arguments_checked_on_the_host(lab: Lab, args: dict[str, Any], message: str) -> None:
    (lab.workspace / "notes.txt").write_text("hello")
    (lab.workspace / "sub").mkdir()
    call = {"data": "penguins.csv", "target": "species", **args}
    assert message in fails(lab, train_model, **call)


def test_unknown_model_id_lists_the_known_models(lab: Lab) -> None:
    assert "no model is registered yet; train one with train_model" in fails(
        lab, evaluate_model, model_id="m-123", data="penguins.csv"
    )
    model_id = model_id_of(lab.call(train_model, data="penguins.csv", target="species", cv_folds=3))
    for tool, extra in [
        (evaluate_model, {"data": "penguins.csv"}),
        (predict, {"data": "penguins.csv"}),
        (fairness_report, {"data": "penguins.csv", "group_column": "sex"}),
        (model_card, {}),
    ]:
        message = fails(lab, tool, model_id="../../etc/passwd", **extra)
        assert "unknown model_id '../../etc/passwd'" in message
        assert f"recent models: {model_id} (species, logistic, v1)" in message


# --- found in the data, inside the sandbox --------------------------------------------------


def test_unknown_target_names_the_columns(lab: Lab) -> None:
    message = fails(lab, train_model, data="penguins.csv", target="Species")

    assert "target 'Species' not in 'penguins.csv'" in message
    assert PENGUIN_COLUMNS in message
    assert "did you mean 'species'?" in message


def test_unknown_feature_and_excluded_columns(lab: Lab) -> None:
    message = fails(lab, train_model, data="penguins.csv", target="species", features=["beak"])
    assert "feature column(s) 'beak' not in 'penguins.csv'" in message
    message = fails(lab, leakage_check, data="penguins.csv", target="species", id_columns=["tag"])
    assert "'tag' not in 'penguins.csv'" in message and PENGUIN_COLUMNS in message


def test_single_class_target(lab: Lab) -> None:
    frame = pd.read_csv(lab.workspace / "penguins.csv")
    lab.write("adelie.csv", frame[frame["species"] == "Adelie"])

    message = fails(lab, train_model, data="adelie.csv", target="species")

    assert "target 'species' has a single class ('Adelie')" in message
    assert "at least two classes" in message


def test_non_numeric_regression_target(lab: Lab) -> None:
    message = fails(lab, train_model, data="penguins.csv", target="island", task="regression")

    assert "target 'island' is not numeric" in message
    assert "use task='classification'" in message


def test_too_few_rows_for_the_folds(lab: Lab) -> None:
    frame = pd.DataFrame({"x": np.arange(8.0), "y": np.arange(8.0) * 2.5})
    lab.write("tiny.csv", frame)

    message = fails(lab, train_model, data="tiny.csv", target="y")

    assert "too few for 5-fold CV" in message and "lower cv_folds or holdout" in message


def test_a_class_too_rare_for_the_folds(lab: Lab) -> None:
    frame = pd.read_csv(lab.workspace / "penguins.csv")
    lab.write("rare.csv", pd.concat([frame, frame.iloc[:3].assign(species="Emperor")]))

    message = fails(lab, train_model, data="rare.csv", target="species")

    assert re.search(r"class 'Emperor' has only \d training rows, fewer than the 5 CV", message)


def test_unknown_params(lab: Lab) -> None:
    message = fails(
        lab, train_model, data="penguins.csv", target="species", family="knn", params={"k": 3}
    )
    assert "unknown parameter(s) k for KNeighborsClassifier" in message
    assert "n_neighbors" in message


def test_unreadable_and_empty_files(lab: Lab) -> None:
    (lab.workspace / "broken.parquet").write_bytes(b"not parquet at all")
    (lab.workspace / "empty.csv").write_text("")

    assert "cannot read 'broken.parquet' as Parquet" in fails(
        lab, detect_drift, reference="penguins.csv", current="broken.parquet"
    )
    assert "cannot read 'empty.csv'" in fails(lab, leakage_check, data="empty.csv", target="y")


def test_scoring_data_without_the_target_or_features(lab: Lab) -> None:
    model_id = model_id_of(lab.call(train_model, data="penguins.csv", target="species", cv_folds=3))
    frame = pd.read_csv(lab.workspace / "penguins.csv")
    lab.write("unlabelled.csv", frame.drop(columns="species"))
    lab.write("partial.csv", frame.drop(columns=["island", "sex"]))

    assert "has no column 'species' (the model's target)" in fails(
        lab, evaluate_model, model_id=model_id, data="unlabelled.csv"
    )
    message = fails(lab, predict, model_id=model_id, data="partial.csv")
    assert "the model's feature column(s) 'island', 'sex' not in 'partial.csv'" in message
    assert "must end in .csv, .tsv or .parquet" in fails(
        lab, predict, model_id=model_id, data="unlabelled.csv", output="out.xlsx"
    )
    assert "pass positive_label" in fails(
        lab, fairness_report, model_id=model_id, data="penguins.csv", group_column="sex"
    )
    assert "group_column 'colour' not in 'penguins.csv'" in fails(
        lab,
        fairness_report,
        model_id=model_id,
        data="penguins.csv",
        group_column="colour",
        positive_label="Adelie",
    )


def test_a_tampered_model_file_is_refused(lab: Lab) -> None:
    model_id = model_id_of(lab.call(train_model, data="penguins.csv", target="species", cv_folds=3))
    (lab.workspace / f".agentcore/models/{model_id}.joblib").write_bytes(b"evil pickle")

    message = fails(lab, predict, model_id=model_id, data="penguins.csv")

    assert "is missing or has changed since it was trained" in message


def test_regression_with_the_default_family_and_no_fairness_for_it(lab: Lab) -> None:
    answer = lab.call(train_model, data="penguins.csv", target="body_mass_g")
    assert "task: regression (auto: numeric target with" in answer
    assert "used 'linear' (Ridge) for this target" in answer
    assert "rmse" in answer and "r2" in answer
    model_id = model_id_of(answer)
    assert "needs a classifier" in fails(
        lab, fairness_report, model_id=model_id, data="penguins.csv", group_column="sex"
    )


def test_misconfigured_plugin_settings(lab: Lab) -> None:
    with pytest.raises(ToolError, match="timeout_s must be at most 1800"):
        import asyncio

        from agentcore.tools import config_with_context

        asyncio.run(
            train_model.ainvoke(
                {"data": "penguins.csv", "target": "species"},
                config=config_with_context(lab.ctx({"ml": {"timeout_s": 7200}})),
            )
        )

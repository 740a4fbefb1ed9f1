"""MLflow logging: offline, with a file: tracking URI (mlflow-skinny's file store)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from agentcore_ml import _mlflow, train_model
from ml_testkit import Lab, model_id_of


def test_nothing_happens_without_a_tracking_uri(tmp_path: Path) -> None:
    assert _mlflow.log_run(model_id="m", params={}, metrics={}, tags={}, artifact=None) is None


def test_a_missing_mlflow_is_a_note_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "file:///nowhere")
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import fails as if not installed
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    note = _mlflow.log_run(model_id="m", params={}, metrics={}, tags={}, artifact=None)
    assert note is not None and "mlflow is not installed" in note


def test_a_train_run_is_logged_to_mlflow(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mlflow = pytest.importorskip("mlflow")
    store = tmp_path / "mlruns"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store.as_uri())
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # mlflow 3 keeps the file store opt-in

    answer = lab.call(train_model, data="penguins.csv", target="species", cv_folds=3)

    assert "logged to MLflow: experiment 'agentcore'" in answer
    client = mlflow.tracking.MlflowClient(tracking_uri=store.as_uri())
    experiment = client.get_experiment_by_name("agentcore")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.data.tags["agentcore.model_id"] == model_id_of(answer)
    assert run.data.metrics["cv_accuracy_mean"] >= 0.95
    assert run.data.params["family"] == "logistic"
    assert [a.path for a in client.list_artifacts(run.info.run_id, "model")] == [
        f"model/{model_id_of(answer)}.joblib"
    ]


def test_an_mlflow_failure_keeps_the_registry_row(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", (tmp_path / "mlruns").as_uri())
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)

    answer = lab.call(train_model, data="penguins.csv", target="species", cv_folds=3)

    assert "MLflow logging failed (MlflowException" in answer
    assert answer.startswith("Trained model ")

"""Optional MLflow logging: when ``MLFLOW_TRACKING_URI`` is set and mlflow is importable.

It runs in the host process (the tracking server may be remote; the sandbox has no network)
and uses an ``MlflowClient`` bound to the URI, not mlflow's global state. A failure never fails
the tool: it becomes a note in the answer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

EXPERIMENT = "agentcore"


def log_run(
    *,
    model_id: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, float | None],
    tags: Mapping[str, str],
    artifact: Path | None,
) -> str | None:
    """Log one trained model to MLflow; returns a note for the answer, or ``None`` when unset."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        return None
    try:
        from mlflow.entities import Metric, Param, RunTag
        from mlflow.tracking import MlflowClient
    except ImportError:
        return (
            "MLFLOW_TRACKING_URI is set but mlflow is not installed "
            "(pip install 'agentcore[mlflow]'); the run is in the DuckDB registry only"
        )
    name = os.environ.get("MLFLOW_EXPERIMENT_NAME") or EXPERIMENT
    try:
        client = MlflowClient(tracking_uri=uri)
        experiment = client.get_experiment_by_name(name)
        experiment_id = (
            experiment.experiment_id if experiment is not None else client.create_experiment(name)
        )
        run = client.create_run(experiment_id, run_name=model_id)
        run_id = run.info.run_id
        now = int(time.time() * 1000)
        client.log_batch(
            run_id,
            metrics=[Metric(k, float(v), now, 0) for k, v in metrics.items() if v is not None],
            params=[Param(k, str(v)[:6000]) for k, v in params.items()],
            tags=[RunTag(k, v) for k, v in tags.items()],
        )
        if artifact is not None and artifact.is_file():
            client.log_artifact(run_id, str(artifact), artifact_path="model")
        client.set_terminated(run_id)
    except Exception as exc:  # any MLflow failure: report it, keep the registry row
        return f"MLflow logging failed ({type(exc).__name__}: {str(exc)[:300]})"
    return f"logged to MLflow: experiment '{name}', run {run_id}"

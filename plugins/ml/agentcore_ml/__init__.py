"""The ML specialist's toolbox: train, evaluate, predict, and audit models, all in the sandbox.

Every tool runs its scikit-learn work inside a sandbox started for that call (the backend is
``[sandbox] backend`` in config; ``local`` by default) on the run workspace, so untrusted data
and pickled models are never handled by scikit-learn in agentcore's own process. The code that
runs there lives in :mod:`agentcore_ml._runtime` and is sent with each call.

Every ``train_model`` call is recorded in a DuckDB registry, ``<data_dir>/ml/registry.duckdb``
(table ``model_runs``: dataset SHA-256, params, metrics, artifact, a version per dataset and
target), and in MLflow as well when ``MLFLOW_TRACKING_URI`` is set and mlflow is installed.
Models are saved as ``.agentcore/models/<model_id>.joblib`` in the workspace.

Settings, in ``agentcore.toml``::

    [plugins.ml]
    timeout_s = 600    # time limit of one call's computation in the sandbox (at most 1800)
"""

from agentcore_ml._audit_tools import detect_drift, fairness_report, leakage_check
from agentcore_ml._card import model_card
from agentcore_ml._registry import ModelRecord, Registry
from agentcore_ml._score_tools import evaluate_model, predict
from agentcore_ml._train_tool import train_model

#: Every tool of the plugin, in the order they are registered.
TOOLS = (
    train_model,
    evaluate_model,
    predict,
    leakage_check,
    detect_drift,
    fairness_report,
    model_card,
)

__all__ = [
    "TOOLS",
    "ModelRecord",
    "Registry",
    "detect_drift",
    "evaluate_model",
    "fairness_report",
    "leakage_check",
    "model_card",
    "predict",
    "train_model",
]

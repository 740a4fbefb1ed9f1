"""``ml_metric``: a metric of the run's tracked model against a threshold, and leakage traps.

The number comes from the ML plugin's model registry (``<data_dir>/ml/registry.duckdb``, where
``train_model`` records every model with its features and metrics), not from the answer text:
an agent cannot claim a score it did not get. The sample's models are the ones its successful
``train_model`` calls report (``Trained model <id> ...``) in the trace.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from agentcore.errors import MissingDependencyError, UserError
from agentcore.evals._types import Sample, Score, Scorer

if TYPE_CHECKING:
    from agentcore_ml import ModelRecord

#: The first line of a ``train_model`` result (``agentcore_ml._train_tool.render``).
_TRAINED = re.compile(r"^Trained model (\S+) \(version \d+")
#: Metrics where lower is better; every other metric is better higher.
_LOWER_IS_BETTER = frozenset({"rmse", "mae", "log_loss", "mse"})


class MlMetric(Scorer):
    """Pass when the run's tracked model reaches a metric threshold without forbidden features.

    Attributes:
        metric: A metric ``train_model`` records: ``accuracy``, ``f1_macro``, ``roc_auc``
            (classification), ``rmse``, ``mae``, ``r2`` (regression).
        threshold: The value the metric must reach.
        direction: ``max`` (metric >= threshold) or ``min`` (metric <= threshold); by default
            ``min`` for error metrics (rmse, mae) and ``max`` for the others.
        run: Which of the sample's models is judged: the ``last`` one trained, or the ``best``
            one by ``metric``.
        split: Which score: ``holdout`` (the score on the holdout split at training time),
            ``cv`` (the cross-validation mean), ``evaluation`` (the latest ``evaluate_model``
            of that model, on ``data`` when given), or ``auto`` (holdout when the model has one,
            else cv).
        data: With ``split: evaluation``, the workspace file the evaluation must be on (e.g. a
            held-out ``test.csv``).
        forbid_features: Columns the model must not use (a leakage trap); the score says
            which ones it used.
        require_tools: Tools the run must have called successfully (e.g. ``leakage_check``).

    Example:
        ```yaml
        scorers:
          - ml_metric: {metric: accuracy, threshold: 0.9, forbid_features: [species_code]}
        ```
    """

    name: ClassVar[str] = "ml_metric"

    metric: str = Field(min_length=1)
    threshold: float
    direction: Literal["max", "min"] | None = None
    run: Literal["last", "best"] = "last"
    split: Literal["auto", "holdout", "cv", "evaluation"] = "auto"
    data: str | None = None
    forbid_features: list[str] = Field(default_factory=list)
    require_tools: list[str] = Field(default_factory=list)

    @property
    def higher_is_better(self) -> bool:
        """Whether a larger metric is better (from ``direction``, else the metric's kind)."""
        if self.direction is not None:
            return self.direction == "max"
        return self.metric not in _LOWER_IS_BETTER

    async def score(self, sample: Sample) -> Score:
        """Read the sample's tracked model from the registry and judge it.

        Raises:
            UserError: The ML plugin is not installed, or the trace names models that the
                registry the sample points at does not have (the data dir is wrong).
        """
        return await asyncio.to_thread(self._score, sample)

    def _score(self, sample: Sample) -> Score:
        missing_tools = _missing_tools(sample, self.require_tools)
        model_ids = _trained_models(sample)
        if not model_ids:
            return self._fail("the run trained no model (no successful train_model call)")
        records, registry_path = _records(sample, model_ids)
        scored = [(r, self._value(r, registry_path)) for r in records]
        usable = [(r, v) for r, v in scored if v is not None]
        record, value = scored[-1]
        if self.run == "best" and usable:
            pick = max if self.higher_is_better else min
            record, value = pick(usable, key=lambda rv: rv[1])
        used = [*record.features.get("numeric", []), *record.features.get("categorical", [])]
        details: dict[str, Any] = {
            "model_id": record.model_id,
            "metric": self.metric,
            "value": value,
            "threshold": self.threshold,
            "direction": "max" if self.higher_is_better else "min",
            "split": self.split,
            "features": used,
            "models": [r.model_id for r in records],
            "registry": str(registry_path),
        }
        problems: list[str] = []
        if value is None:
            problems.append(self._no_value(record))
        elif not self._reaches(value):
            op = "<" if self.higher_is_better else ">"
            problems.append(f"{self.metric} {value:.4g} {op} {self.threshold:g}")
        forbidden = [f for f in self.forbid_features if f in used]
        if forbidden:
            details["forbidden_features"] = forbidden
            problems.append(f"the model uses forbidden feature(s): {', '.join(forbidden)}")
        if missing_tools:
            details["missing_tools"] = missing_tools
            problems.append(f"required tool(s) not called: {', '.join(missing_tools)}")
        passed = not problems
        if passed:
            assert value is not None
            op = ">=" if self.higher_is_better else "<="
            explanation = f"{record.model_id}: {self.metric} {value:.4g} {op} {self.threshold:g}"
        else:
            explanation = f"{record.model_id}: " + "; ".join(problems)
        return Score(
            scorer=self.name,
            value=1.0 if passed else 0.0,
            passed=passed,
            explanation=explanation,
            details=details,
        )

    def _value(self, record: ModelRecord, registry_path: Path) -> float | None:
        """The metric of ``record`` on the configured split, or None if it has none."""
        holdout = (record.holdout_metrics or {}).get("metrics") or {}
        cv = record.cv_metrics.get(self.metric) or {}
        if self.split == "evaluation":
            return _evaluation(registry_path, record.model_id, self.metric, self.data)
        if self.split == "holdout" or (self.split == "auto" and holdout):
            return _number(holdout.get(self.metric))
        return _number(cv.get("mean"))

    def _no_value(self, record: ModelRecord) -> str:
        if self.split == "evaluation":
            where = f" on {self.data}" if self.data else ""
            return f"no evaluate_model of it{where} recorded {self.metric}"
        holdout = (record.holdout_metrics or {}).get("metrics") or {}
        known = sorted(k for k, v in {**record.cv_metrics, **holdout}.items() if v is not None)
        return (
            f"it has no {self.metric} on the {self.split} split "
            f"({record.task} model; it has: {', '.join(known) or 'nothing'})"
        )

    def _reaches(self, value: float) -> bool:
        return value >= self.threshold if self.higher_is_better else value <= self.threshold

    def _fail(self, why: str) -> Score:
        return Score(scorer=self.name, value=0.0, passed=False, explanation=why)


def _trained_models(sample: Sample) -> list[str]:
    """The ids of the models the run trained, in order."""
    ids: list[str] = []
    for call in sample.tool_calls():
        if call.tool == "train_model" and not call.is_error:
            match = _TRAINED.match(call.output)
            if match:
                ids.append(match.group(1))
    return ids


def _missing_tools(sample: Sample, required: list[str]) -> list[str]:
    called = {c.tool for c in sample.tool_calls() if not c.is_error}
    return [t for t in required if t not in called]


def _registry_path(sample: Sample) -> Path:
    if sample.data_dir is not None:
        data_dir = sample.data_dir
    else:
        from agentcore.config import load_settings

        data_dir = load_settings().data_dir
    return data_dir / "ml" / "registry.duckdb"


def _records(sample: Sample, model_ids: list[str]) -> tuple[list[ModelRecord], Path]:
    """The registry rows of ``model_ids`` (all of them, in order) and the registry's path.

    Raises:
        MissingDependencyError: The ML plugin is not installed.
        UserError: The registry is missing or lacks a model (the wrong data dir).
    """
    try:
        from agentcore_ml import Registry
    except ImportError:
        raise MissingDependencyError(
            "agentcore-ml", install="uv pip install agentcore-ml"
        ) from None
    path = _registry_path(sample)
    hint = (
        "the scorer reads the model registry of the data dir the run used (Sample.data_dir, "
        "else the configured data dir); score the sample where its data dir is kept"
    )
    if not path.is_file():
        raise UserError(
            f"case '{sample.case.id}': the run trained {model_ids[-1]} but there is no model "
            f"registry at {path}",
            hint=hint,
        )
    registry = Registry(path)
    records: list[ModelRecord] = []
    for model_id in model_ids:
        record = registry.get_model(model_id)
        if record is None:
            raise UserError(
                f"case '{sample.case.id}': model {model_id} is not in the registry {path}",
                hint=hint,
            )
        records.append(record)
    return records, path


def _evaluation(path: Path, model_id: str, metric: str, data: str | None) -> float | None:
    """The metric of the latest ``evaluate_model`` of ``model_id`` (on ``data`` if given)."""
    from agentcore_ml import Registry

    for audit in reversed(Registry(path).model_audits(model_id)):
        if audit["kind"] != "evaluation":
            continue
        if data is not None and Path(audit["data_path"]).as_posix() != Path(data).as_posix():
            continue
        return _number((audit["summary"].get("metrics") or {}).get(metric))
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)

"""The ``ml_metric`` scorer, on models trained by the real ML tools with scikit-learn."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from agentcore_ml import evaluate_model, leakage_check, train_model
from langchain_core.tools import BaseTool

from agentcore.errors import UserError
from agentcore.evals import Case, Sample
from agentcore.evals.scorers._ml import MlMetric
from agentcore.tools import ToolContext, config_with_context

CASE = Case(id="penguins", input="predict the species")


def penguins_csv() -> Path:
    spec = importlib.util.find_spec("palmerpenguins")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "penguins.csv"


@dataclass
class Run:
    """A run of the ML tools: its workspace, data dir and the trace the graph would write."""

    workspace: Path
    data_dir: Path
    run_id: str
    trace: list[dict[str, Any]] = field(default_factory=list)

    def call(self, tool: BaseTool, **args: Any) -> str:
        ctx = ToolContext(
            run_id=self.run_id,
            agent="ml_specialist",
            workspace=self.workspace,
            data_dir=self.data_dir,
            settings={},
            emit=lambda kind, data: None,
        )
        call_id = f"call-{len(self.trace)}"
        self.trace.append(
            {
                "type": "tool_call",
                "agent": "ml_specialist",
                "step": "s1",
                "tool": tool.name,
                "args": args,
                "call_id": call_id,
            }
        )
        output = asyncio.run(tool.ainvoke(args, config=config_with_context(ctx)))
        assert isinstance(output, str)
        self.trace.append(
            {
                "type": "tool_result",
                "agent": "ml_specialist",
                "step": "s1",
                "tool": tool.name,
                "call_id": call_id,
                "is_error": False,
                "output": output[:2000],
            }
        )
        return output

    def sample(self, **kwargs: Any) -> Sample:
        return Sample(
            case=CASE,
            epoch=1,
            answer="Accuracy 1.0, trust me.",
            status="completed",
            trace=list(self.trace),
            workspace=self.workspace,
            data_dir=self.data_dir,
            **kwargs,
        )


@dataclass
class Runs:
    good: Run  # logistic regression on the clean features
    weak: Run  # one weak feature only
    leaky: Run  # the target's own code as a feature, then a clean model
    data_dir: Path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    patch = pytest.MonkeyPatch()
    for var in list(os.environ):
        if var.startswith(("AGENTCORE_", "MLFLOW_")):
            patch.delenv(var)
    if shutil.which("bwrap") is None:
        patch.setenv("AGENTCORE_SANDBOX_BACKEND", "unsafe-subprocess")
    root = tmp_path_factory.mktemp("ml-metric")
    data_dir = root / "data"
    frame = pd.read_csv(penguins_csv()).dropna(subset=["species"])
    frame["species_code"] = frame["species"].astype("category").cat.codes
    made = []
    for i, name in enumerate(("good", "weak", "leaky")):
        ws = root / name
        ws.mkdir()
        frame.to_csv(ws / "penguins.csv", index=False)
        frame.sample(frac=0.3, random_state=1).to_csv(ws / "test.csv", index=False)
        made.append(Run(workspace=ws, data_dir=data_dir, run_id=f"run-{i}"))
    good, weak, leaky = made
    clean = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "island"]
    good.call(train_model, data="penguins.csv", target="species", features=clean)
    good.call(evaluate_model, model_id=_last_model(good), data="test.csv")
    weak.call(train_model, data="penguins.csv", target="species", features=["body_mass_g"])
    leaky.call(
        train_model, data="penguins.csv", target="species", features=[*clean, "species_code"]
    )
    leaky.call(leakage_check, data="penguins.csv", target="species")
    leaky.call(train_model, data="penguins.csv", target="species", features=clean[:2])
    yield Runs(good=good, weak=weak, leaky=leaky, data_dir=data_dir)
    patch.undo()


def _last_model(run: Run) -> str:
    for record in reversed(run.trace):
        if record["type"] == "tool_result" and record["output"].startswith("Trained model "):
            return str(record["output"].split()[2])
    raise AssertionError("no model trained")


def score(scorer: MlMetric, sample: Sample) -> Any:
    return asyncio.run(scorer.score(sample))


def test_a_model_above_the_threshold_passes_one_below_fails(runs: Runs) -> None:
    scorer = MlMetric(metric="accuracy", threshold=0.9)
    good = score(scorer, runs.good.sample())
    weak = score(scorer, runs.weak.sample())
    assert good.passed, good.explanation
    assert good.details["value"] >= 0.9 and good.details["split"] == "auto"
    assert good.details["model_id"] == _last_model(runs.good)
    assert not weak.passed
    assert weak.details["value"] < 0.9
    assert (
        weak.explanation == f"{_last_model(runs.weak)}: accuracy {weak.details['value']:.4g} < 0.9"
    )


def test_the_metric_comes_from_the_registry_not_the_answer(runs: Runs) -> None:
    weak = runs.weak.sample()
    assert "1.0" in weak.answer  # the answer claims a perfect score
    assert not score(MlMetric(metric="accuracy", threshold=0.99), weak).passed


def test_splits_and_directions(runs: Runs) -> None:
    sample = runs.good.sample()
    cv = score(MlMetric(metric="f1_macro", threshold=0.9, split="cv"), sample)
    assert cv.passed and cv.details["split"] == "cv"
    evaluated = score(
        MlMetric(metric="accuracy", threshold=0.9, split="evaluation", data="test.csv"), sample
    )
    assert evaluated.passed, evaluated.explanation
    elsewhere = score(
        MlMetric(metric="accuracy", threshold=0.5, split="evaluation", data="other.csv"), sample
    )
    assert not elsewhere.passed
    assert "no evaluate_model of it on other.csv" in elsewhere.explanation
    at_most = score(MlMetric(metric="accuracy", threshold=0.5, direction="min"), sample)
    assert not at_most.passed and ">" in at_most.explanation


def test_a_metric_the_model_does_not_have_fails_and_says_what_it_has(runs: Runs) -> None:
    rmse = score(MlMetric(metric="rmse", threshold=1.0), runs.good.sample())
    assert not rmse.passed
    assert rmse.details["direction"] == "min"
    assert "no rmse" in rmse.explanation and "accuracy" in rmse.explanation


def test_a_leaky_feature_is_caught_by_name(runs: Runs) -> None:
    sample = runs.leaky.sample()
    best = score(
        MlMetric(
            metric="accuracy", threshold=0.5, run="best", forbid_features=["species_code", "sex"]
        ),
        sample,
    )
    assert not best.passed
    assert best.details["forbidden_features"] == ["species_code"]
    assert "forbidden feature(s): species_code" in best.explanation
    assert best.details["value"] >= 0.99  # the leak makes it look perfect
    last = score(
        MlMetric(metric="accuracy", threshold=0.5, run="last", forbid_features=["species_code"]),
        sample,
    )
    assert last.passed, last.explanation  # the agent retrained without the leak
    assert last.details["models"][-1] == last.details["model_id"] != best.details["model_id"]


def test_required_tools(runs: Runs) -> None:
    scorer = MlMetric(metric="accuracy", threshold=0.5, require_tools=["leakage_check"])
    assert score(scorer, runs.leaky.sample()).passed
    missing = score(scorer, runs.good.sample())
    assert not missing.passed
    assert missing.details["missing_tools"] == ["leakage_check"]
    assert "required tool(s) not called: leakage_check" in missing.explanation


def test_no_trained_model_is_a_failing_score(runs: Runs) -> None:
    sample = Sample(case=CASE, epoch=1, answer="done", status="completed", data_dir=runs.data_dir)
    result = score(MlMetric(metric="accuracy", threshold=0.5), sample)
    assert not result.passed
    assert result.explanation == "the run trained no model (no successful train_model call)"


def test_a_registry_that_lacks_the_run_s_models_is_an_error(runs: Runs, tmp_path: Path) -> None:
    elsewhere = runs.good.sample(duration_s=1.0)
    wrong = Sample(
        case=CASE, epoch=1, answer="", status="completed", trace=elsewhere.trace, data_dir=tmp_path
    )
    with pytest.raises(UserError, match="no model registry at"):
        score(MlMetric(metric="accuracy", threshold=0.5), wrong)

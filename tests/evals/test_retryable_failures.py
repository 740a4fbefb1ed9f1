"""The eval runner retries a sample whose model failure the trace marks as transient, even when
the client's message cannot say so (one attempt per call), and never one marked final."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_testkit import scorer_registry, write_suite

from agentcore.api import Team
from agentcore.config import load_settings
from agentcore.evals._runner import run_eval
from agentcore.evals._suite import load_suite


@pytest.mark.parametrize(("retryable", "attempts"), [(True, 3), (False, 1)])
async def test_the_error_records_flag_decides_the_retry(
    tmp_path: Path, tmp_data_dir: Path, retryable: bool, attempts: int
) -> None:
    registry = scorer_registry()
    suite = load_suite(write_suite(tmp_path / "suite"), registry=registry)
    team = Team.load(settings=load_settings({"retries": {"max_attempts": 1}}), registry=registry)
    script = tmp_path / "fails.yaml"
    fault = {"error": {"message": "the provider is overloaded", "retryable": retryable}}
    script.write_text(json.dumps({"repeat_last": True, "responses": [fault]}))

    log = await run_eval(
        suite, team=team, model=f"scripted:{script}", case_ids=["ok"], out_dir=tmp_path / "out"
    )

    (sample,) = log.samples
    assert sample.failure == "model_error" and sample.status == "failed"
    assert sample.attempts == attempts
    errors = [r for r in sample.trace if r["type"] == "error"]
    assert errors and all(r["retryable"] is retryable for r in errors)
    assert all("(1 attempt)" in r["error"] for r in errors)

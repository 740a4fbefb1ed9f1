"""The DuckDB registry: migrations, versions, audits, and waiting for another process's lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from agentcore_ml import Registry
from agentcore_ml._registry import MIGRATIONS


def fields(model_id: str, fingerprint: str = "f" * 64, target: str = "y") -> dict[str, Any]:
    return {
        "model_id": model_id,
        "run_id": "run-1",
        "dataset_path": "data.csv",
        "dataset_fingerprint": fingerprint,
        "n_rows": 10,
        "target": target,
        "task": "classification",
        "family": "logistic",
        "params": {"C": 1.0},
        "features": {"numeric": ["x"], "categorical": []},
        "cv_metrics": {"accuracy": {"mean": 0.9, "std": 0.01, "folds": [0.9]}},
        "holdout_metrics": None,
        "artifact_path": f".agentcore/models/{model_id}.joblib",
        "artifact_sha256": "a" * 64,
        "library_versions": {"scikit-learn": "1.0"},
        "workspace": "/tmp/ws",
        "details": {"notes": []},
    }


def test_versions_count_per_dataset_and_target(tmp_path: Path) -> None:
    reg = Registry.for_context(tmp_path)
    assert [reg.add_model(fields(f"m{i}")) for i in range(3)] == [1, 2, 3]
    assert reg.add_model(fields("other-target", target="z")) == 1
    assert reg.add_model(fields("other-data", fingerprint="e" * 64)) == 1

    record = reg.get_model("m2")
    assert record is not None
    assert record.version == 3 and record.params == {"C": 1.0}
    assert record.cv_metrics["accuracy"]["mean"] == 0.9
    assert reg.get_model("missing") is None
    assert [m[0] for m in reg.recent_models(2)] == ["other-data", "other-target"]
    assert (tmp_path / "ml" / "registry.duckdb").is_file()


def test_migrations_run_once(tmp_path: Path) -> None:
    reg = Registry.for_context(tmp_path)
    reg.add_model(fields("m1"))
    reg.add_model(fields("m2"))  # a second connection does not re-create the tables
    with duckdb.connect(str(reg.path), read_only=True) as con:
        versions = con.execute("SELECT version FROM schema_migrations").fetchall()
    assert versions == [(i + 1,) for i in range(len(MIGRATIONS))]


def test_audits_are_kept_per_model_and_dataset(tmp_path: Path) -> None:
    reg = Registry.for_context(tmp_path)
    reg.add_model(fields("m1"))
    data = {"path": "new.csv", "sha256": "b" * 64}
    reg.add_model_audit(model_id="m1", kind="evaluation", run_id="r", data=data, summary={"a": 1})
    reg.add_data_audit(kind="leakage", run_id="r", data=data, target="y", summary={"n": 0})

    assert reg.model_audits("m1")[0]["summary"] == {"a": 1}
    assert reg.model_audits("m2") == []
    assert reg.data_audits("b" * 64, "leakage")[0]["target"] == "y"
    assert reg.data_audits("b" * 64, "drift") == []


def test_a_writer_in_another_process_is_waited_for(tmp_path: Path) -> None:
    reg = Registry.for_context(tmp_path)
    reg.add_model(fields("m1"))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys, time
                con = duckdb.connect({str(reg.path)!r})
                print("locked", flush=True)
                time.sleep(1.5)
                con.close()
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        assert reg.add_model(fields("m2")) == 2  # waits for the lock instead of failing
        assert time.monotonic() - started > 0.5
    finally:
        holder.wait(timeout=30)


def test_a_lock_held_too_long_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentcore_ml import _registry

    from agentcore.tools import ToolError

    monkeypatch.setattr(_registry, "LOCK_WAIT_S", 0.3)
    reg = Registry.for_context(tmp_path)
    reg.add_model(fields("m1"))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(reg.path)!r}); print('x', flush=True); "
            "time.sleep(3)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "x"
        with pytest.raises(ToolError, match=r"the model registry .* is unavailable"):
            reg.get_model("m1")
    finally:
        holder.kill()
        holder.wait(timeout=30)

"""The demo end to end: all four agents do real work with real tools on a scripted model."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from agentcore import Team
from agentcore.demo import DEMO_MODEL, DEMO_TASK, prepare_workspace


def test_demo_run_through_the_python_api(tmp_data_dir: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    prepare_workspace(ws)
    result = Team.load().run(DEMO_TASK, model=DEMO_MODEL, workspace=ws)

    assert result.status == "completed", result.error
    assert {s.agent for s in result.steps} == {"researcher", "coder", "ml_specialist"}
    agents = {"planner", "researcher", "coder", "ml_specialist", "synthesis"}
    assert set(result.usage.by_agent) == agents
    artifacts = set(result.artifacts)
    for expected in (
        "analysis/species_summary.py",
        "charts/chart-1.png",
        "reports/model_plan.md",
        ".agentcore/sql/query-1.parquet",
    ):
        assert expected in artifacts
    assert any(a.startswith("reports/model_card_") for a in artifacts)
    assert any(a.startswith(".agentcore/models/") and a.endswith(".joblib") for a in artifacts)
    assert (ws / "charts/chart-1.png").read_bytes().startswith(b"\x89PNG")

    # The files the agents wrote are real, and the script they wrote runs on the data.
    script = ws / "analysis/species_summary.py"
    run = subprocess.run(
        [sys.executable, str(script)], cwd=ws, capture_output=True, text=True, check=True
    )
    assert "344 rows" in run.stdout and "Gentoo" in run.stdout

    # The researcher's figures came from SQL on the real file: check them independently.
    rows = list(csv.DictReader((ws / "data/penguins.csv").open()))
    researcher = next(s for s in result.steps if s.agent == "researcher")
    assert f"{len(rows)} rows" in researcher.summary
    for species in ("Adelie", "Chinstrap", "Gentoo"):
        n = sum(r["species"] == species for r in rows)
        no_sex = sum(r["species"] == species and r["sex"] == "NA" for r in rows)
        assert re.search(rf"^{species}\s+{n}\s+{no_sex}\s", researcher.summary, re.M), species

    # The ML specialist trained and registered a real model: near-perfect CV, far above baseline.
    plan = (ws / "reports/model_plan.md").read_text()
    accuracy = re.search(r"^accuracy\s+([\d.]+) ± [\d.]+\s+[\d.]+ \[.*\]\s+([\d.]+) /", plan, re.M)
    assert accuracy is not None, plan
    assert float(accuracy.group(1)) >= 0.95 and float(accuracy.group(2)) < 0.5
    assert "No leakage found" in plan
    assert "scripted demo run" in result.answer

    tools_used = {t["tool"] for t in result.trace if t["type"] == "tool_call"}
    assert tools_used == {
        "list_files",
        "read_file",
        "sql_load",
        "sql_query",
        "think",
        "write_file",
        "run_python",
        "leakage_check",
        "train_model",
        "model_card",
    }


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("agentcore")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, timeout=120)


def test_cli_end_to_end(tmp_data_dir: Path) -> None:
    env = {**os.environ}
    demo = _cli("demo", "--json", env=env)
    assert demo.returncode == 0, demo.stderr
    out = json.loads(demo.stdout)
    assert out["status"] == "completed"
    assert [s["agent"] for s in out["steps"]] == ["researcher", "coder", "ml_specialist"]
    assert set(out["usage"]["by_agent"]) >= {"planner", "researcher", "coder", "ml_specialist"}

    echo = _cli("run", "hello world", "--model", "scripted:echo", "--json", env=env)
    assert echo.returncode == 0 and json.loads(echo.stdout)["answer"] == "hello world"

    loop = _cli(
        "run", "spin", "--model", "scripted:loop", "--max-tool-calls", "3", "--json", env=env
    )
    assert loop.returncode == 1
    looped = json.loads(loop.stdout)
    assert (looped["status"], looped["limit"]) == ("limit_reached", "max_tool_calls")

    bad = _cli("run", "x", "--model", "nope:x", env=env)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr

    resumed = _cli("run", "--resume", looped["run_id"], "--json", env=env)
    assert resumed.returncode == 1 and json.loads(resumed.stdout)["run_id"] == looped["run_id"]

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
    assert sorted(result.artifacts) == [
        "analysis/species_summary.py",
        "charts/chart-1.png",
        "reports/model_plan.md",
    ]
    assert (ws / "charts/chart-1.png").read_bytes().startswith(b"\x89PNG")

    # The files the agents wrote are real, and the script they wrote runs on the data.
    script = ws / "analysis/species_summary.py"
    run = subprocess.run(
        [sys.executable, str(script)], cwd=ws, capture_output=True, text=True, check=True
    )
    assert "344 rows" in run.stdout and "Gentoo" in run.stdout
    plan = (ws / "reports/model_plan.md").read_text()
    assert "holdout" in plan
    # The ML specialist measured its baseline in the sandbox: real scikit-learn figures.
    scores = dict(
        re.findall(r"^(majority baseline|logistic regression): accuracy ([\d.]+)", plan, re.M)
    )
    assert float(scores["majority baseline"]) < 0.5 < float(scores["logistic regression"])

    # The researcher's figures were read off the tools' real output, not canned.
    rows = list(csv.reader((ws / "data/penguins.csv").open()))
    na_rows = sum(1 for r in rows[1:] if "NA" in r[:-1])
    researcher = next(s for s in result.steps if s.agent == "researcher")
    assert f"{len(rows) - 1} rows" in researcher.summary
    assert f"found {na_rows} rows" in researcher.summary
    assert "scripted demo run" in result.answer

    tools_used = {t["tool"] for t in result.trace if t["type"] == "tool_call"}
    assert tools_used == {
        "list_files",
        "read_file",
        "search_files",
        "write_file",
        "think",
        "run_python",
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

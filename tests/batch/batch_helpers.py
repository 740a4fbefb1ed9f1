"""Helpers for the batch tests: scripts, task files, results, and `agentcore batch` runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def agentcore(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m agentcore.cli ARGS...`` in a subprocess (env: the test's data dir)."""
    return subprocess.run(
        [sys.executable, "-m", "agentcore.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def popen_agentcore(*args: str, stdout: Any = subprocess.PIPE) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "agentcore.cli", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )


def slow_script(path: Path, *, latency_s: float, name: str = "slow") -> str:
    """A script: plan one coder step, the coder answers after ``latency_s``, then synthesis.

    Returns the model spec (``scripted:PATH``).
    """
    path.write_text(
        f"""\
name: {name}
repeat_last: true
agents:
  planner:
    - tool_calls:
        - name: submit_plan
          args: {{steps: [{{id: s1, agent: coder, instruction: "work on it"}}]}}
  coder:
    - content: "worked"
      latency_s: {latency_s}
  synthesis:
    - "answer: {{task}}"
""",
        encoding="utf-8",
    )
    return f"scripted:{path}"


def failing_script(path: Path) -> str:
    """A script whose first model call fails for good (a non-retryable model error)."""
    path.write_text(
        "name: broken\nresponses:\n  - error: {message: provider exploded, retryable: false}\n",
        encoding="utf-8",
    )
    return f"scripted:{path}"


def write_jsonl(path: Path, tasks: Iterable[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(t) + "\n" for t in tasks), encoding="utf-8")
    return path


def read_results(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def by_id(lines: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The last line of each task id."""
    return {line["id"]: line for line in lines}


def max_overlap(lines: Sequence[dict[str, Any]]) -> int:
    """The most tasks whose [started_at, finished_at] intervals overlap at one instant.

    At equal timestamps an end counts before a start: a worker that finishes a task and
    starts the next one is not two tasks at once.
    """
    edges = sorted(
        [(line["started_at"], 1) for line in lines] + [(line["finished_at"], -1) for line in lines]
    )
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    return most

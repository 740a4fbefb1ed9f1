"""`agentcore batch` as a real process: mixed outcomes, bounded concurrency, resume, Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from batch_helpers import (
    agentcore,
    by_id,
    failing_script,
    max_overlap,
    popen_agentcore,
    read_results,
    slow_script,
    write_jsonl,
)

from agentcore.batch import run_id_for
from agentcore.batch._plan import checkpointed_runs
from agentcore.config import load_settings

pytestmark = pytest.mark.timeout(300)


def test_mixed_outcomes_and_bounded_concurrency(work_dir: Path) -> None:
    slow = slow_script(work_dir / "slow.yaml", latency_s=0.3)
    broken = failing_script(work_dir / "broken.yaml")
    tasks = [{"id": f"ok{i}", "task": f"task {i}", "model": slow} for i in range(6)]
    tasks.insert(2, {"id": "boom", "task": "x", "model": broken})
    tasks.insert(
        4, {"id": "loop", "task": "x", "model": "scripted:loop", "limits": {"max_tool_calls": 2}}
    )
    tasks.insert(
        5,
        {
            "id": "hello-needs-coder",
            "task": "x",
            "model": "scripted:hello",
            "agents": ["researcher"],
        },
    )
    write_jsonl(work_dir / "tasks.jsonl", tasks)

    proc = agentcore("batch", "tasks.jsonl", "--concurrency", "3", "--out", "out.jsonl", "--json")

    assert proc.returncode == 1, proc.stderr
    summary = json.loads(proc.stdout)
    lines = read_results(work_dir / "out.jsonl")
    assert len(lines) == len(tasks)  # one line per task, none lost, none twice
    results = by_id(lines)
    assert {k for k, v in results.items() if v["status"] == "completed"} == {
        f"ok{i}" for i in range(6)
    }
    assert results["boom"]["status"] == "failed"
    assert "provider exploded" in results["boom"]["error"]
    assert results["loop"]["status"] == "limit_reached"
    assert results["hello-needs-coder"]["status"] == "failed"  # its plan needs the coder too
    assert summary["counts"] == {"completed": 6, "failed": 2, "limit_reached": 1}
    # The bound holds, and it is used: never more than 3 tasks at once, and 3 at some point.
    assert max_overlap(lines) == 3
    for line in lines:
        assert line["started_at"] <= line["finished_at"]


def test_resume_after_a_partial_results_file(work_dir: Path) -> None:
    write_jsonl(
        work_dir / "t.jsonl",
        [{"id": "a", "task": "first"}, {"id": "b", "task": "second"}, {"id": "c", "task": "third"}],
    )
    out = work_dir / "out.jsonl"
    done = {"id": "a", "run_id": "earlier", "status": "completed", "answer": "kept"}
    # b was being written when the machine died: its line is cut short.
    out.write_text(json.dumps(done) + "\n" + '{"id": "b", "run_id": "x", "sta')

    proc = agentcore(
        "batch", "t.jsonl", "-o", "out.jsonl", "-m", "scripted:echo", "--resume", "--json"
    )

    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["skipped"] == 1 and summary["ran"] == 2
    assert summary["counts"] == {"completed": 3}
    lines = read_results(out)  # every line parses: the cut one was dropped
    assert sorted(line["id"] for line in lines) == ["a", "b", "c"]
    assert lines[0] == done  # untouched, not run again
    assert by_id(lines)["b"]["answer"] == "second"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_a_stopped_batch_keeps_its_results_and_resume_completes_it(
    work_dir: Path, tmp_data_dir: Path, sig: signal.Signals
) -> None:
    # Three at a time: f1 ends at once; s1, s2, s3 wait in the coder's model call (a long
    # latency), so "later" cannot start before the stop.
    slow_file = work_dir / "slow.yaml"
    slow = slow_script(slow_file, latency_s=60)
    tasks = [
        {"id": "f1", "task": "fast one", "model": "scripted:echo"},
        {"id": "s1", "task": "slow 1", "model": slow},
        {"id": "s2", "task": "slow 2", "model": slow},
        {"id": "s3", "task": "slow 3", "model": slow},
        {"id": "later", "task": "never started", "model": "scripted:echo"},
    ]
    write_jsonl(work_dir / "t.jsonl", tasks)
    out = work_dir / "out.jsonl"
    slow_ids = [run_id_for(work_dir / "t.jsonl", out, i) for i in ("s1", "s2", "s3")]
    proc = popen_agentcore("batch", "t.jsonl", "-o", str(out), "-c", "3", "--json")

    _wait_for(lambda: out.exists() and out.read_text() != "", proc, "the fast task's result")
    _wait_for(lambda: _in_coder_step(tmp_data_dir, slow_ids), proc, "the slow runs' checkpoints")
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)

    status = {line["id"]: line["status"] for line in read_results(out)}
    if sig == signal.SIGINT:
        assert proc.returncode == 130, stderr
        summary = json.loads(stdout)
        assert summary["status"] == "stopped"
        assert summary["counts"] == {"completed": 1, "interrupted": 3, "not_started": 1}
        assert status == {
            "f1": "completed",
            "s1": "interrupted",
            "s2": "interrupted",
            "s3": "interrupted",
        }
    else:
        assert proc.returncode == -signal.SIGKILL
        assert status == {"f1": "completed"}  # killed: no lines, but checkpoints

    slow_script(slow_file, latency_s=0)  # the same model spec, now quick
    again = agentcore("batch", "t.jsonl", "-o", str(out), "-c", "3", "--resume", "--json")

    assert again.returncode == 0, again.stdout + again.stderr
    summary = json.loads(again.stdout)
    assert summary["counts"] == {"completed": 5}
    assert summary["skipped"] == 1  # f1
    assert summary["resumed"] == 3  # s1, s2, s3 carried on from their checkpoints
    final = read_results(out)
    assert sum(line["id"] == "f1" for line in final) == 1  # finished before: not run again
    results = by_id(final)
    assert results["later"]["status"] == "completed" and results["later"]["resumed"] is False
    for task_id, run_id in zip(("s1", "s2", "s3"), slow_ids, strict=True):
        result = results[task_id]
        assert (result["status"], result["resumed"], result["run_id"]) == (
            "completed",
            True,
            run_id,
        )
        assert result["answer"] == f"answer: slow {task_id[1]}"
        trace = [
            json.loads(r)
            for r in (tmp_data_dir / "runs" / f"{run_id}.jsonl").read_text().splitlines()
        ]
        assert [r["resume"] for r in trace if r["type"] == "run_start"] == [False, True]
        # the planner was not called again: the run carried on from its checkpoint
        assert sum(r["type"] == "plan" for r in trace) == 1


def _wait_for(check: Callable[[], bool], proc: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 120
    while not check():
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"the batch ended early ({proc.returncode}): {err}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _in_coder_step(data_dir: Path, run_ids: list[str]) -> bool:
    """Whether every run is in the coder's step with a checkpoint it can carry on from."""
    for run_id in run_ids:
        trace = data_dir / "runs" / f"{run_id}.jsonl"
        if not trace.exists() or '"step_start"' not in trace.read_text():
            return False
    settings = load_settings({"data_dir": str(data_dir)})
    found = asyncio.run(checkpointed_runs(settings, run_ids))
    return found.resumable == set(run_ids)

"""SIGKILL in the middle of a run and of a batch; resuming finishes the work, repeats no
finished tool call (no duplicated side effect) and ends in the state an unbroken run reaches.

The process is really killed (``crash_app.py`` kills itself with SIGKILL from inside its model,
once the traces hold N finished tool calls, so the kill lands between calls at a known point);
the resume runs in a new process.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(300)

APP = Path(__file__).with_name("crash_app.py")
SEQ = "seq: a b c | d e f"  # two steps, one after the other: 6 ledger calls
PAR = "par: a b c | d e f | g h"  # three steps at once: 8 ledger calls


def app(data_dir: Path, ledger: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(APP), str(data_dir), str(ledger), *args],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def traces(data_dir: Path) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for path in sorted((data_dir / "runs").glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        out[path.stem] = [json.loads(line) for line in lines if line.strip()]
    return out


def finished(records: list[dict[str, Any]]) -> list[str]:
    """The ledger entries whose calls finished (their result is in the trace)."""
    return [r["output"].removeprefix("wrote ") for r in records if r["type"] == "tool_result"]


def state(result: dict[str, Any]) -> dict[str, Any]:
    """What must come out the same as in an unbroken run."""
    return {
        "status": result["status"],
        "answer": result["answer"],
        "steps": result["steps"],
        "usage": result["usage"],
    }


def reference(tmp_path: Path, task: str) -> dict[str, Any]:
    proc = app(tmp_path / "ref", tmp_path / "ref-ledger.txt", "run", "ref", task)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize(("task", "kill_after"), [(SEQ, 1), (SEQ, 3), (SEQ, 5), (PAR, 4)])
def test_a_killed_run_resumes_without_repeating_finished_calls(
    tmp_path: Path, task: str, kill_after: int
) -> None:
    expected = reference(tmp_path, task)
    data, ledger = tmp_path / "data", tmp_path / "ledger.txt"

    killed = app(data, ledger, "run", "r1", task, "--kill-after", str(kill_after))

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    before = finished(traces(data)["r1"])
    assert len(before) >= kill_after
    resumed = app(data, ledger, "resume", "r1")
    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)

    written = ledger.read_text(encoding="utf-8").split()
    counts = Counter(written)
    # Every call that had finished before the kill happened once, not again on resume.
    assert all(counts[entry] == 1 for entry in before), counts
    if task == SEQ:  # one call at a time: nothing was in flight, so nothing at all repeats
        assert sorted(written) == sorted("abcdef")
    assert set(written) == set(task.split(":")[1].replace("|", " ").split())
    assert state(result) == state(expected)
    records = traces(data)["r1"]
    assert [r["resume"] for r in records if r["type"] == "run_start"] == [False, True]
    replayed = [r for r in records if r["type"] == "journal_replay"]
    assert sum(r["tool_calls"] for r in replayed) >= 1
    assert not any(r["type"] == "journal_diverged" for r in records)
    # the trace holds each real call once: the replayed ones were not written again
    assert sorted(finished(records)) == sorted(written)


def test_a_denied_call_before_the_kill_is_denied_again_and_nothing_repeats(
    tmp_path: Path,
) -> None:
    # !b is denied by the approval policy: no result in the trace, the model goes on.
    task = "seq: a !b c | d e"
    expected = reference(tmp_path, task)
    data, ledger = tmp_path / "data", tmp_path / "ledger.txt"
    assert app(data, ledger, "run", "r1", task, "--kill-after", "2").returncode == -9
    assert finished(traces(data)["r1"]) == ["a", "c"]

    resumed = app(data, ledger, "resume", "r1")

    assert resumed.returncode == 0, resumed.stderr
    assert sorted(ledger.read_text(encoding="utf-8").split()) == ["a", "c", "d", "e"]
    assert state(json.loads(resumed.stdout)) == state(expected)
    records = traces(data)["r1"]
    assert not any(r["type"] == "journal_diverged" for r in records)
    denials = [r for r in records if r["type"] == "approval" and r["decision"] == "deny"]
    assert len(denials) == 1  # decided again on replay, not recorded twice


def test_a_run_killed_twice_still_finishes_once(tmp_path: Path) -> None:
    expected = reference(tmp_path, SEQ)
    data, ledger = tmp_path / "data", tmp_path / "ledger.txt"
    assert app(data, ledger, "run", "r1", SEQ, "--kill-after", "2").returncode == -9

    again = app(data, ledger, "resume", "r1", "--kill-after", "4")  # killed while resuming
    assert again.returncode == -signal.SIGKILL, again.stderr
    done = app(data, ledger, "resume", "r1")

    assert done.returncode == 0, done.stderr
    assert sorted(ledger.read_text(encoding="utf-8").split()) == sorted("abcdef")
    assert state(json.loads(done.stdout)) == state(expected)


def test_a_killed_batch_resumes_without_repeating_finished_calls(tmp_path: Path) -> None:
    tasks = [
        {"id": "t1", "task": "seq: a1 b1 | c1"},
        {"id": "t2", "task": "seq: a2 b2 c2"},
        {"id": "t3", "task": "par: a3 b3 | c3 d3"},
        {"id": "t4", "task": "seq: a4 | b4 | c4"},
    ]
    every = {e for t in tasks for e in t["task"].split(":")[1].replace("|", " ").split()}
    file = tmp_path / "tasks.jsonl"
    file.write_text("".join(json.dumps(t) + "\n" for t in tasks), encoding="utf-8")
    data, ledger, out = tmp_path / "data", tmp_path / "ledger.txt", tmp_path / "out.jsonl"

    killed = app(data, ledger, "batch", str(file), str(out), "--kill-after", "6")

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    before = [e for records in traces(data).values() for e in finished(records)]
    assert len(before) >= 6
    resumed = app(data, ledger, "batch", str(file), str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)

    assert summary["counts"] == {"completed": 4}
    assert summary["resumed"] >= 1
    counts = Counter(ledger.read_text(encoding="utf-8").split())
    assert all(counts[entry] == 1 for entry in before), counts
    assert set(counts) == every
    results = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        results[row["id"]] = row
    assert {r["status"] for r in results.values()} == {"completed"}
    assert {r["answer"] for r in results.values()} == {"all entries written"}
    assert any(r["type"] == "journal_replay" for records in traces(data).values() for r in records)

"""The eval log: written line by line, read back whole, a cut last line tolerated."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from eval_testkit import record

from agentcore.errors import UserError
from agentcore.evals import EvalHeader
from agentcore.evals._log import LogWriter, read_log
from agentcore.evals._summary import summarise


def header() -> EvalHeader:
    return EvalHeader(
        eval_id="tiny-1",
        suite="tiny",
        suite_path="/x/suite.yaml",
        suite_version="1",
        model="scripted:x",
        epochs=2,
        concurrency=1,
        case_ids=["a"],
        started_at="2026-01-01T00:00:00+00:00",
        agentcore_version="0",
    )


def write(path: Path, *, samples: int, finish: bool) -> None:
    records = [record("a", e, passed=True) for e in range(1, samples + 1)]
    with LogWriter.create(path, header()) as writer:
        for r in records:
            writer.write_sample(r)
        if finish:
            now = datetime.now(UTC)
            writer.write_summary(summarise(records, started=now, finished=now))


def test_a_log_reads_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "tiny-1.jsonl"
    write(path, samples=2, finish=True)
    lines = path.read_text().splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["header", "sample", "sample", "summary"]
    log = read_log(path)
    assert log.header == header() and log.path == path
    assert [(s.case_id, s.epoch) for s in log.samples] == [("a", 1), ("a", 2)]
    assert log.finished and log.summary is not None and log.summary.samples == 2


def test_a_log_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "tiny-1.jsonl"
    write(path, samples=1, finish=False)
    with pytest.raises(UserError, match="exists already"):
        LogWriter.create(path, header())


def test_a_cut_last_line_is_ignored_and_carry_on_replaces_it(tmp_path: Path) -> None:
    path = tmp_path / "tiny-1.jsonl"
    write(path, samples=1, finish=False)
    whole = record("a", 2, passed=True).model_dump_json()
    with path.open("a") as fh:
        fh.write(whole[: len(whole) // 2])  # killed while writing
    log = read_log(path)
    assert len(log.samples) == 1 and not log.finished
    with LogWriter.carry_on(path) as writer:
        writer.write_sample(record("a", 2, passed=False, failure="wrong_answer"))
    again = read_log(path)
    assert [(s.epoch, s.passed) for s in again.samples] == [(1, True), (2, False)]
    assert all(json.loads(line) for line in path.read_text().splitlines())


def test_a_damaged_line_before_the_last_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "tiny-1.jsonl"
    write(path, samples=2, finish=False)
    lines = path.read_text().splitlines()
    lines[1] = lines[1][:20]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(UserError, match=r"tiny-1.jsonl:2: not a JSON line"):
        read_log(path)


@pytest.mark.parametrize(
    ("content", "looks_like"),
    [
        ('{"id": "t1", "run_id": "r", "status": "completed"}\n', "a batch results file"),
        ('{"ts": 1, "run_id": "r", "type": "run_start", "task": "x"}\n', "a run trace"),
        ("name: tiny\ncases:\n  - id: a\n", "a suite file"),
        ('{"type": "cassette", "version": 1, "suite": "tiny"}\n', "a cassette"),
        ("", "not JSON lines"),
    ],
)
def test_other_files_are_named_for_what_they_are(
    tmp_path: Path, content: str, looks_like: str
) -> None:
    path = tmp_path / "other.jsonl"
    path.write_text(content)
    with pytest.raises(UserError) as exc:
        read_log(path)
    assert f"is not an eval log: it looks like {looks_like}" in exc.value.message
    assert exc.value.hint is not None and "agentcore eval SUITE" in exc.value.hint


def test_a_missing_log_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such eval log") as exc:
        read_log(tmp_path / "nope.jsonl")
    assert exc.value.hint is not None and "--out" in exc.value.hint

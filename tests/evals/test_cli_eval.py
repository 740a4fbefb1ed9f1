"""``agentcore eval`` end to end on a scripted model, in-process: run, report, compare,
rescore, list, resume after an interruption, bad suites, and the exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from eval_testkit import SUITE, CliResult, eval_plugin, run_cli, write_suite

from agentcore.evals._log import read_log
from agentcore.evals._suite import suite_json_schema_text

__all__ = ["eval_plugin"]  # the fixture, used by name below


@pytest.fixture(autouse=True)
def work(tmp_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "200")
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture(autouse=True)
def _plugin(eval_plugin: None) -> Iterator[None]:
    yield


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> object:
    return lambda *args: run_cli(capsys, *args)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> CliResult:
    return run_cli(capsys, *args)


def the_log(out: Path) -> Path:
    (log,) = out.glob("*.jsonl")
    return log


def test_a_suite_runs_end_to_end(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    suite = write_suite(work / "tiny")
    result = run(capsys, "eval", str(suite), "--model", "scripted:hello", "--epochs", "2")
    assert result.code == 0, result.err
    log_path = the_log(work / "eval-logs")
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert [r["type"] for r in lines] == ["header"] + ["sample"] * 6 + ["summary"]
    summary = lines[-1]
    assert summary["accuracy"] == pytest.approx(2 / 6)
    assert summary["failures"] == {"wrong_answer": 2, "limit_reached": 2}
    assert summary["pass_at_k"] == {"1": pytest.approx(1 / 3), "2": pytest.approx(1 / 3)}
    assert summary["by_tag"] == {"easy": 1.0, "hard": 0.0}
    failures = {(r["case_id"], r["epoch"]): r["failure"] for r in lines[1:-1]}
    assert failures[("ok", 1)] is None and failures[("wrong", 2)] == "wrong_answer"
    assert failures[("limited", 1)] == "limit_reached"
    assert f"log: {log_path}" in result.out
    assert "limited" in result.out and "wrong_answer" in result.out  # the table


def test_json_output_and_the_other_subcommands(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    suite = write_suite(work / "tiny")
    first = run(capsys, "eval", "run", str(suite), "-m", "scripted:hello", "--json", "-o", "a")
    assert first.code == 0, first.err
    data = json.loads(first.out)
    assert data["finished"] and data["summary"]["samples"] == 3 and data["exit_code"] == 0
    log_a = Path(data["log"])
    assert log_a.parent == work / "a"
    second = run(capsys, "eval", str(suite), "-m", "scripted:hello", "--cases", "ok", "-o", "b")
    assert second.code == 0, second.err
    log_b = the_log(work / "b")
    assert read_log(log_b).header.case_ids == ["ok"]

    report = run(capsys, "eval", "report", str(log_a), "--json")
    assert report.code == 0 and json.loads(report.out)["summary"] == data["summary"]
    html = run(capsys, "eval", "report", str(log_a), "--html", "r.html")
    assert html.code == 0 and (work / "r.html").read_text().lstrip().startswith("<!")

    compared = run(capsys, "eval", "compare", str(log_a), str(log_b), "--json")
    assert compared.code == 0, compared.err
    assert "regressions" in json.loads(compared.out)
    assert run(capsys, "eval", "compare", str(log_a), str(log_b)).code == 0

    rescored = run(capsys, "eval", "rescore", str(log_a), "--json")
    assert rescored.code == 0, rescored.err
    new = Path(json.loads(rescored.out)["log"])
    assert new.parent == log_a.parent and new != log_a
    assert json.loads(rescored.out)["summary"]["accuracy"] == data["summary"]["accuracy"]


def test_rescore_uses_the_changed_suite(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    suite = write_suite(work / "tiny")
    assert run(capsys, "eval", str(suite), "-m", "scripted:hello", "--json").code == 0
    log = the_log(work / "eval-logs")
    suite.write_text(SUITE.replace("expected: goodbye", "expected: worked on"))
    result = run(capsys, "eval", "rescore", str(log), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["summary"]["accuracy"] == pytest.approx(2 / 3)


def test_resume_after_an_interruption_runs_only_the_rest(
    capsys: pytest.CaptureFixture[str], work: Path
) -> None:
    suite = write_suite(work / "tiny")
    assert run(capsys, "eval", str(suite), "-m", "scripted:hello", "-k", "2", "--json").code == 0
    log = the_log(work / "eval-logs")
    lines = log.read_text().splitlines(keepends=True)
    kept = [json.loads(line)["run_id"] for line in lines[1:3]]
    log.write_text("".join(lines[:3]) + lines[3][:50])  # killed while writing sample 3
    conflict = run(capsys, "eval", "--resume", str(log), "--model", "scripted:echo")
    assert conflict.code == 2 and "--model" in conflict.err
    result = run(capsys, "eval", "--resume", str(log), "--json")
    assert result.code == 0, result.err
    resumed = read_log(log)
    assert resumed.finished and len(resumed.samples) == 6
    assert [s.run_id for s in resumed.samples[:2]] == kept
    data = work / "eval-logs" / resumed.header.eval_id / "data"
    runs = list(data.glob("samples/*/runs/*.jsonl"))  # each sample has its own data folder
    assert len(runs) == 6 + 4  # the first eval's six, then only the four missing samples


def test_model_errors_exit_1(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    suite = write_suite(work / "tiny")
    script = work / "fails.json"
    script.write_text(
        json.dumps({"repeat_last": True, "responses": [{"error": {"retryable": False}}]})
    )
    result = run(capsys, "eval", str(suite), "-m", f"scripted:{script}", "--cases", "ok", "--json")
    assert result.code == 1, result.err
    assert json.loads(result.out)["summary"]["failures"] == {"model_error": 1}


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("  - id: wrong\n", "  - id: ok\n"), ["suite.yaml:10:", "cases[1].id", "'ok'", "lines 6"]),
        (("scorers: [completed_with]", "scorers: [nope]"), ["suite.yaml:3:", "scorers[0]"]),
        (
            ("    tags: [easy]\n", "    tags: [easy]\n    files: [missing.csv]\n"),
            ["suite.yaml:10:", "cases[0].files[0]", "case 'ok'", "missing.csv"],
        ),
        (
            ("{max_tool_calls: 1}", "{max_toolcalls: 1}"),
            ["suite.yaml:18:", "cases[2].limits.max_toolcalls", "case 'limited'"],
        ),
    ],
    ids=["duplicate-id", "unknown-scorer", "missing-file", "bad-limit"],
)
def test_a_bad_suite_exits_2_naming_file_line_case_and_field(
    capsys: pytest.CaptureFixture[str], work: Path, change: tuple[str, str], where: list[str]
) -> None:
    suite = write_suite(work / "tiny", SUITE.replace(*change))
    result = run(capsys, "eval", str(suite), "-m", "scripted:hello")
    assert result.code == 2
    first = result.err.splitlines()[0]
    for part in where:
        assert part in first, first
    assert "Traceback" not in result.err
    assert not (work / "eval-logs").exists()


def test_bad_flags_and_inputs_exit_2(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    suite = write_suite(work / "tiny")
    offline = run(capsys, "eval", str(suite), "--offline", "--model", "scripted:hello")
    assert offline.code == 2 and "--offline" in offline.err
    no_cassette = run(capsys, "eval", str(suite), "--offline")
    assert no_cassette.code == 2 and "no bundled cassette" in no_cassette.err
    missing = run(capsys, "eval", "no-such-suite")
    assert missing.code == 2 and "no suite file or bundled suite" in missing.err
    not_a_log = run(capsys, "eval", "report", str(suite))
    assert not_a_log.code == 2 and "looks like a suite file" in not_a_log.err
    no_suite = run(capsys, "eval", "run")
    assert no_suite.code == 2 and "no suite given" in no_suite.err


def test_schema_list_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    schema = run(capsys, "eval", "--schema")
    assert schema.code == 0 and schema.out == suite_json_schema_text()
    listed = run(capsys, "eval", "list", "--json")
    assert listed.code == 0
    assert isinstance(json.loads(listed.out), list)
    shown = run(capsys, "eval", "--help")
    assert shown.code == 0
    for word in ("agentcore eval SUITE", "report", "compare", "rescore", "list", "Exit codes"):
        assert word in shown.out

"""rescore(): the scorers run again on the logged samples; a new log, the old one untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from eval_testkit import SUITE, scorer_registry, write_suite

from agentcore.api import Team
from agentcore.config import load_settings
from agentcore.errors import UserError
from agentcore.evals import EvalLog
from agentcore.evals._log import read_log
from agentcore.evals._rescore import rescore
from agentcore.evals._runner import run_eval
from agentcore.evals._suite import load_suite
from agentcore.plugins import Registry


@pytest.fixture(scope="module")
def registry() -> Registry:
    return scorer_registry()


async def evaluated(tmp_path: Path, registry: Registry, text: str = SUITE) -> EvalLog:
    path = write_suite(tmp_path / "suite", text)
    (path.parent / "data.csv").write_text("penguins\n")
    team = Team.load(settings=load_settings(), registry=registry)
    return await run_eval(
        load_suite(path, registry=registry),
        team=team,
        model="scripted:hello",
        epochs=2,
        out_dir=tmp_path / "out",
    )


async def test_a_changed_scorer_takes_effect_in_a_new_log(
    tmp_path: Path, registry: Registry, tmp_data_dir: Path
) -> None:
    log = await evaluated(tmp_path, registry)
    assert log.path is not None and log.summary is not None
    before = log.path.read_text()
    suite_file = tmp_path / "suite" / "suite.yaml"
    suite_file.write_text(SUITE.replace("expected: goodbye", "expected: worked on"))
    new = await rescore(read_log(log.path), registry=registry)
    assert log.path.read_text() == before
    assert new.path is not None and new.path.parent == log.path.parent and new.path != log.path
    assert read_log(new.path) == new and new.finished
    assert new.header.eval_id.startswith(f"{log.header.eval_id}-rescored-")
    passed = {(s.case_id, s.epoch): s.passed for s in new.samples}
    assert passed[("wrong", 1)] and passed[("wrong", 2)]
    assert not passed[("limited", 1)]
    assert new.summary is not None and new.summary.accuracy == pytest.approx(4 / 6)
    assert log.summary.accuracy == pytest.approx(2 / 6)
    # runs are not re-made: the same runs, traces and usage
    assert [s.run_id for s in new.samples] == [s.run_id for s in log.samples]
    assert new.summary.duration_s == log.summary.duration_s


WORKSPACE_SUITE = """\
name: ws
cases:
  - id: a
    input: Say hello
    files: [data.csv]
    scorers: [{file_says: {file: data.csv, text: penguins}}]
"""


async def test_a_workspace_scorer_on_a_deleted_workspace_is_a_scorer_error(
    tmp_path: Path, registry: Registry, tmp_data_dir: Path
) -> None:
    log = await evaluated(tmp_path, registry, WORKSPACE_SUITE)
    assert log.path is not None and all(s.passed for s in log.samples)
    again = await rescore(read_log(log.path), registry=registry)
    assert all(s.passed for s in again.samples)  # the workspaces are still there
    shutil.rmtree(log.path.parent / log.header.eval_id / "work")
    new = await rescore(read_log(log.path), registry=registry)
    for sample in new.samples:
        assert (sample.passed, sample.failure) == (False, "scorer_error")
        assert "workspace no longer exists" in sample.scores[0].explanation


async def test_a_log_whose_suite_is_gone_or_changed_cannot_be_rescored(
    tmp_path: Path, registry: Registry, tmp_data_dir: Path
) -> None:
    log = await evaluated(tmp_path, registry)
    assert log.path is not None
    suite_file = tmp_path / "suite" / "suite.yaml"
    suite_file.write_text(SUITE.replace("id: wrong", "id: renamed"))
    with pytest.raises(UserError, match="no longer has case 'wrong'"):
        await rescore(read_log(log.path), registry=registry)
    suite_file.unlink()
    with pytest.raises(UserError, match=r"its suite file .* is gone"):
        await rescore(read_log(log.path), registry=registry)
    assert len(list(log.path.parent.glob("*.jsonl"))) == 1

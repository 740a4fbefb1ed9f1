"""run_eval() on scripted models: samples, workspaces, limits, the eval's own data folder,
retries of infrastructure failures only, failure classes, resume, stop, record and replay."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from eval_testkit import scorer_registry, write_suite

from agentcore.api import RunResult, Team
from agentcore.config import load_settings
from agentcore.errors import UserError
from agentcore.evals import EvalLog, SampleRecord, Suite
from agentcore.evals._log import read_log
from agentcore.evals._runner import EvalRunner, run_eval
from agentcore.evals._suite import load_suite
from agentcore.plugins import Registry


@pytest.fixture(scope="module")
def registry() -> Registry:
    return scorer_registry()


@pytest.fixture
def team(tmp_data_dir: Path, registry: Registry) -> Team:
    settings = load_settings({"retries": {"max_attempts": 2, "max_wait_s": 0.01}})
    return Team.load(settings=settings, registry=registry)


@pytest.fixture
def suite(tmp_path: Path, registry: Registry) -> Suite:
    return load_suite(write_suite(tmp_path / "suite"), registry=registry)


def logs(folder: Path) -> list[Path]:
    return list(folder.glob("*.jsonl"))


def by_sample(log: EvalLog) -> dict[tuple[str, int], SampleRecord]:
    return {(s.case_id, s.epoch): s for s in log.samples}


async def test_every_case_runs_once_per_epoch_into_the_log(
    suite: Suite, team: Team, tmp_path: Path, tmp_data_dir: Path
) -> None:
    out = tmp_path / "out"
    seen: list[tuple[str, int]] = []
    log = await run_eval(
        suite,
        team=team,
        model="scripted:hello",
        epochs=2,
        concurrency=3,
        out_dir=out,
        on_sample=lambda r: seen.append((r.case_id, r.epoch)),
    )
    assert log.path == out / f"{log.header.eval_id}.jsonl"
    assert sorted(seen) == sorted(by_sample(log)) and len(seen) == 6
    assert read_log(log.path) == log
    samples = by_sample(log)
    assert {k: (s.passed, s.failure) for k, s in samples.items()} == {
        ("ok", 1): (True, None),
        ("ok", 2): (True, None),
        ("wrong", 1): (False, "wrong_answer"),
        ("wrong", 2): (False, "wrong_answer"),
        ("limited", 1): (False, "limit_reached"),
        ("limited", 2): (False, "limit_reached"),
    }
    ok = samples[("ok", 1)]
    assert ok.attempts == 1 and ok.tool_calls == 1 and ok.model == "scripted:hello"
    assert ok.usage.by_agent.keys() >= {"planner", "researcher", "coder", "synthesis"}
    assert ok.workspace == str(out / log.header.eval_id / "work" / "ok-e1")
    assert samples[("limited", 2)].limit == "max_tool_calls"
    assert log.summary is not None
    assert log.summary.accuracy == pytest.approx(2 / 6)
    assert log.summary.failures == {"wrong_answer": 2, "limit_reached": 2}
    assert log.header.case_ids == ["ok", "wrong", "limited"] and log.header.epochs == 2
    # the runs went to the eval's own data folder, not the user's
    assert not (tmp_data_dir / "runs").exists()
    data = out / log.header.eval_id / "data"
    assert len(list(data.glob("samples/*/runs/*.jsonl"))) == 6  # a data folder per sample
    assert ok.agent_time_s.keys() >= {"planner", "researcher", "coder", "synthesis"}
    assert log.summary.agent_time_s.keys() == ok.agent_time_s.keys()


async def test_limits_are_defaults_then_suite_then_case(
    suite: Suite, team: Team, tmp_path: Path
) -> None:
    log = await run_eval(suite, team=team, model="scripted:hello", out_dir=tmp_path)
    limits = {
        s.case_id: next(r for r in s.trace if r["type"] == "run_start")["limits"]
        for s in log.samples
    }
    assert limits["ok"]["max_steps"] == 6 and limits["ok"]["max_tool_calls"] == 40
    assert limits["limited"]["max_steps"] == 6 and limits["limited"]["max_tool_calls"] == 1
    assert limits["ok"]["timeout_s"] == 900.0  # the Limits default


async def test_case_files_are_copied_into_each_workspace(
    tmp_path: Path, team: Team, registry: Registry
) -> None:
    folder = tmp_path / "suite"
    write_suite(
        folder,
        """\
        name: files
        cases:
          - id: reads
            input: Say hello
            files: [data.csv]
            scorers: [{file_says: {file: data.csv, text: "penguins"}}]
        """,
    )
    (folder / "data.csv").write_text("species\npenguins\n")
    log = await run_eval(
        load_suite(folder, registry=registry),
        team=team,
        model="scripted:hello",
        epochs=2,
        out_dir=tmp_path / "out",
    )
    assert [s.passed for s in log.samples] == [True, True]
    for s in log.samples:
        assert s.workspace is not None
        assert (Path(s.workspace) / "data.csv").read_text() == "species\npenguins\n"


class FlakyTeam(Team):
    """A team whose runs raise (the harness failing) for the first ``failures`` attempts."""

    failures: ClassVar[int] = 0
    calls: ClassVar[int] = 0

    async def arun(self, task: str, **kwargs: Any) -> RunResult:
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise OSError("disk on fire")
        return await super().arun(task, **kwargs)


@pytest.mark.parametrize(("failures", "attempts", "passed"), [(1, 2, True), (5, 3, False)])
async def test_harness_failures_are_retried_at_most_twice(
    tmp_path: Path, team: Team, registry: Registry, failures: int, attempts: int, passed: bool
) -> None:
    suite = load_suite(write_suite(tmp_path / "s"), registry=registry)
    flaky = FlakyTeam(settings=team.settings, registry=team.registry, agents=team.agents)
    FlakyTeam.failures, FlakyTeam.calls = failures, 0
    log = await run_eval(
        suite, team=flaky, model="scripted:hello", case_ids=["ok"], out_dir=tmp_path / "out"
    )
    (sample,) = log.samples
    assert (sample.attempts, sample.passed) == (attempts, passed)
    assert FlakyTeam.calls == attempts
    if not passed:
        assert sample.failure == "infra_error" and sample.status == "failed"
        assert sample.error == "OSError: disk on fire"
        assert log.summary is not None and log.summary.failures == {"infra_error": 1}


def failing_script(folder: Path, *, retryable: bool) -> str:
    script = folder / "fails.yaml"
    fault = {"error": {"message": "the provider is overloaded", "retryable": retryable}}
    script.write_text(json.dumps({"repeat_last": True, "responses": [fault]}))
    return f"scripted:{script}"


@pytest.mark.parametrize(("retryable", "attempts"), [(True, 3), (False, 1)])
async def test_only_transient_model_failures_are_retried(
    suite: Suite, team: Team, tmp_path: Path, retryable: bool, attempts: int
) -> None:
    log = await run_eval(
        suite,
        team=team,
        model=failing_script(tmp_path, retryable=retryable),
        case_ids=["ok"],
        out_dir=tmp_path / "out",
    )
    (sample,) = log.samples
    assert sample.failure == "model_error" and sample.status == "failed"
    assert sample.attempts == attempts


async def test_a_scorer_that_raises_is_a_scorer_error(
    tmp_path: Path, team: Team, registry: Registry
) -> None:
    path = write_suite(
        tmp_path,
        """\
        name: boom
        scorers: [completed_with, boom]
        cases:
          - {id: a, input: Say hello, expected: worked on}
        """,
    )
    log = await run_eval(
        load_suite(path, registry=registry), team=team, model="scripted:hello", out_dir=tmp_path
    )
    (sample,) = log.samples
    assert [s.passed for s in sample.scores] == [True, False]
    assert sample.scores[1].details == {"error": "RuntimeError: the scorer blew up"}
    assert (sample.passed, sample.failure) == (False, "scorer_error")
    assert log.summary is not None and log.summary.accuracy == 0.0  # unscored, not counted
    assert log.summary.failures == {"scorer_error": 1}


def test_selection_by_case_ids_and_tags(suite: Suite, team: Team, tmp_path: Path) -> None:
    def runner(**kwargs: Any) -> EvalRunner:
        return EvalRunner(suite, team=team, model="scripted:hello", out_dir=tmp_path, **kwargs)

    assert runner(case_ids=["wrong", "ok"]).prepare().header.case_ids == ["ok", "wrong"]
    assert runner(tags=["hard"]).prepare().header.case_ids == ["wrong", "limited"]
    assert len(runner(tags=["hard"], epochs=3).prepare().jobs) == 6
    with pytest.raises(UserError, match="has no case 'nope'") as exc:
        runner(case_ids=["nope"]).prepare()
    assert exc.value.hint == "its cases: ok, wrong, limited"
    with pytest.raises(UserError, match="no case of suite 'tiny' has the tag"):
        runner(tags=["nope"]).prepare()
    assert not logs(tmp_path)  # prepare writes nothing


async def test_bad_models_and_offline_without_a_cassette_are_refused(
    suite: Suite, team: Team, tmp_path: Path
) -> None:
    with pytest.raises(UserError, match="OPENAI_API_KEY"):
        await run_eval(suite, team=team, model="openai:gpt-4o-mini", out_dir=tmp_path)
    with pytest.raises(UserError, match="has no bundled cassette"):
        await run_eval(suite, team=team, model="", offline=True, out_dir=tmp_path)
    with pytest.raises(UserError, match="cannot use --model scripted:hello"):
        await run_eval(suite, team=team, model="scripted:hello", offline=True, out_dir=tmp_path)
    assert not logs(tmp_path)


def cut_after(log_path: Path, samples: int) -> None:
    """Leave the header, ``samples`` sample lines and half of the next one (a crash)."""
    lines = log_path.read_text().splitlines(keepends=True)
    log_path.write_text("".join(lines[: 1 + samples]) + lines[1 + samples][:40])


async def test_resume_runs_only_the_missing_samples(
    suite: Suite, team: Team, tmp_path: Path
) -> None:
    first = await run_eval(suite, team=team, model="scripted:hello", epochs=2, out_dir=tmp_path)
    assert first.path is not None
    cut_after(first.path, 2)
    kept = {(s.case_id, s.epoch) for s in read_log(first.path).samples}
    seen: list[tuple[str, int]] = []
    again = await run_eval(
        suite,
        team=team,
        model="ignored",
        resume=first.path,
        out_dir=tmp_path / "elsewhere",
        on_sample=lambda r: seen.append((r.case_id, r.epoch)),
    )
    assert len(seen) == 4 and not kept & set(seen)
    assert again.path == first.path and again.header == first.header
    assert set(by_sample(again)) == set(by_sample(first))
    assert read_log(first.path).finished and len(read_log(first.path).samples) == 6
    with pytest.raises(UserError, match="finished eval"):
        await run_eval(suite, team=team, model="x", resume=first.path, out_dir=tmp_path)


async def test_stop_drops_running_samples_and_writes_no_summary(
    suite: Suite, team: Team, tmp_path: Path
) -> None:
    runner = EvalRunner(
        suite, team=team, model="scripted:hello", epochs=2, concurrency=1, out_dir=tmp_path
    )
    stop: Callable[[SampleRecord], None] = lambda _record: runner.stop()  # noqa: E731
    runner.on_sample = stop
    log = await runner.run()
    assert runner.stopped and not log.finished and len(log.samples) == 1
    assert log.path is not None and len(read_log(log.path).samples) == 1
    resumed = await run_eval(suite, team=team, model="x", resume=log.path, out_dir=tmp_path)
    assert resumed.finished and len(resumed.samples) == 6


async def test_record_then_replay_gives_the_same_samples(
    suite: Suite, team: Team, tmp_path: Path
) -> None:
    cassette = tmp_path / "tiny.cassette.jsonl"
    recorded = await run_eval(
        suite, team=team, model="scripted:hello", record=cassette, out_dir=tmp_path / "a"
    )
    assert recorded.header.record == str(cassette)
    lines = [json.loads(line) for line in cassette.read_text().splitlines()]
    assert sorted((r["case_id"], r["epoch"]) for r in lines if r["type"] == "sample") == sorted(
        by_sample(recorded)
    )
    replayed = await run_eval(suite, team=team, model=f"replay:{cassette}", out_dir=tmp_path / "b")
    assert {k: (s.answer, s.passed) for k, s in by_sample(replayed).items()} == {
        k: (s.answer, s.passed) for k, s in by_sample(recorded).items()
    }


async def test_suite_collections_are_built_in_the_eval_data_folder(
    tmp_path: Path, registry: Registry, tmp_data_dir: Path
) -> None:
    folder = tmp_path / "suite"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "guide.md").write_text("# Install\n\nRun the installer.\n")
    write_suite(
        folder,
        """\
        name: rag
        scorers: [completed_with]
        collections: {guide: [docs]}
        cases:
          - {id: a, input: Say hello, expected: worked on}
        """,
    )
    settings = load_settings({"memory": {"embedder": "testing"}})
    team = Team.load(settings=settings, registry=registry)
    log = await run_eval(
        load_suite(folder, registry=registry), team=team, model="scripted:hello", out_dir=tmp_path
    )
    from agentcore_rag import collection_names

    assert collection_names(str(tmp_path / log.header.eval_id / "data" / "rag")) == ["guide"]
    assert not (tmp_data_dir / "rag").exists()

"""The results file, the plan and the worker pool, in-process with a fake executor."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import TracebackType

import pytest
from batch_helpers import max_overlap, read_results, write_jsonl

from agentcore.batch import (
    BatchRunner,
    BatchSummary,
    TaskJob,
    TaskResult,
    load_task_file,
    plan_batch,
    run_id_for,
)
from agentcore.batch import (
    read_results as read_past,
)
from agentcore.batch._output import ResultWriter
from agentcore.config import Settings, load_settings
from agentcore.errors import UserError


@pytest.fixture
def settings(tmp_data_dir: Path) -> Settings:
    return load_settings({"data_dir": str(tmp_data_dir)})


class FakeExecutor:
    """Tasks take a while (an event per task lets a test hold them); records concurrency."""

    name = "fake"

    def __init__(self, *, hold: bool = False, fail: set[str] | None = None) -> None:
        self.hold = hold
        self.fail = fail or set()
        self.running = 0
        self.most = 0
        self.started: list[str] = []
        self.release = asyncio.Event()
        self.both_running = asyncio.Event()
        self.entered = self.exited = False
        self.database_ready: list[bool] = []
        self.settings: Settings | None = None

    async def __aenter__(self) -> FakeExecutor:
        self.entered = True
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.exited = True

    async def run(self, job: TaskJob) -> TaskResult:
        self.running += 1
        self.most = max(self.most, self.running)
        if self.running == 2:
            self.both_running.set()
        self.started.append(job.task.id)
        if self.settings is not None:
            self.database_ready.append(self.settings.checkpoint_path.exists())
        try:
            if self.hold:
                await self.release.wait()
            for _ in range(3):
                await asyncio.sleep(0)  # let the other workers in
            if job.task.id in self.fail:
                raise RuntimeError(f"executor broke on {job.task.id}")
            return TaskResult(
                id=job.task.id,
                run_id=job.run_id,
                status="completed",
                answer=job.task.task.upper(),
                usage={"total": {"cost_usd": 0.25}},
                resumed=job.resume,
            )
        finally:
            self.running -= 1


def tasks_file(work_dir: Path, n: int) -> Path:
    return write_jsonl(
        work_dir / "t.jsonl", [{"id": f"t{i}", "task": f"task {i}"} for i in range(n)]
    )


async def run(
    settings: Settings,
    path: Path,
    out: Path,
    executor: FakeExecutor,
    *,
    resume: bool = False,
    concurrency: int = 3,
) -> BatchSummary:
    plan = await plan_batch(load_task_file(path), out, settings, resume=resume)
    return await BatchRunner(plan, executor, settings=settings, concurrency=concurrency).run()


def test_the_pool_never_exceeds_its_bound_and_writes_every_result(
    settings: Settings, work_dir: Path
) -> None:
    out = work_dir / "out.jsonl"
    executor = FakeExecutor(fail={"t4"})
    summary = asyncio.run(run(settings, tasks_file(work_dir, 10), out, executor, concurrency=3))
    assert executor.most == 3
    assert executor.entered and executor.exited
    assert executor.started == [f"t{i}" for i in range(10)]  # file order
    lines = read_results(out)
    assert sorted(line["id"] for line in lines) == sorted(f"t{i}" for i in range(10))
    broken = next(line for line in lines if line["id"] == "t4")
    assert broken["status"] == "failed"
    assert broken["error"] == "RuntimeError: executor broke on t4"
    assert summary.counts == {"completed": 9, "failed": 1}
    assert summary.cost_usd == pytest.approx(9 * 0.25)
    assert summary.exit_code == 1


def test_stop_interrupts_running_tasks_and_starts_no_more(
    settings: Settings, work_dir: Path
) -> None:
    out = work_dir / "out.jsonl"
    executor = FakeExecutor(hold=True)

    async def go() -> BatchSummary:
        plan = await plan_batch(
            load_task_file(tasks_file(work_dir, 6)), out, settings, resume=False
        )
        runner = BatchRunner(plan, executor, settings=settings, concurrency=2)
        running = asyncio.create_task(runner.run())
        await executor.both_running.wait()
        runner.stop()
        runner.stop()  # twice is once
        return await running

    summary = asyncio.run(go())
    assert summary.stopped and summary.exit_code == 130
    assert summary.counts == {"interrupted": 2, "not_started": 4}
    lines = read_results(out)
    assert sorted((line["id"], line["status"]) for line in lines) == [
        ("t0", "interrupted"),
        ("t1", "interrupted"),
    ]
    assert "--resume" in lines[0]["error"]


def test_resume_skips_final_results_and_reruns_the_rest(settings: Settings, work_dir: Path) -> None:
    path = tasks_file(work_dir, 4)
    out = write_jsonl(
        work_dir / "out.jsonl",
        [
            {"id": "t0", "status": "completed"},
            {"id": "t1", "status": "failed"},  # final: not retried
            {"id": "t2", "status": "interrupted"},
            {"id": "gone", "status": "completed"},  # not in the file any more: ignored
        ],
    )
    executor = FakeExecutor()
    summary = asyncio.run(run(settings, path, out, executor, resume=True))
    assert sorted(executor.started) == ["t2", "t3"]
    assert summary.skipped == 2 and summary.ran == 2
    assert summary.counts == {"completed": 3, "failed": 1}
    assert len(read_results(out)) == 6


def test_a_cut_short_last_line_is_dropped_on_resume(settings: Settings, work_dir: Path) -> None:
    out = work_dir / "out.jsonl"
    out.write_text('{"id": "t0", "status": "completed"}\n{"id": "t1", "stat')
    past = read_past(out)
    assert past.lines == 1 and past.cut_at == len('{"id": "t0", "status": "completed"}\n')
    asyncio.run(run(settings, tasks_file(work_dir, 2), out, FakeExecutor(), resume=True))
    assert [line["id"] for line in read_results(out)] == ["t0", "t1"]


def test_a_complete_last_line_without_newline_is_kept(work_dir: Path) -> None:
    out = work_dir / "out.jsonl"
    out.write_text('{"id": "t0", "status": "completed"}')
    past = read_past(out)
    assert past.lines == 1 and past.cut_at is None
    writer = ResultWriter(out, cut_at=past.cut_at)
    writer.write(TaskResult(id="t1", run_id="r", status="completed"))
    writer.close()
    assert [line["id"] for line in read_results(out)] == ["t0", "t1"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("hello\n{}\n", "out.jsonl:1: not JSON"),
        (
            '{"id": "a", "status": "completed"}\n[1]\n{"id": "b", "status": "completed"}\n',
            "out.jsonl:2: not a batch result (a JSON list",
        ),
        ('{"id": "a", "status": "weird"}\n', "unknown status 'weird'"),
        ('{"id": 3, "status": "completed"}\n', "no string 'id'"),
        (
            '{"id": "a", "status": "completed"}\nbroken\n{"id": "b", "status": "completed"}\n',
            "out.jsonl:2: not JSON",
        ),
    ],
)
def test_files_that_are_not_results_are_refused(work_dir: Path, text: str, words: str) -> None:
    out = work_dir / "out.jsonl"
    out.write_text(text)
    with pytest.raises(UserError) as exc:
        read_past(out)
    assert words in exc.value.message


def test_a_folder_is_not_a_results_file(work_dir: Path) -> None:
    with pytest.raises(UserError, match="is a folder"):
        read_past(work_dir)


def test_two_batches_cannot_write_one_results_file(work_dir: Path) -> None:
    out = work_dir / "out.jsonl"
    first = ResultWriter(out)
    try:
        with pytest.raises(UserError, match="another agentcore batch is writing"):
            ResultWriter(out)
    finally:
        first.close()
    ResultWriter(out).close()  # free again


def test_result_lines_are_complete_json_objects(work_dir: Path) -> None:
    out = work_dir / "out.jsonl"
    writer = ResultWriter(out)
    writer.write(TaskResult(id="a", run_id="r", status="completed", answer="line 1\nline 2 ✓"))
    writer.close()
    (line,) = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["answer"] == "line 1\nline 2 ✓"


def test_run_ids_are_stable_distinct_and_file_name_safe(work_dir: Path) -> None:
    a = run_id_for(work_dir / "my tasks.yaml", work_dir / "out.jsonl", "q/1 ü")
    assert a == run_id_for(work_dir / "my tasks.yaml", work_dir / "out.jsonl", "q/1 ü")
    assert a.startswith("batch-my-tasks-q-1-")
    assert all(c.isalnum() or c in "-._" for c in a)
    others = {
        run_id_for(work_dir / "my tasks.yaml", work_dir / "other.jsonl", "q/1 ü"),
        run_id_for(work_dir / "other.yaml", work_dir / "out.jsonl", "q/1 ü"),
        run_id_for(work_dir / "my tasks.yaml", work_dir / "out.jsonl", "q/1 u"),
    }
    assert a not in others and len(others) == 3


def test_max_overlap_helper_counts_ends_before_starts() -> None:
    lines = [
        {"started_at": 0.0, "finished_at": 1.0},
        {"started_at": 1.0, "finished_at": 2.0},
        {"started_at": 0.5, "finished_at": 1.5},
    ]
    assert max_overlap(lines) == 2


def test_the_checkpoint_database_is_ready_before_runs_start(
    settings: Settings, work_dir: Path
) -> None:
    # Runs that start together on a new database race to set it up ("database is locked").
    assert not settings.checkpoint_path.exists()
    executor = FakeExecutor()
    executor.settings = settings
    asyncio.run(run(settings, tasks_file(work_dir, 4), work_dir / "out.jsonl", executor))
    assert executor.database_ready == [True] * 4


def test_progress_display_counts_and_prints_failures() -> None:
    from io import StringIO

    from rich.console import Console

    from agentcore.batch import BatchTask
    from agentcore.batch._progress import ProgressDisplay

    out = StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    job = TaskJob(
        task=BatchTask(id="a", task="x"), line=1, run_id="r", resume=False, workspace=Path("w")
    )
    with ProgressDisplay(console, total=3, done=1) as progress:
        progress.started(job)
        progress.started(job)
        assert progress.running == 2
        progress.finished(
            TaskResult(id="a", run_id="r", status="completed", usage={"total": {"cost_usd": 0.5}})
        )
        progress.finished(TaskResult(id="b", run_id="r2", status="failed", error="model said no"))
        progress.stopping(0)
    text = out.getvalue()
    assert progress.failed == 1 and progress.running == 0
    assert "✗ b: failed — model said no" in text
    assert "3/3" in text
    assert "1 failed · 0 running · $0.5000" in text
    assert "stopping:" in text


def test_a_results_file_that_cannot_be_written_stops_the_batch(
    settings: Settings, work_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ResultWriter.write
    written: list[str] = []

    def write(self: ResultWriter, result: TaskResult) -> None:
        if written:
            raise OSError(28, "No space left on device")
        real(self, result)
        written.append(result.id)

    monkeypatch.setattr(ResultWriter, "write", write)
    executor = FakeExecutor()
    out = work_dir / "out.jsonl"
    with pytest.raises(UserError, match=r"cannot write to .*No space left on device") as exc:
        asyncio.run(run(settings, tasks_file(work_dir, 6), out, executor, concurrency=1))
    assert "--resume" in (exc.value.hint or "")
    assert executor.started == ["t0", "t1"]  # no task started after the failed write
    assert [line["id"] for line in read_results(out)] == ["t0"]

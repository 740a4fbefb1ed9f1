"""`--executor ray` on a real local Ray instance (2 CPUs; skipped if Ray cannot start).

Skip it with ``-m 'not ray'``. Ray workers are separate processes that import agentcore
cold, so the tests keep the task count small.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from batch_helpers import by_id, failing_script, read_results, slow_script, write_jsonl

from agentcore.api import Team
from agentcore.batch import (
    BatchRunner,
    RayExecutor,
    load_task_file,
    plan_batch,
    run_batch,
    run_id_for,
)
from agentcore.batch._plan import checkpointed_runs
from agentcore.config import Settings, load_settings

os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")  # as import_ray does
ray = pytest.importorskip("ray")

pytestmark = [pytest.mark.ray, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    try:
        ray.init(
            num_cpus=2,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    except Exception as exc:  # no shared memory, no ports, ...: not this test's subject
        pytest.skip(f"a local Ray instance could not start: {type(exc).__name__}: {exc}")
    yield ray
    ray.shutdown()


@pytest.fixture
def team(tmp_data_dir: Path) -> Team:
    settings = load_settings({"data_dir": str(tmp_data_dir), "keep_runs": 1000})
    return Team.load(settings=settings)


def test_tasks_run_on_ray_workers(local_ray: Any, team: Team, work_dir: Path) -> None:
    broken = failing_script(work_dir / "broken.yaml")
    tasks = write_jsonl(
        work_dir / "t.jsonl",
        [
            {"id": "a", "task": "first", "metadata": {"n": 1}},
            {"id": "boom", "task": "x", "model": broken},
            {"id": "loop", "task": "x", "model": "scripted:loop", "limits": {"max_tool_calls": 2}},
            {"id": "b", "task": "second"},
        ],
    )
    out = work_dir / "out.jsonl"

    summary = asyncio.run(
        run_batch(
            team,
            tasks,
            out=out,
            model="scripted:echo",
            concurrency=2,
            executor=RayExecutor(team.settings),
        )
    )

    assert summary.executor == "ray"
    assert summary.counts == {"completed": 2, "failed": 1, "limit_reached": 1}
    lines = read_results(out)
    assert len(lines) == 4
    results = by_id(lines)
    assert results["a"]["answer"] == "first" and results["a"]["metadata"] == {"n": 1}
    assert "provider exploded" in results["boom"]["error"]
    assert results["loop"]["limit"] == "max_tool_calls"
    workers = {line["worker"] for line in lines}
    assert None not in workers
    assert all(int(w.rsplit(":", 1)[1]) != os.getpid() for w in workers)  # not this process
    for line in lines:  # the workers wrote the runs' traces to the driver's data dir
        assert (team.settings.runs_dir / f"{line['run_id']}.jsonl").exists()


def test_a_stopped_ray_batch_resumes_from_checkpoints(
    local_ray: Any, team: Team, work_dir: Path
) -> None:
    script = work_dir / "slow.yaml"
    model = slow_script(script, latency_s=60)
    tasks = write_jsonl(
        work_dir / "t.jsonl", [{"id": "s1", "task": "slow 1"}, {"id": "s2", "task": "slow 2"}]
    )
    out = work_dir / "out.jsonl"
    run_ids = [run_id_for(tasks, out, i) for i in ("s1", "s2")]

    async def stop_when_checkpointed(settings: Settings) -> Any:
        file = load_task_file(tasks)
        plan = await plan_batch(file, out, settings, resume=False, model=model)
        runner = BatchRunner(plan, RayExecutor(settings), settings=settings, concurrency=2)
        running = asyncio.create_task(runner.run())
        for _ in range(1200):
            found = await checkpointed_runs(settings, run_ids)
            if found.resumable == set(run_ids) or running.done():
                break
            await asyncio.sleep(0.1)
        runner.stop()
        return await running

    summary = asyncio.run(stop_when_checkpointed(team.settings))

    assert summary.stopped and summary.exit_code == 130
    assert summary.counts == {"interrupted": 2}
    assert {line["status"] for line in read_results(out)} == {"interrupted"}

    slow_script(script, latency_s=0)
    again = asyncio.run(
        run_batch(
            team,
            tasks,
            out=out,
            model=model,
            resume=True,
            concurrency=2,
            executor=RayExecutor(team.settings),
        )
    )

    assert again.counts == {"completed": 2}, [(r["status"], r["error"]) for r in read_results(out)]
    assert again.resumed == 2
    results = by_id(read_results(out))
    assert results["s1"]["answer"] == "answer: slow 1"
    assert results["s2"]["resumed"] is True

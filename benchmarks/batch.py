"""Batch throughput: N tasks of S model calls of latency L each, CONCURRENCY at a time.

Every task is a real run through the team (planner -> coder -> synthesis, checkpoints in
SQLite, a JSONL trace, one fsynced result line) on a scripted model (a FunctionChatModel)
whose every call takes L seconds: the planner's plan, S-2 coder calls (each but the last
calls the `think` tool), and the synthesis. Compared with, in this same run:

* ideal: ceil(N / CONCURRENCY) * S * L -- waves of CONCURRENCY tasks with zero overhead;
* bare asyncio: N coroutines that just sleep S * L under a semaphore of CONCURRENCY;
* Team.arun pool: the same N runs through ``Team.arun`` under a semaphore -- what the batch
  layer (task file, plan, worker pool, fsynced result lines) adds is the difference.

Target (issue #6): agentcore batch <= 1.25x the ideal, with N=200, CONCURRENCY=50.
Import and registry start-up are outside the timing (one warm-up task runs first).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from agentcore import Team
from agentcore.batch import BatchRunner, LocalExecutor, load_task_file, plan_batch
from agentcore.config import load_settings
from agentcore.plugins import hookimpl, load_registry
from agentcore.testing import CallInfo, FunctionChatModel

N = int(os.environ.get("BENCH_N", "200"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "50"))
CALLS = int(os.environ.get("BENCH_CALLS", "4"))
LATENCY = float(os.environ.get("BENCH_LATENCY", "1.0"))
TARGET = 1.25


def respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
    """The team's model: plan one coder step, CALLS-3 think calls, an answer, a synthesis."""
    if info.agent == "planner":
        step = {"id": "s1", "agent": "coder", "instruction": "go", "depends_on": []}
        call = {"name": "submit_plan", "args": {"steps": [step]}, "id": "p"}
        return AIMessage(content="", tool_calls=[call])
    if info.agent == "synthesis":
        return AIMessage(content="answer")
    if info.call_index < CALLS - 3:
        call = {"name": "think", "args": {"thought": "hm"}, "id": f"c{info.call_index}"}
        return AIMessage(content="", tool_calls=[call])
    return AIMessage(content="worked")


class Models:
    """``bench:LATENCY``: a new model per run (each run has its own call counts)."""

    @hookimpl
    def register_models(self, register: Any) -> None:
        register("bench", lambda name, settings: FunctionChatModel(respond, latency_s=float(name)))


async def run_batch(
    root: Path, name: str, n: int, team: Team, model: str
) -> tuple[float, Counter[str], int]:
    tasks = root / f"{name}.jsonl"
    tasks.write_text(
        "".join(json.dumps({"id": f"t{i}", "task": f"task {i}"}) + "\n" for i in range(n))
    )
    plan = await plan_batch(
        load_task_file(tasks),
        root / f"{name}.results.jsonl",
        team.settings,
        resume=False,
        model=model,
    )
    runner = BatchRunner(plan, LocalExecutor(team), settings=team.settings, concurrency=CONCURRENCY)
    start = time.perf_counter()
    summary = await runner.run()
    elapsed = time.perf_counter() - start
    lines = (root / f"{name}.results.jsonl").read_text().splitlines()
    calls = sum(json.loads(line)["usage"].get("total", {}).get("calls", 0) for line in lines)
    return elapsed, Counter(summary.counts), calls


async def run_bare() -> float:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        async with gate:
            for _ in range(CALLS):
                await asyncio.sleep(LATENCY)

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(N)))
    return time.perf_counter() - start


async def run_team_pool(team: Team, model: str) -> tuple[float, Counter[str]]:
    """The same runs through Team.arun under a semaphore: no batch file, plan or results."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> str:
        async with gate:
            return (await team.arun(f"task {i}", model=model)).status

    start = time.perf_counter()
    statuses = await asyncio.gather(*(one(i) for i in range(N)))
    return time.perf_counter() - start, Counter(statuses)


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = load_settings({"data_dir": str(root / "data"), "keep_runs": 10 * N})
        registry = load_registry(extra=[("bench", Models())])
        team = Team.load(settings=settings, registry=registry)
        await run_batch(root, "warm", 1, team, "bench:0")
        bare = await run_bare()
        pool, pool_counts = await run_team_pool(team, f"bench:{LATENCY}")
        elapsed, counts, calls = await run_batch(root, "bench", N, team, f"bench:{LATENCY}")
    ideal = math.ceil(N / CONCURRENCY) * CALLS * LATENCY
    print(
        f"{N} tasks x {CALLS} model calls x {LATENCY:g}s latency, concurrency {CONCURRENCY}; "
        f"model calls made: {calls} (expected {N * CALLS})"
    )
    print(f"{'':<18}{'wall s':>9}{'vs ideal':>10}")
    print(f"{'ideal':<18}{ideal:>9.2f}{1:>9.2f}x")
    print(f"{'bare asyncio':<18}{bare:>9.2f}{bare / ideal:>9.2f}x")
    print(f"{'Team.arun pool':<18}{pool:>9.2f}{pool / ideal:>9.2f}x")
    print(f"{'agentcore batch':<18}{elapsed:>9.2f}{elapsed / ideal:>9.2f}x")
    ratio = elapsed / ideal
    ok = counts.get("completed", 0) == N
    verdict = "met" if ratio <= TARGET and ok else "NOT met"
    print(f"task statuses: batch {dict(counts)}, Team.arun pool {dict(pool_counts)}")
    print(f"agentcore batch / ideal = {ratio:.2f}x (target <= {TARGET}x): {verdict}")


if __name__ == "__main__":
    asyncio.run(main())

"""Local sandbox speed and scale, against a plain `python -c` subprocess measured in this run.

Targets (issue #3): warm `run_code("print(1)")` p50 <= 5 ms; cold `Sandbox.create()` to the
first result p50 <= 150 ms; 16 sandboxes at once on 2 cores all complete and leak no process.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from agentcore.config import load_settings
from agentcore.sandbox import Sandbox
from agentcore.sandbox._local._uids import uid_processes

COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "20"))
WARM_RUNS = int(os.environ.get("BENCH_WARM_RUNS", "300"))
PARALLEL = 16


def p50_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def python_spawn() -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "print(1)"], check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    settings = load_settings({"data_dir": tempfile.mkdtemp(), "sandbox": {"pool_size": 0}})
    spawn = [python_spawn() for _ in range(COLD_RUNS)]

    cold = []
    for _ in range(COLD_RUNS):
        t = time.perf_counter()
        sbx = Sandbox.create(backend="local", settings=settings)
        out = sbx.run_code("print(1)")
        cold.append(time.perf_counter() - t)
        assert out.logs.stdout == ["1\n"], out
        sbx.kill()

    with Sandbox.create(backend="local", settings=settings) as sbx:
        sbx.run_code("print(1)")
        warm = []
        for _ in range(WARM_RUNS):
            t = time.perf_counter()
            sbx.run_code("print(1)")
            warm.append(time.perf_counter() - t)

    base = p50_ms(spawn)
    print(f"{'':<44}{'p50 ms':>9}{'vs python -c':>14}  target")
    print(f"{'python -c print(1) subprocess (baseline)':<44}{base:>9.2f}{1:>13.2f}x")
    print(
        f"{'cold: Sandbox.create() + first run_code':<44}{p50_ms(cold):>9.2f}"
        f"{p50_ms(cold) / base:>13.2f}x  <= 150 ms"
    )
    print(
        f"{'warm: run_code(print(1))':<44}{p50_ms(warm):>9.3f}"
        f"{p50_ms(warm) / base:>13.3f}x  <= 5 ms"
    )

    def one(i: int) -> tuple[int, int, float]:
        t = time.perf_counter()
        with Sandbox.create(backend="local", settings=settings) as sbx:
            result = sbx.run_code(f"sum(range({i + 1} * 200_000))")
            uid = sbx._lease.uid  # type: ignore[attr-defined]
        assert result.error is None, result.error
        return i, uid, time.perf_counter() - t

    t = time.perf_counter()
    with ThreadPoolExecutor(PARALLEL) as pool:
        done = list(pool.map(one, range(PARALLEL)))
    wall = time.perf_counter() - t
    uids = {uid for _, uid, _ in done}
    leaked = sum(len(uid_processes(uid)) for uid in uids if uid != os.getuid())
    print(
        f"{PARALLEL} sandboxes at once on {os.cpu_count()} cores: {len(done)}/{PARALLEL} completed "
        f"in {wall:.2f} s (p50 {p50_ms([d for *_, d in done]):.0f} ms each), "
        f"{len(uids)} distinct uids, {leaked} processes left afterwards"
    )


if __name__ == "__main__":
    main()

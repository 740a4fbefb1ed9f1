"""`agentcore --help` cold start against `python -c pass`, measured in the same run.

Target (issue #2): agentcore --help <= 3x python -c pass. Prints medians and the ratio.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time

RUNS = int(os.environ.get("BENCH_RUNS", "20"))


def median_s(cmd: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    exe = shutil.which("agentcore") or os.path.join(os.path.dirname(sys.executable), "agentcore")
    median_s([sys.executable, "-c", "pass"])  # warm the OS caches for both
    base = median_s([sys.executable, "-c", "pass"])
    help_ = median_s([exe, "--help"])
    sub = median_s([exe, "agents", "--help"])
    row = "{:<24}median {:7.1f} ms   {}"
    print(row.format("python -c pass", base * 1000, "(baseline)"))
    print(row.format("agentcore --help", help_ * 1000, f"ratio {help_ / base:.2f}x (target <= 3x)"))
    print(row.format("agentcore agents --help", sub * 1000, f"ratio {sub / base:.2f}x (no target)"))


if __name__ == "__main__":
    main()

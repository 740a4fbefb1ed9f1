"""`Team.load` against a bare `load_registry()` with no plugins, and RSS after loading.

A process that runs several teams builds each one fresh (`Team.load()`): plugin discovery,
tool registration and the agent files are read every time. Measured in one process, after a
first load that pays the imports:

- ``metadata scan``: one ``importlib.metadata.entry_points(group="agentcore")``, a scan of
  every installed distribution's metadata: the baseline, measured in the same run, whose cost
  does not depend on agentcore (what agentcore did on every load before it cached it).
- ``bare registry``: ``load_registry()`` with ``AGENTCORE_PLUGINS=""`` (built-ins only).
- ``load_registry()``: every installed plugin.
- ``Team.load()``: every installed plugin, the built-in agents, the team check.

The RSS figures come from fresh subprocesses: the interpreter with agentcore's tool layer
imported, then after ``load_registry()`` with every plugin.

    .venv/bin/python benchmarks/team_load.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

RUNS = int(os.environ.get("BENCH_RUNS", "20"))

_RSS_CHILD = """
import sys
def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
from agentcore.tools import tool  # the tool layer every load needs (langchain-core)
base = rss()
from agentcore.plugins import load_registry
registry = load_registry()
heavy = [m for m in ("duckdb", "pyarrow", "numpy", "pandas", "sklearn", "lancedb", "e2b",
                     "tavily", "langgraph") if m in sys.modules]
print(f"{base:.1f} {rss():.1f} {len(registry.tools)} {','.join(heavy) or '-'}")
"""


def median_ms(fn: Callable[[], object]) -> float:
    fn()  # the first call pays the imports
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def metadata_scan() -> object:
    from importlib.metadata import entry_points

    return list(entry_points(group="agentcore"))


def bare_registry() -> object:
    from agentcore.plugins import load_registry

    saved = os.environ.get("AGENTCORE_PLUGINS")
    os.environ["AGENTCORE_PLUGINS"] = ""
    try:
        return load_registry()
    finally:
        if saved is None:
            del os.environ["AGENTCORE_PLUGINS"]
        else:
            os.environ["AGENTCORE_PLUGINS"] = saved


def full_registry() -> object:
    from agentcore.plugins import load_registry

    return load_registry()


def team_load() -> object:
    from agentcore import Team

    return Team.load()


def main() -> None:
    base = median_ms(metadata_scan)
    bare = median_ms(bare_registry)
    registry = median_ms(full_registry)
    team = median_ms(team_load)
    row = "{:<34}median {:7.2f} ms   {}"
    print(f"{RUNS} loads each, one process")
    print(row.format("entry_points() metadata scan", base, "(baseline)"))
    print(row.format("load_registry() (no plugins)", bare, f"ratio {bare / base:.2f}x"))
    print(row.format("load_registry() (all plugins)", registry, f"ratio {registry / base:.2f}x"))
    print(row.format("Team.load()", team, f"ratio {team / base:.2f}x"))
    out = subprocess.run(
        [sys.executable, "-c", _RSS_CHILD], check=True, capture_output=True, text=True
    ).stdout.split()
    before, after, tools, heavy = float(out[0]), float(out[1]), out[2], out[3]
    print(
        f"RSS (fresh process): {before:.1f} MB with the tool layer imported, {after:.1f} MB "
        f"after load_registry() ({tools} tools): +{after - before:.1f} MB; "
        f"heavy modules imported: {heavy}"
    )


if __name__ == "__main__":
    main()

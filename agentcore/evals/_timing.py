"""Wall time per agent in one run, read from its trace's timestamps.

Workers: each step's ``step_end`` minus its ``step_start`` (parallel steps overlap, so the
agents' times may add up to more than the run's). The planner: from the run's start (or a
``replan``) to each ``plan``, or to its direct ``answer``. The synthesis: from the last step's
end to its ``answer``. Timestamps are the trace's (milliseconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def agent_times(trace: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Seconds each agent was at work in a run, from its trace."""
    times: dict[str, float] = {}
    started: dict[str, float] = {}  # step id -> its start
    anchor: float | None = None  # when the planner's current turn began
    last_end: float | None = None

    def add(agent: str, seconds: float) -> None:
        times[agent] = round(times.get(agent, 0.0) + max(seconds, 0.0), 3)

    for record in trace:
        kind, ts = record.get("type"), record.get("ts")
        if not isinstance(ts, int | float):
            continue
        if kind in ("run_start", "replan"):
            anchor = float(ts)
        elif kind == "plan" and anchor is not None:
            add("planner", ts - anchor)
            anchor = None
        elif kind == "step_start":
            started[str(record.get("step"))] = float(ts)
        elif kind == "step_end":
            start = started.pop(str(record.get("step")), None)
            if start is not None:
                add(str(record.get("agent", "?")), ts - start)
            last_end = float(ts)
        elif kind == "answer":
            agent = str(record.get("agent", "synthesis"))
            if record.get("direct") and anchor is not None:
                add(agent, ts - anchor)
            elif last_end is not None:
                add(agent, ts - last_end)
    return times

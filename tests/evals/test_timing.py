"""Per-agent wall time, read from a run's trace."""

from __future__ import annotations

from typing import Any

from agentcore.evals._timing import agent_times


def _r(kind: str, ts: float, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "ts": ts, **fields}


def test_planner_workers_and_synthesis_get_their_own_time() -> None:
    trace = [
        _r("run_start", 100.0),
        _r("plan", 101.5),
        _r("step_start", 101.6, agent="researcher", step="s1"),
        _r("step_start", 101.6, agent="coder", step="s2"),
        _r("step_end", 103.6, agent="researcher", step="s1"),
        _r("step_end", 104.1, agent="coder", step="s2"),
        _r("replan", 104.2),
        _r("plan", 104.7),
        _r("step_start", 104.8, agent="coder", step="s3"),
        _r("step_end", 105.8, agent="coder", step="s3"),
        _r("answer", 106.3, agent="synthesis"),
    ]
    assert agent_times(trace) == {
        "planner": 2.0,  # 1.5 for the plan, 0.5 for the re-plan
        "researcher": 2.0,
        "coder": 3.5,  # parallel steps overlap: each agent's own time
        "synthesis": 0.5,
    }


def test_a_direct_answer_is_the_planners_time_and_bad_records_are_skipped() -> None:
    trace = [
        _r("run_start", 10.0),
        {"type": "model_call", "agent": "planner"},  # no timestamp: ignored
        _r("answer", 12.25, agent="planner", direct=True),
    ]
    assert agent_times(trace) == {"planner": 2.25}
    assert agent_times([]) == {}


def test_a_step_cut_short_by_a_crash_counts_nothing() -> None:
    trace = [_r("run_start", 0.0), _r("plan", 1.0), _r("step_start", 1.0, agent="coder", step="s1")]
    assert agent_times(trace) == {"planner": 1.0}

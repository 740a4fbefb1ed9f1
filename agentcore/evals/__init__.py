"""The agent evaluation harness: suites of cases, scorers, epochs, logs, reports, record/replay.

``agentcore eval SUITE`` runs a suite; this package is the same harness as a Python API.
"""

from agentcore.evals._types import (
    Case,
    CaseSummary,
    EvalHeader,
    EvalLog,
    EvalSummary,
    FailureClass,
    Sample,
    SampleRecord,
    Score,
    Scorer,
    ScorerRef,
    Suite,
    ToolCallRecord,
)

__all__ = [
    "Case",
    "CaseSummary",
    "EvalHeader",
    "EvalLog",
    "EvalSummary",
    "FailureClass",
    "Sample",
    "SampleRecord",
    "Score",
    "Scorer",
    "ScorerRef",
    "Suite",
    "ToolCallRecord",
]

"""Built-in scorers, registered through the same hook as third-party plugins.

Importing the scorer modules is cheap: what they run (DuckDB, the sandbox, scikit-learn,
a judge model) is imported when they score.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentcore.evals._types import Scorer
from agentcore.evals.scorers._budget import Budget
from agentcore.evals.scorers._code import CodeTests
from agentcore.evals.scorers._judge import LlmJudge
from agentcore.evals.scorers._match import Contains, Exact, JsonSubset, Numeric, QuasiExact, Regex
from agentcore.evals.scorers._ml import MlMetric
from agentcore.evals.scorers._retrieval import Citations, RetrievalRecall
from agentcore.evals.scorers._sql import SqlResult
from agentcore.evals.scorers._trajectory import Trajectory
from agentcore.plugins import hookimpl

__all__ = ["BUILTIN_SCORERS", "register_scorers"]

BUILTIN_SCORERS: tuple[type[Scorer], ...] = (
    Exact,
    QuasiExact,
    Numeric,
    Contains,
    Regex,
    JsonSubset,
    SqlResult,
    Trajectory,
    Budget,
    CodeTests,
    MlMetric,
    RetrievalRecall,
    Citations,
    LlmJudge,
)


@hookimpl
def register_scorers(register: Callable[[str, Any], None]) -> None:
    """Register every built-in scorer under its name."""
    for scorer in BUILTIN_SCORERS:
        register(scorer.name, scorer)

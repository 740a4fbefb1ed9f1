"""Scorers: what turns a finished run into scores.

A suite names scorers with their options; :func:`get_scorer` finds each in the plugin registry
(built-ins register through the same ``register_scorers`` hook as third-party plugins) and
validates the options into an instance. ``await scorer.score(sample)`` never raises for a wrong
answer: it returns a failing :class:`Score` saying why.
"""

from agentcore.evals._types import Sample, Score, Scorer
from agentcore.evals.scorers._answer import code_blocks, final_answer, numbers
from agentcore.evals.scorers._budget import Budget
from agentcore.evals.scorers._code import CodeTests
from agentcore.evals.scorers._judge import LlmJudge
from agentcore.evals.scorers._match import (
    Contains,
    Exact,
    JsonSubset,
    Numeric,
    QuasiExact,
    Regex,
    gaia_match,
)
from agentcore.evals.scorers._ml import MlMetric
from agentcore.evals.scorers._registry import get_scorer, scorer_names
from agentcore.evals.scorers._retrieval import Citations, RetrievalRecall
from agentcore.evals.scorers._sql import SqlResult, compare_results
from agentcore.evals.scorers._trajectory import Trajectory

__all__ = [
    "Budget",
    "Citations",
    "CodeTests",
    "Contains",
    "Exact",
    "JsonSubset",
    "LlmJudge",
    "MlMetric",
    "Numeric",
    "QuasiExact",
    "Regex",
    "RetrievalRecall",
    "Sample",
    "Score",
    "Scorer",
    "SqlResult",
    "Trajectory",
    "code_blocks",
    "compare_results",
    "final_answer",
    "gaia_match",
    "get_scorer",
    "numbers",
    "scorer_names",
]

"""The agent evaluation harness: suites of cases, scorers, epochs, logs, reports, record/replay.

``agentcore eval SUITE`` runs a suite; this package is the same harness as a Python API.

Example:
    ```python
    import asyncio
    from pathlib import Path

    from agentcore.evals import load_suite, run_eval

    suite = load_suite("sql-flights")  # a bundled suite, a suite.yaml, or its folder
    log = asyncio.run(run_eval(suite, model="replay:" + str(suite.directory / "cassette.jsonl.gz"),
                               out_dir=Path("eval-logs")))
    print(log.summary.accuracy if log.summary else "unfinished")
    ```

"""

from agentcore.evals._cassette import CassetteWriter, bundled_cassette, sample_scope
from agentcore.evals._compare import Comparison, compare, render_comparison
from agentcore.evals._log import LogWriter, read_log
from agentcore.evals._metrics import pass_at_k, pass_hat_k
from agentcore.evals._rescore import rescore
from agentcore.evals._runner import EvalRunner, run_eval
from agentcore.evals._suite import bundled_suites, load_suite, suite_json_schema
from agentcore.evals._summary import summarise
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
from agentcore.evals.report import render_table, write_html
from agentcore.evals.scorers import get_scorer, scorer_names

__all__ = [
    "Case",
    "CaseSummary",
    "CassetteWriter",
    "Comparison",
    "EvalHeader",
    "EvalLog",
    "EvalRunner",
    "EvalSummary",
    "FailureClass",
    "LogWriter",
    "Sample",
    "SampleRecord",
    "Score",
    "Scorer",
    "ScorerRef",
    "Suite",
    "ToolCallRecord",
    "bundled_cassette",
    "bundled_suites",
    "compare",
    "get_scorer",
    "load_suite",
    "pass_at_k",
    "pass_hat_k",
    "read_log",
    "render_comparison",
    "render_table",
    "rescore",
    "run_eval",
    "sample_scope",
    "scorer_names",
    "suite_json_schema",
    "summarise",
    "write_html",
]

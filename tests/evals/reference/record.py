"""Record a bundled suite's cassette from its scripted reference agent.

    uv run python -m tests.evals.reference.record SUITE [--cases ID,...] [--dry-run]
    make eval-cassettes            # every suite

The suite runs through the real harness (``run_eval``) with the real tools; every model call
is answered by the suite's reference policy (see ``_policy.py``) and written to
``evals/<suite>/cassette.jsonl.gz``. ``--dry-run`` runs without writing a cassette (to try a
policy), ``--cases`` runs some cases only (a partial cassette: only for trying things).

The model is named ``reference:<suite>`` in the cassette and the logs, so nobody mistakes a
replay of it for a model's work.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentcore import Team
from agentcore.config import load_settings
from agentcore.evals import EvalLog, Suite
from agentcore.evals._runner import run_eval
from agentcore.evals._suite import load_suite
from agentcore.plugins import hookimpl, load_registry
from agentcore.testing import FunctionChatModel
from tests.evals.reference._policy import ReferencePolicy

SUITES = ("routing", "sql-flights", "ml-tabular", "coding-humaneval", "rag-docs")
#: Samples at once while recording (the sandbox and DuckDB are the bottleneck, not the model).
CONCURRENCY = {"coding-humaneval": 8, "ml-tabular": 3}


def policy_for(suite: Suite) -> ReferencePolicy:
    """The suite's reference policy."""
    if suite.name == "sql-flights":
        from tests.evals.reference.sql_flights import SqlFlightsReference

        return SqlFlightsReference(suite)
    if suite.name == "ml-tabular":
        from tests.evals.reference.ml_tabular import MlTabularReference

        return MlTabularReference(suite)
    if suite.name == "coding-humaneval":
        from tests.evals.reference.coding_humaneval import HumanEvalReference

        return HumanEvalReference(suite)
    if suite.name == "rag-docs":
        from tests.evals.reference.rag_docs import RagDocsReference

        return RagDocsReference(suite)
    if suite.name == "routing":
        from tests.evals.reference.routing import RoutingReference

        return RoutingReference(suite)
    raise SystemExit(f"no reference policy for suite '{suite.name}'")


class _ReferenceModels:
    """Registers the model provider ``reference``: ``reference:<suite>`` is its policy."""

    def __init__(self, model: FunctionChatModel) -> None:
        self.model = model

    @hookimpl
    def register_models(self, register: Callable[[str, Any], None]) -> None:
        register("reference", lambda name, settings: self.model)


def reference_team(suite: Suite, policy: ReferencePolicy | None = None) -> tuple[Team, str]:
    """A team whose model ``reference:<suite>`` is the suite's reference policy (or ``policy``)."""
    chosen = policy if policy is not None else policy_for(suite)
    model = FunctionChatModel(chosen, script_name=f"reference-{suite.name}")
    registry = load_registry(extra=[("reference-models", _ReferenceModels(model))])
    spec = f"reference:{suite.name}"
    team = Team.load(settings=load_settings({"model": spec}), registry=registry)
    return team, spec


def cassette_path(suite: Suite) -> Path:
    """Where the suite's bundled cassette goes."""
    return suite.directory / "cassette.jsonl.gz"


async def record(name: str, *, cases: list[str] | None, dry_run: bool, out_dir: Path) -> EvalLog:
    """Run the suite on its reference policy, writing the cassette unless ``dry_run``."""
    suite = load_suite(name)
    team, spec = reference_team(suite)
    target = None if dry_run else cassette_path(suite)
    if target is not None and target.exists():
        target.unlink()  # a cassette appends; a new recording starts from nothing
    return await run_eval(
        suite,
        team=team,
        model=spec,
        concurrency=CONCURRENCY.get(name, 4),
        case_ids=cases,
        out_dir=out_dir,
        record=target,
    )


def _report(log: EvalLog, seconds: float) -> None:
    summary = log.summary
    assert summary is not None
    passed = sum(s.passed for s in log.samples)
    print(f"{log.header.suite}: {passed}/{len(log.samples)} passed in {seconds:.0f} s ({log.path})")
    for sample in log.samples:
        if not sample.passed:
            why = "; ".join(s.explanation for s in sample.scores if not s.passed)
            print(f"  FAIL {sample.case_id}: {sample.failure}: {why or sample.error}"[:400])


def main(argv: list[str] | None = None) -> None:
    """Command line: record one suite, or all of them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("suite", choices=[*SUITES, "all"])
    parser.add_argument("--cases", help="comma-separated case ids (for trying a policy)")
    parser.add_argument("--dry-run", action="store_true", help="do not write the cassette")
    parser.add_argument("--out", type=Path, help="where the eval logs go (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.cases and not args.dry_run:
        parser.error("--cases records a partial cassette: use it with --dry-run")
    names = SUITES if args.suite == "all" else (args.suite,)
    with tempfile.TemporaryDirectory(prefix="agentcore-record-") as tmp:
        out = args.out or Path(tmp)
        for name in names:
            started = time.perf_counter()
            log = asyncio.run(
                record(
                    name,
                    cases=args.cases.split(",") if args.cases else None,
                    dry_run=args.dry_run,
                    out_dir=out,
                )
            )
            _report(log, time.perf_counter() - started)
    sys.exit(0)


if __name__ == "__main__":
    main()

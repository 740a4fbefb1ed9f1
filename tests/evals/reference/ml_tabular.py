"""The reference agent for ml-tabular: an ML specialist that checks for leakage, then trains.

The planner gives the task to the ML specialist. The specialist runs ``leakage_check`` on the
case's file and target, leaves out every column the check flags (read from the tool's
answer, not from the suite: the policy does not know which columns are traps), and trains one
model with ``train_model``: ``logistic`` for classification, ``linear`` for regression (the
simple reference the agent's instructions ask for first). Its result quotes the tool's
report. The ml_metric scorer then reads the tracked model from the registry.

The policy excludes every column a finding names (its rule is the tool's advice: "exclude
it"), including findings of medium severity such as an identifier-like column.

Where ``leakage_check`` misses a leak, the reference trains on it and the trap case fails:
that is the honest figure for this policy.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from langchain_core.messages import AIMessage

from agentcore.evals._types import Case
from tests.evals.reference._policy import ReferencePolicy, Step, Turn, tool_calls

_TARGET = re.compile(r"target column is '([^']+)'")
_REGRESSION = re.compile(r"\bregression\b", re.I)
_FINDING = re.compile(r"^\d+\. [A-Z]+ \w+ \[(?P<columns>[^\]]+)\]:", re.M)


def target_of(case: Case) -> str:
    """The target column the case names."""
    found = _TARGET.search(case.input)
    if found is None:
        raise ValueError(f"case '{case.id}' names no target column")
    return found.group(1)


def flagged_columns(report: str) -> list[str]:
    """The columns the findings of a leakage_check report name, in order.

    Findings are numbered lines such as ``1. HIGH near_perfect_predictor [followup]: ...``;
    the bracket names the columns (a finding about the rows, such as duplicates, names none).
    """
    found: list[str] = []
    for match in _FINDING.finditer(report):
        for name in match.group("columns").split(","):
            if name.strip() and name.strip() not in found:
                found.append(name.strip())
    return found


class MlTabularReference(ReferencePolicy):
    """ML specialist: leakage_check, train_model without the flagged columns, report."""

    def plan(self, case: Case) -> list[Step]:
        return [Step(id="s1", agent="ml_specialist", instruction=case.input)]

    def work(self, turn: Turn) -> AIMessage | str:
        case = turn.case
        data = PurePosixPath(case.files[0]).name
        target = target_of(case)
        if turn.index == 0:
            return tool_calls([("leakage_check", {"data": data, "target": target})], turn=0)
        if turn.index == 1:
            report = turn.result("leakage_check")
            exclude = flagged_columns(report)
            family = "linear" if _REGRESSION.search(case.input) else "logistic"
            args: dict[str, object] = {"data": data, "target": target, "family": family}
            if exclude:
                args["exclude"] = exclude
            return tool_calls([("train_model", args)], turn=1)
        return (
            "Leakage check, then one model (the simple reference family).\n\n"
            f"{turn.result('leakage_check')}\n\n{turn.result('train_model')}"
        )

"""A failed model call's ``error`` trace record says what failed and whether it was transient,
so the eval runner can retry a sample that failed on a 429 and not one that failed on a 400."""

from __future__ import annotations

from typing import Any

import pytest

from agentcore.evals._scoring import failure_class, retryable_model_failure
from agentcore.testing import ScriptedChatModel
from tests.graph.conftest import plan, say

# One attempt per call: the client's message then says "(1 attempt)" whether or not the
# failure was transient, so only the record's flag can tell.
ONE_ATTEMPT = {"retries": {"max_attempts": 1}}


def _fault(retryable: bool) -> dict[str, Any]:
    return {"error": {"message": "the provider said no", "retryable": retryable}}


def _script(where: str, retryable: bool) -> dict[str, Any]:
    agents: dict[str, list[Any]] = {
        "planner": [plan(("a", "coder", [])), plan(("b", "coder", [])), plan(("c", "coder", []))],
        "coder": [say("done")],
        "synthesis": [say("the answer")],
    }
    agents[where] = [_fault(retryable)]
    return {"agents": agents, "repeat_last": True}


@pytest.mark.parametrize("where", ["planner", "coder", "synthesis"])
@pytest.mark.parametrize("retryable", [True, False])
async def test_a_model_failure_records_whether_it_was_transient(
    make_team: Any, where: str, retryable: bool
) -> None:
    model = ScriptedChatModel(script=_script(where, retryable))
    result = await make_team(model, settings=ONE_ATTEMPT).arun("task")

    assert result.status == "failed"
    errors = [r for r in result.trace if r["type"] == "error"]
    assert errors and {r["agent"] for r in errors} == {where}
    for record in errors:
        assert record["retryable"] is retryable
        assert record["error_type"] == "ModelError"
        assert "the provider said no" in record["error"] and "(1 attempt)" in record["error"]
    if where == "coder":
        assert {r["step"] for r in errors} <= {"a", "b", "c"}
    # The eval runner retries the sample only when the failure was transient.
    assert retryable_model_failure(result.trace, result.error) is retryable
    classified = failure_class(
        status=result.status, error=result.error, trace=result.trace, scores=[]
    )
    assert classified == "model_error"


async def test_other_run_errors_name_their_type_without_a_retryable_flag(make_team: Any) -> None:
    model = ScriptedChatModel(script={"agents": {"planner": []}})  # runs out at once
    result = await make_team(model).arun("task")
    assert result.status == "failed"
    (record,) = [r for r in result.trace if r["type"] == "error"]
    assert record["error_type"] == "ScriptExhaustedError"
    assert "retryable" not in record

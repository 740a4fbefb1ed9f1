"""The plugin as agentcore sees it: registered tools, their metadata and their schemas."""

from __future__ import annotations

import os

import pytest
from agentcore_ml import TOOLS

from agentcore.plugins import load_registry
from agentcore.tools import Risk, tool_meta

NAMES = [
    "train_model",
    "evaluate_model",
    "predict",
    "leakage_check",
    "detect_drift",
    "fairness_report",
    "model_card",
]


def test_the_plugin_registers_every_tool() -> None:
    registry = load_registry()
    for tool in TOOLS:
        assert registry.tools[tool.name] is tool
        assert registry.owners["tools"][tool.name] == "ml"
    assert [t.name for t in TOOLS] == NAMES


def test_risks_and_timeouts() -> None:
    risks = {t.name: tool_meta(t).risk for t in TOOLS}
    assert risks["train_model"] is Risk.WRITES and risks["predict"] is Risk.WRITES
    assert risks["leakage_check"] is Risk.READ_ONLY and risks["detect_drift"] is Risk.READ_ONLY
    assert all(tool_meta(t).timeout_s > 1800 for t in TOOLS if t.name != "model_card")


@pytest.mark.parametrize("tool", TOOLS, ids=NAMES)
def test_the_model_sees_documented_arguments_but_not_the_context(tool: object) -> None:
    schema = tool.tool_call_schema.model_json_schema()  # type: ignore[attr-defined]
    assert "ctx" not in schema["properties"]
    assert all(p.get("description") for p in schema["properties"].values())
    assert len(tool.description) > 100  # type: ignore[attr-defined]


def test_train_model_schema_offers_the_families_and_tasks() -> None:
    from agentcore_ml import train_model

    props = train_model.tool_call_schema.model_json_schema()["properties"]
    assert props["family"]["enum"] == [
        "logistic",
        "linear",
        "random_forest",
        "hist_gradient_boosting",
        "knn",
    ]
    assert props["task"]["enum"] == ["auto", "classification", "regression"]
    assert os.path.basename(train_model.description) != ""


async def test_cancelling_a_call_kills_its_sandbox() -> None:
    import asyncio
    import threading

    from agentcore_ml._execute import Call
    from agentcore_ml._host import offload

    killed = threading.Event()

    class Fake:
        def kill(self) -> None:
            killed.set()

    def work(call: Call) -> str:
        call.sandbox = Fake()  # type: ignore[assignment]
        killed.wait(10)
        return "finished"

    task = asyncio.create_task(offload(work))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert killed.wait(5)


@pytest.mark.parametrize(
    ("error", "stdout", "message"),
    [
        (("TimeoutError", ""), [], "ran past its time limit of 60 s"),
        (("MemoryError", ""), [], "ran out of memory in the sandbox"),
        (("KeyError", "'x'"), [], "failed inside the sandbox: KeyError: 'x'"),
        (None, ["no markers here"], "returned no result from the sandbox"),
        (None, ['<<M>>{"ok": false, "error": "bad column"}<<M>>'], "bad column"),
    ],
)
def test_sandbox_outcomes_become_tool_errors(
    error: tuple[str, str] | None, stdout: list[str], message: str
) -> None:
    from agentcore_ml._execute import parse

    from agentcore.sandbox import Execution, ExecutionError, Logs
    from agentcore.tools import ToolError

    execution = Execution(
        logs=Logs(stdout=stdout),
        error=None
        if error is None
        else ExecutionError(name=error[0], value=error[1], traceback=""),
    )
    with pytest.raises(ToolError, match=message):
        parse(execution, "<<M>>", "train_model", 60)


def test_a_result_between_the_markers_is_returned() -> None:
    from agentcore_ml._execute import parse

    from agentcore.sandbox import Execution, Logs

    execution = Execution(logs=Logs(stdout=['noise <<M>>{"ok": true, "x": 1}', "<<M>>\n"]))
    assert parse(execution, "<<M>>", "t", 60) == {"ok": True, "x": 1}

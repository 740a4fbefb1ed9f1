from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from agentcore_code import run_python

from agentcore.plugins import load_registry
from agentcore.tools import Risk, ToolContext, ToolError, config_with_context, tool_meta


def test_the_plugin_registers_run_python_as_code_execution() -> None:
    registry = load_registry()

    assert registry.tools["run_python"] is run_python
    assert registry.owners["tools"]["run_python"] == "code"
    meta = tool_meta(run_python)
    assert meta.risk is Risk.EXECUTES_CODE
    assert meta.timeout_s > 600  # the sandbox stops code (at 600 s at most) before the graph


def test_the_model_sees_code_and_timeout_but_not_the_context() -> None:
    schema = run_python.tool_call_schema.model_json_schema()

    assert sorted(schema["properties"]) == ["code", "timeout_s"]
    assert schema["required"] == ["code"]
    assert all(p.get("description") for p in schema["properties"].values())
    assert "State persists between calls" in run_python.description


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"max_stdout_chars": 0}, "max_stdout_chars must be a positive integer, got 0"),
        ({"traceback_lines": 2.5}, "traceback_lines must be a positive integer, got 2.5"),
        ({"idle_minutes": "ten"}, "idle_minutes must be a positive number, got 'ten'"),
        ({"max_timeout_s": 3600}, "max_timeout_s must be at most 600, got 3600"),
        ({"max_output": 5}, "unknown setting(s): max_output"),
    ],
)
async def test_bad_settings_are_reported_before_anything_runs(
    make_ctx: Callable[..., ToolContext],
    plugin_settings: dict[str, dict[str, Any]],
    settings: dict[str, Any],
    message: str,
) -> None:
    plugin_settings["code"] = settings
    with pytest.raises(ToolError, match="run_python is misconfigured") as info:
        await run_python.ainvoke({"code": "1"}, config=config_with_context(make_ctx()))
    assert message in info.value.message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"code": "  \n"}, "code is empty"),
        ({"code": "1", "timeout_s": 0}, "timeout_s must be a positive number of seconds"),
    ],
)
async def test_bad_arguments_are_tool_errors(
    make_ctx: Callable[..., ToolContext], args: dict[str, Any], message: str
) -> None:
    with pytest.raises(ToolError, match=message):
        await run_python.ainvoke(args, config=config_with_context(make_ctx()))

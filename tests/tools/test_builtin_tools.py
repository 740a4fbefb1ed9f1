from __future__ import annotations

from agentcore.plugins import load_registry
from agentcore.tools import Risk, tool_meta
from agentcore.tools._builtin import think


async def test_think_acknowledges_and_needs_no_context() -> None:
    result = await think.ainvoke({"thought": "first list the files, then read the CSV"})
    assert result.startswith("Thought recorded")


def test_think_is_read_only_and_documented_for_the_model() -> None:
    assert tool_meta(think).risk is Risk.READ_ONLY
    schema = think.tool_call_schema.model_json_schema()
    assert list(schema["properties"]) == ["thought"]
    assert schema["properties"]["thought"]["description"]
    assert "changes nothing" in think.description


def test_think_is_registered_by_the_builtin_plugin() -> None:
    registry = load_registry()
    assert registry.get("tools", "think") is think
    assert registry.owners["tools"]["think"] == "builtin:tools"

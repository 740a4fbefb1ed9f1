from __future__ import annotations

from agentcore_files import list_files, read_file, search_files, write_file

from agentcore.plugins import load_registry
from agentcore.tools import Risk, tool_meta


def test_the_plugin_registers_its_four_tools_with_their_risks() -> None:
    registry = load_registry()
    ours = {n: t for n, t in registry.tools.items() if registry.owners["tools"][n] == "files"}

    assert ours["list_files"] is list_files
    assert {n: tool_meta(t).risk for n, t in ours.items()} == {
        "list_files": Risk.READ_ONLY,
        "read_file": Risk.READ_ONLY,
        "write_file": Risk.WRITES,
        "search_files": Risk.READ_ONLY,
    }


def test_the_model_never_sees_the_context_parameter() -> None:
    for t in (list_files, read_file, write_file, search_files):
        props = t.tool_call_schema.model_json_schema()["properties"]
        assert "ctx" not in props
        assert all(p.get("description") for p in props.values()), t.name

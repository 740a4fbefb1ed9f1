from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from agentcore_sql import close_all, open_databases
from langchain_core.tools import BaseTool
from sql_testkit import Call, Events, Refused

from agentcore.testing import tool_context_factory
from agentcore.tools import ToolContext, ToolError, config_with_context

SALES_CSV = "region,month,amount\nnorth,1,10.5\nsouth,1,20\nnorth,2,7.25\neast,2,\n"


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No developer config; every database this test opened is closed when it ends."""
    for var in list(os.environ):
        if var.startswith("AGENTCORE_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.chdir(tmp_path)
    yield
    close_all()
    assert open_databases() == []


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A run workspace with a small CSV, and a secret beside it that must stay out of reach."""
    ws = tmp_path / "workspace"
    (ws / "data").mkdir(parents=True)
    (ws / "data" / "sales.csv").write_text(SALES_CSV)
    (tmp_path / "secret.csv").write_text("password\nhunter2\n")
    return ws


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A configured data dir: readable by queries, never writable."""
    d = tmp_path / "datasets"
    d.mkdir()
    (d / "regions.csv").write_text("region,manager\nnorth,Ada\nsouth,Grace\neast,Linus\n")
    return d


@pytest.fixture
def events() -> Events:
    return []


@pytest.fixture
def plugin_settings(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Plugin settings; tests change ``plugin_settings["sql"]``."""
    return {"sql": {"data_dirs": [str(data_dir)]}}


@pytest.fixture
def make_ctx(
    workspace: Path, tmp_path: Path, events: Events, plugin_settings: dict[str, dict[str, Any]]
) -> Callable[..., ToolContext]:
    """Build a run context; each call is a new run unless ``run_id`` is given."""
    return tool_context_factory(
        workspace=workspace,
        data_dir=tmp_path / "data-dir",
        events=events,
        settings=plugin_settings,
    )


@pytest.fixture
def ctx(make_ctx: Callable[..., ToolContext]) -> ToolContext:
    return make_ctx()


@pytest.fixture
def call(ctx: ToolContext) -> Call:
    """Invoke a tool the way the graph does: ``ainvoke`` with the context in the config."""

    async def run(t: BaseTool, *, context: ToolContext | None = None, **args: Any) -> str:
        result = await t.ainvoke(args, config=config_with_context(context or ctx))
        assert isinstance(result, str)
        return result

    return run


@pytest.fixture
def refused(call: Call) -> Refused:
    """Call a tool that must fail with a ToolError; return the message the model reads."""

    async def run(t: BaseTool, **args: Any) -> str:
        with pytest.raises(ToolError) as info:
            await call(t, **args)
        return info.value.message

    return run

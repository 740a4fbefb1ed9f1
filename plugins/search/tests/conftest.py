from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.tools import BaseTool
from search_testkit import TEST_KEY, Call, Events
from tavily_wire import FakeTavily

from agentcore.testing import tool_context_factory
from agentcore.tools import ToolContext, ToolError, config_with_context


def pytest_configure(config: pytest.Config) -> None:
    # The network guard and the clean environment, also when only plugins/search is collected.
    config.pluginmanager.import_plugin("agentcore.testing.pytest_plugin")


@pytest.fixture(autouse=True)
def hermetic(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No developer config, no proxy, no key unless a test sets one (live tests keep theirs)."""
    if request.node.get_closest_marker("live") is not None:
        return
    for var in list(os.environ):
        if var.startswith(("AGENTCORE_", "TAVILY_")) or var.lower().endswith("_proxy"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture
def tavily() -> Iterator[FakeTavily]:
    """A loopback Tavily; the real tavily-python SDK talks to it."""
    fake = FakeTavily()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TAVILY_API_KEY", TEST_KEY)
    return TEST_KEY


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Waits between attempts, recorded instead of slept."""
    from agentcore_search import _tavily

    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(_tavily, "SLEEP", sleep)
    return waited


@pytest.fixture
def plugin_settings() -> dict[str, dict[str, Any]]:
    """Plugin settings, live: tests change ``plugin_settings["search"]``."""
    return {"search": {}}


@pytest.fixture
def web_settings(
    plugin_settings: dict[str, dict[str, Any]], tavily: FakeTavily
) -> dict[str, dict[str, Any]]:
    plugin_settings["search"]["api_base_url"] = tavily.url
    return plugin_settings


@pytest.fixture
def events() -> Events:
    return []


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def make_ctx(
    tmp_path: Path, data_dir: Path, events: Events, plugin_settings: dict[str, dict[str, Any]]
) -> Callable[..., ToolContext]:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    return tool_context_factory(
        workspace=workspace,
        data_dir=data_dir,
        events=events,
        settings=plugin_settings,
        agent="researcher",
    )


@pytest.fixture
def call(make_ctx: Callable[..., ToolContext]) -> Call:
    """Invoke a tool the way the graph does: ``ainvoke`` with the context in the config."""

    async def run(t: BaseTool, **args: Any) -> str:
        result = await t.ainvoke(args, config=config_with_context(make_ctx()))
        assert isinstance(result, str)
        return result

    return run


@pytest.fixture
def refused(call: Call) -> Call:
    """Call a tool that must fail with a ToolError; return the message the model reads."""

    async def run(t: BaseTool, **args: Any) -> str:
        with pytest.raises(ToolError) as info:
            await call(t, **args)
        return info.value.message

    return run

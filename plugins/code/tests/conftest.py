from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from agentcore_code import SANDBOXES, close_all

from agentcore.testing import tool_context_factory
from agentcore.tools import ToolContext, config_with_context

#: The backends the end-to-end tests run on; adding one is one line.
BACKENDS = ["unsafe-subprocess"] + (["local"] if shutil.which("bwrap") else [])

Call = Callable[..., Awaitable[str]]
Events = list[tuple[str, dict[str, Any]]]


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No developer config, no leftover sandboxes: every test starts and ends clean."""
    import os

    for var in list(os.environ):
        if var.startswith("AGENTCORE_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.chdir(tmp_path)
    yield
    close_all()
    assert SANDBOXES.run_ids() == []


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The sandbox backend, chosen the way users choose it: through config."""
    name: str = request.param
    monkeypatch.setenv("AGENTCORE_SANDBOX_BACKEND", name)
    return name


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "workspace"
    ws.mkdir()
    return ws


@pytest.fixture
def events() -> Events:
    return []


@pytest.fixture
def plugin_settings() -> dict[str, dict[str, Any]]:
    """Plugin settings; tests put caps under ``plugin_settings["code"]``."""
    return {}


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
    """Call ``run_python`` the way the graph does: ``ainvoke`` with the context in the config."""
    from agentcore_code import run_python

    async def run(*, context: ToolContext | None = None, **args: Any) -> str:
        result = await run_python.ainvoke(args, config=config_with_context(context or ctx))
        assert isinstance(result, str)
        return result

    return run


def artifacts(events: Events) -> list[str]:
    return [data["path"] for kind, data in events if kind == "artifact"]

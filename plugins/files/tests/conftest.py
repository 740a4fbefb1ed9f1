from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from langchain_core.tools import BaseTool

from agentcore.tools import ToolContext, config_with_context

Call = Callable[..., Awaitable[str]]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A run workspace with a few files, and a secret beside it that must stay out of reach."""
    ws = tmp_path / "workspace"
    (ws / "data").mkdir(parents=True)
    (ws / "notes.md").write_text("# Notes\nfirst idea\nsecond idea\n")
    (ws / "data" / "sales.csv").write_text("region,amount\nnorth,10\nsouth,20\n")
    (ws / "data" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "secret.txt").write_text("password=hunter2\n")
    return ws


@pytest.fixture
def events() -> list[tuple[str, dict[str, Any]]]:
    return []


@pytest.fixture
def settings() -> dict[str, dict[str, Any]]:
    """Plugin settings; tests put caps under ``settings["files"]``."""
    return {}


@pytest.fixture
def ctx(
    workspace: Path,
    tmp_path: Path,
    events: list[tuple[str, dict[str, Any]]],
    settings: dict[str, dict[str, Any]],
) -> ToolContext:
    def emit(kind: str, data: Mapping[str, Any]) -> None:
        events.append((kind, dict(data)))

    return ToolContext(
        run_id="run-1",
        agent="coder",
        workspace=workspace,
        data_dir=tmp_path / "data-dir",
        settings=settings,
        emit=emit,
    )


@pytest.fixture
def call(ctx: ToolContext) -> Call:
    """Invoke a tool the way the graph does: ``ainvoke`` with the context in the config."""

    async def run(t: BaseTool, **args: Any) -> str:
        result = await t.ainvoke(args, config=config_with_context(ctx))
        assert isinstance(result, str)
        return result

    return run

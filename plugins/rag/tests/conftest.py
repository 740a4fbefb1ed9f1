from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from agentcore_rag import RagConfig
from rag_testkit import GUIDE_MD, MODULE_PY, NOTES_TXT

from agentcore.config import Settings, load_settings
from agentcore.testing import NetworkGuard, tool_context_factory
from agentcore.tools import ToolContext


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No network, no developer config, the test's own data dir and working directory."""
    for var in list(os.environ):
        if var.startswith("AGENTCORE_") or var.endswith("_API_KEY"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("AGENTCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AGENTCORE_MEMORY_EMBEDDER", "testing:hashing")
    monkeypatch.chdir(tmp_path)
    with NetworkGuard().installed():
        yield


@pytest.fixture
def plugin_settings() -> dict[str, dict[str, Any]]:
    """``Settings.plugins``; tests change ``plugin_settings["rag"]``."""
    return {"rag": {"lock_wait_s": 0.2}}


@pytest.fixture
def settings(plugin_settings: dict[str, dict[str, Any]]) -> Settings:
    """Settings with the fast test embedder (through the real registry)."""
    return load_settings({"plugins": plugin_settings})


@pytest.fixture
def config(settings: Settings) -> RagConfig:
    return RagConfig.from_settings(settings)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A small documentation folder: Markdown, text and Python, in a subdirectory too."""
    root = tmp_path / "docs"
    (root / "code").mkdir(parents=True)
    (root / "guide.md").write_text(GUIDE_MD)
    (root / "notes.txt").write_text(NOTES_TXT)
    (root / "code" / "penguins.py").write_text(MODULE_PY)
    return root


@pytest.fixture
def make_ctx(
    tmp_path: Path, settings: Settings, plugin_settings: dict[str, dict[str, Any]]
) -> Callable[..., ToolContext]:
    """Tool contexts whose data dir is the one ingest writes to."""
    ws = tmp_path / "workspace"
    ws.mkdir(exist_ok=True)
    return tool_context_factory(
        workspace=ws, data_dir=settings.data_dir, events=[], settings=plugin_settings
    )

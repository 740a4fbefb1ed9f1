"""Pytest plugin: offline, hermetic tests for agentcore and for projects built on it.

Enable it in a ``conftest.py``::

    pytest_plugins = ["agentcore.testing.pytest_plugin"]

It adds, for every test:

* a **network guard**: a connection to anything but loopback (127.0.0.0/8, ::1, localhost) or
  a unix socket fails the test with "agentcore tests are offline: ..." before any packet
  leaves; ``@pytest.mark.allow_network`` lifts it;
* a **clean environment**: provider keys (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``, ...),
  every ``AGENTCORE_*`` and every ``OTEL_*`` variable are removed, and the XDG config and
  data homes point at empty temporary folders, so a developer's own config never leaks into
  a test (nor are its spans sent to their collector).

Tests marked ``live`` (real providers) keep both the network and the environment.

Fixtures: ``scripted_model`` (a factory), ``tmp_data_dir``, ``clean_env``, ``network_guard``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agentcore.testing._network import NetworkGuard
from agentcore.testing._script_file import load_script_file
from agentcore.testing._scripted import ScriptedChatModel, coerce_script

_SECRET_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "TAVILY_API_KEY",
    "E2B_API_KEY",
)
_GUARD_KEY = pytest.StashKey[NetworkGuard]()


def _lifted(item: pytest.Item) -> bool:
    return any(item.iter_markers("allow_network")) or any(item.iter_markers("live"))


def pytest_configure(config: pytest.Config) -> None:
    """Register the plugin's markers."""
    config.addinivalue_line(
        "markers", "allow_network: let this test open non-loopback network connections"
    )
    config.addinivalue_line(
        "markers", "live: needs a real provider; keeps the network and the provider keys"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail a test that passed although the guard refused a connection.

    Such a test swallowed the guard's error, e.g. in a retry or a fallback.
    """
    result = yield
    guard = item.stash.get(_GUARD_KEY, None)
    if guard is not None and guard.blocked:
        host, port = guard.blocked[0]
        pytest.fail(
            f"agentcore tests are offline: a test tried to reach {host}:{port} "
            f"({len(guard.blocked)} attempt(s) blocked); use a scripted model or a loopback "
            "server, or mark the test @pytest.mark.allow_network",
            pytrace=False,
        )
    return result


@pytest.fixture(autouse=True)
def network_guard(request: pytest.FixtureRequest) -> Iterator[NetworkGuard | None]:
    """Block non-loopback connections for the test (None when the test lifts the guard)."""
    if _lifted(request.node):
        yield None
        return
    guard = NetworkGuard()
    request.node.stash[_GUARD_KEY] = guard
    with guard.installed():
        yield guard


@pytest.fixture(scope="session")
def _empty_xdg_homes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("agentcore-xdg")
    return base / "config", base / "data"


@pytest.fixture(autouse=True)
def clean_env(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    _empty_xdg_homes: tuple[Path, Path],
) -> None:
    """Remove provider keys, ``AGENTCORE_*`` and ``OTEL_*`` variables; empty XDG homes."""
    if any(request.node.iter_markers("live")):
        return
    for var in list(os.environ):
        if var in _SECRET_VARS or var.startswith(("AGENTCORE_", "OTEL_")):
            monkeypatch.delenv(var)
    config_home, data_home = _empty_xdg_homes
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))


@pytest.fixture
def tmp_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None) -> Path:
    """Give the test a fresh data dir (``AGENTCORE_DATA_DIR``) and an empty XDG config home.

    Returns:
        The data dir.

    """
    data_dir = tmp_path / "data"
    config_home = tmp_path / "config"
    data_dir.mkdir()
    config_home.mkdir()
    monkeypatch.setenv("AGENTCORE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    return data_dir


@pytest.fixture
def scripted_model() -> Callable[..., ScriptedChatModel]:
    """Make scripted models: a factory taking a script and optional ``name``/``repeat_last``.

    Example:
        ```python
        def test_planner(scripted_model):
            model = scripted_model({"planner": ["hi"], "*": ["ok"]}, repeat_last=True)
            other = scripted_model("tests/data/script.yaml")
        ```

    """

    def make(
        script: Any, *, name: str | None = None, repeat_last: bool = False
    ) -> ScriptedChatModel:
        base = load_script_file(script) if isinstance(script, str | Path) else script
        base = coerce_script(base)
        updates: dict[str, Any] = {"name": name} if name else {}
        if repeat_last:
            updates["repeat_last"] = True
        return ScriptedChatModel(script=base.model_copy(update=updates))

    return make

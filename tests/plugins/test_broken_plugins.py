"""Real entry-point plugins that fail to import (tests/fixtures/broken_plugin): reported in
``load_registry()``, ``agentcore plugins list`` and ``agentcore doctor``, skipped, and never
in the way of the others; ``AGENTCORE_PLUGINS`` keeps them from even being imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentcore.plugins import ALLOWLIST_ENV, load_registry

BROKEN_DIST = Path(__file__).parents[1] / "fixtures" / "broken_plugin"
BUILTINS = [
    "builtin:models",
    "builtin:tools",
    "builtin:sandboxes",
    "builtin:embedders",
    "builtin:scorers",
]


@pytest.fixture
def broken_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The broken distribution on sys.path: importlib.metadata finds its entry points."""
    monkeypatch.syspath_prepend(str(BROKEN_DIST))
    monkeypatch.delenv(ALLOWLIST_ENV, raising=False)
    for name in [m for m in sys.modules if m.startswith("agentcore_broken")]:
        monkeypatch.delitem(sys.modules, name)


def agentcore(*args: str, allow: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != ALLOWLIST_ENV}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BROKEN_DIST), env.get("PYTHONPATH")]))
    env["COLUMNS"] = "400"
    if allow is not None:
        env[ALLOWLIST_ENV] = allow
    return subprocess.run(
        [sys.executable, "-m", "agentcore.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


@pytest.mark.usefixtures("broken_installed")
def test_broken_entry_points_are_reported_and_skipped() -> None:
    registry = load_registry()

    info = {p.name: p for p in registry.plugins}
    assert info["broken-dep"].distribution == "agentcore-broken-plugin"
    assert info["broken-dep"].version == "0.3.1"
    assert info["broken-dep"].error == (
        "ModuleNotFoundError: No module named 'agentcore_no_such_dependency'"
    )
    assert info["crash"].error == "RuntimeError: the crash plugin is broken on purpose"
    assert info["still-fine"].error is None
    # everything else loaded: the same distribution's working plugin, other distributions
    assert registry.owners["tools"]["still_here"] == "still-fine"
    assert registry.owners["tools"]["shout"] == "example"
    assert registry.owners["tools"]["read_file"] == "files"
    assert [p.name for p in registry.plugins if p.error] == ["broken-dep", "crash"]


@pytest.mark.usefixtures("broken_installed")
def test_allowlist_leaves_broken_plugins_unimported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOWLIST_ENV, "still-fine,files")
    registry = load_registry()

    assert [p.name for p in registry.plugins] == [*BUILTINS, "files", "still-fine"]
    assert "agentcore_broken.crash" not in sys.modules
    assert "agentcore_broken.missing_dep" not in sys.modules
    assert "shout" not in registry.tools and "still_here" in registry.tools


@pytest.mark.usefixtures("broken_installed")
def test_empty_allowlist_loads_builtins_only_even_with_broken_plugins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ALLOWLIST_ENV, "")
    registry = load_registry()

    assert [p.name for p in registry.plugins] == BUILTINS
    assert not any(m.startswith("agentcore_broken.") for m in sys.modules)


def test_plugins_list_shows_distribution_version_kinds_and_errors() -> None:
    result = agentcore("plugins", "list")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}

    crash = lines["crash"]
    assert "agentcore-broken-plugin" in crash and "0.3.1" in crash
    assert "error: RuntimeError: the crash plugin is broken on purpose" in crash
    missing = "error: ModuleNotFoundError: No module named 'agentcore_no_such_dependency'"
    assert missing in lines["broken-dep"]
    fine = lines["still-fine"]
    assert "tools: still_here" in fine and fine.rstrip().endswith("ok")
    example = lines["example"]
    assert "agentcore-example-plugin" in example and "0.0.1" in example
    assert "tools: shout" in example and "models: echo-upper" in example
    assert "scorers: budget, citations" in lines["builtin:scorers"]
    assert "sandboxes: " in lines["builtin:sandboxes"]


def test_doctor_reports_the_broken_plugins_and_fails() -> None:
    result = agentcore("doctor")
    assert result.returncode == 1
    plugins = next(line for line in result.stdout.splitlines() if " plugins " in line)
    assert "2 failed" in plugins
    assert "broken-dep: ModuleNotFoundError" in plugins
    assert "crash: RuntimeError: the crash plugin is broken on purpose" in plugins


def test_doctor_with_the_broken_plugins_left_out_is_not_failing_on_plugins() -> None:
    result = agentcore("doctor", allow="files,example")
    plugins = next(line for line in result.stdout.splitlines() if " plugins " in line)
    assert "failed" not in plugins
    assert plugins.lstrip().startswith("✓")

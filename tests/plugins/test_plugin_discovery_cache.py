"""Entry-point discovery is cached per process, per installed set; registering is cheap.

The metadata scan runs again when ``sys.path`` or a directory on it changes (a distribution
installed or removed), never for a changed ``AGENTCORE_PLUGINS``, which applies to the cached
list at every load. Registering every installed plugin's tools imports no heavy library.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentcore.plugins import ALLOWLIST_ENV, _registry, load_registry


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(ALLOWLIST_ENV, raising=False)
    _registry.clear_discovery_cache()
    yield
    _registry.clear_discovery_cache()


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the metadata scans (calls of ``importlib.metadata.entry_points``)."""
    real = _registry.entry_points
    calls: list[str] = []

    def counting(group: str) -> Any:
        calls.append(group)
        return real(group=group)

    monkeypatch.setattr(_registry, "entry_points", counting)
    return calls


def install(site: Path, dist: str, plugin: str, tool_name: str) -> None:
    """A distribution as an installer leaves it: a module and a ``.dist-info`` directory."""
    module = f"agentcore_cachetest_{tool_name}"
    (site / f"{module}.py").write_text(
        textwrap.dedent(
            f'''
            from agentcore.plugins import hookimpl
            from agentcore.tools import tool


            @tool(name="{tool_name}")
            def _fn(text: str) -> str:
                """Return the text.

                Args:
                    text: Anything.
                """
                return text


            @hookimpl
            def register_tools(register):
                register(_fn)
            '''
        ),
        encoding="utf-8",
    )
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(f"[agentcore]\n{plugin} = {module}\n", encoding="utf-8")
    touch(site)


def touch(site: Path) -> None:
    # Installing changes the directory's modification time; make the change visible even on
    # a file system whose timestamps are coarser than the time between two steps of a test.
    stamp = site.stat().st_mtime_ns
    os.utime(site, ns=(stamp, stamp + 1_000_000_000))


def test_discovery_runs_once_for_many_loads(scans: list[str]) -> None:
    first = load_registry()
    for _ in range(5):
        again = load_registry()
        assert [p.name for p in again.plugins] == [p.name for p in first.plugins]
        assert again.tools.keys() == first.tools.keys()
    assert scans == ["agentcore"]


def test_allowlist_changes_apply_without_a_new_scan(
    scans: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "shout" in load_registry().tools
    monkeypatch.setenv(ALLOWLIST_ENV, "files")
    only_files = load_registry()
    assert "shout" not in only_files.tools and "read_file" in only_files.tools
    monkeypatch.setenv(ALLOWLIST_ENV, "")
    assert [p.name for p in load_registry().plugins if not p.builtin] == []
    monkeypatch.delenv(ALLOWLIST_ENV)
    assert "shout" in load_registry().tools
    assert scans == ["agentcore"]


def test_a_distribution_installed_or_removed_between_loads_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scans: list[str]
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))  # a new sys.path entry: scanned again
    assert "cachetest_one" not in load_registry().tools
    assert len(scans) == 1

    install(site, "cachetest-one", "cachetest-one", "cachetest_one")
    registry = load_registry()
    assert registry.owners["tools"]["cachetest_one"] == "cachetest-one"
    assert {p.name: p for p in registry.plugins}["cachetest-one"].distribution == "cachetest-one"
    assert len(scans) == 2

    load_registry()
    assert len(scans) == 2  # nothing changed: no scan

    install(site, "cachetest-two", "cachetest-two", "cachetest_two")
    assert {"cachetest_one", "cachetest_two"} <= set(load_registry().tools)
    assert len(scans) == 3

    for path in site.glob("cachetest_two*"):
        if path.is_dir():
            for child in path.iterdir():
                child.unlink()
            path.rmdir()
    touch(site)
    tools = load_registry().tools
    assert "cachetest_one" in tools and "cachetest_two" not in tools
    assert len(scans) == 4
    for name in [m for m in sys.modules if m.startswith("agentcore_cachetest_")]:
        monkeypatch.delitem(sys.modules, name)


def test_a_changed_sys_path_is_scanned_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scans: list[str]
) -> None:
    load_registry()
    monkeypatch.syspath_prepend(str(tmp_path))
    load_registry()
    assert len(scans) == 2


def test_a_replaced_entry_points_function_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "shout" in load_registry().tools
    monkeypatch.setattr(_registry, "entry_points", lambda group: [])
    assert "shout" not in load_registry().tools
    monkeypatch.undo()
    assert "shout" in load_registry().tools


HEAVY = (
    "duckdb",
    "pyarrow",
    "numpy",
    "pandas",
    "sklearn",
    "scipy",
    "lancedb",
    "e2b",
    "e2b_code_interpreter",
    "tavily",
    "pypdf",
    "bs4",
    "mlflow",
    "langgraph",
)


def test_registering_every_installed_plugin_imports_no_heavy_library() -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from agentcore.plugins import load_registry

        registry = load_registry()
        assert {{"sql_query", "sql_load", "sql_schema", "train_model", "rag_search",
                 "run_python", "web_search"}} <= set(registry.tools), sorted(registry.tools)
        failed = [p for p in registry.plugins if p.error]
        assert not failed, failed
        print(",".join(m for m in {HEAVY!r} if m in sys.modules))
        """
    )
    env = {k: v for k, v in os.environ.items() if k != ALLOWLIST_ENV}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "", f"imported at registration: {out.stdout.strip()}"


def test_importing_the_sql_package_does_not_import_duckdb() -> None:
    code = textwrap.dedent(
        """
        import sys
        import agentcore_sql

        assert agentcore_sql.sql_query.name == "sql_query"
        print(",".join(m for m in ("duckdb", "pyarrow", "numpy") if m in sys.modules))
        assert callable(agentcore_sql.close_all)  # loads the engine, and DuckDB, on use
        assert "duckdb" in sys.modules
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

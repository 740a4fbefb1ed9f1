"""Fixtures for CLI tests: a hermetic data dir, an in-process ``agentcore`` and a test plugin."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from cli_helpers import Cli, CliResult, CliTestPlugin

import agentcore.plugins
from agentcore.cli import main


@pytest.fixture(autouse=True)
def cli_home(tmp_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every CLI test: a fresh data dir, a working directory with no agentcore.toml, and a wide
    console so that tables do not fold their cells."""
    monkeypatch.setenv("COLUMNS", "240")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_data_dir


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    """Commands configure logging onto pytest's capture streams; undo it after each test."""
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == "agentcore"]:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)
    structlog.reset_defaults()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run ``agentcore ARGS...`` in-process through ``main()``; return code, stdout, stderr."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exc:
            main(list(args))
        captured = capsys.readouterr()
        code = exc.value.code
        return CliResult(
            code=code if isinstance(code, int) else 1, out=captured.out, err=captured.err
        )

    return run


@pytest.fixture
def cli_plugin(monkeypatch: pytest.MonkeyPatch) -> str:
    """Make every ``load_registry()`` call also load :class:`CliTestPlugin` as "cli-test"."""
    real = agentcore.plugins.load_registry
    monkeypatch.setattr(
        agentcore.plugins,
        "load_registry",
        functools.partial(real, extra=[("cli-test", CliTestPlugin())]),
    )
    return "cli-test"

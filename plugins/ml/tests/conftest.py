from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ml_testkit import Lab, clean_env, make_lab


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var, value in clean_env().items():
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture
def lab(tmp_path: Path) -> Lab:
    """A fresh workspace holding penguins.csv."""
    return make_lab(tmp_path)


@pytest.fixture(scope="module")
def shared_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """One workspace for a whole module, so that its trained models are reused."""
    patch = pytest.MonkeyPatch()
    for var, value in clean_env().items():
        if value is None:
            patch.delenv(var, raising=False)
        else:
            patch.setenv(var, value)
    yield make_lab(tmp_path_factory.mktemp("ml"))
    patch.undo()

"""Fixtures for memory tests: a fast embedder and a fresh table directory."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from memory_helpers import SCHEMA, TableFactory

from agentcore.memory import HybridTable
from agentcore.testing import HashingEmbedder

# the loopback server that speaks the providers' wire formats lives beside the model tests
sys.path.append(str(Path(__file__).resolve().parents[1] / "models"))


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def table_dir(tmp_path: Path) -> Path:
    return tmp_path / "lance"


@pytest.fixture
def open_table(table_dir: Path, embedder: HashingEmbedder) -> TableFactory:
    """``open_table(**kwargs)``: the table "t" in ``table_dir`` with the test schema."""

    def make(**kwargs: Any) -> HybridTable:
        kwargs.setdefault("schema", SCHEMA)
        kwargs.setdefault("embedder", embedder)
        return HybridTable.open(table_dir, "t", **kwargs)

    return make

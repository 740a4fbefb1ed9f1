"""Fixtures for memory tests: a fast embedder and a fresh table directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pytest

from agentcore.memory import HybridTable
from agentcore.testing import HashingEmbedder

SCHEMA = pa.schema(
    [pa.field("id", pa.string()), pa.field("text", pa.string()), pa.field("kind", pa.string())]
)

TableFactory = Callable[..., HybridTable]


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

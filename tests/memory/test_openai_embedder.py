"""The OpenAI embedder against a loopback server speaking the real /v1/embeddings format."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from provider_wire import FakeProvider, Reply, openai_error, serving

from agentcore.config import RetrySettings, Settings
from agentcore.errors import ModelError, UserError
from agentcore.memory import get_embedder
from agentcore.memory._openai import OpenAIEmbedder


@pytest.fixture
def server() -> Iterator[FakeProvider]:
    with serving() as provider:
        yield provider


@pytest.fixture
def settings() -> Settings:
    return Settings(retries=RetrySettings(max_attempts=2, max_wait_s=1.0, request_timeout_s=10.0))


@pytest.fixture
def keyed(server: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-embed")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
    return server


def embeddings(vectors: Sequence[Sequence[float]], *, order: Sequence[int] | None = None) -> Reply:
    """A /v1/embeddings response body, items in ``order`` (the API does not promise order)."""
    indexes = list(order) if order is not None else list(range(len(vectors)))
    return Reply(
        json_body={
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": list(vectors[i])} for i in indexes
            ],
            "model": "text-embedding-3-small",
            "usage": {"prompt_tokens": 3 * len(vectors), "total_tokens": 3 * len(vectors)},
        }
    )


def unit(dim: int, hot: int, scale: float = 1.0) -> list[float]:
    out = [0.0] * dim
    out[hot] = scale
    return out


def test_embeds_through_the_real_sdk(keyed: FakeProvider, settings: Settings) -> None:
    keyed.add(embeddings([unit(1536, 0, 3.0), unit(1536, 1)], order=[1, 0]))
    embedder = get_embedder("openai:text-embedding-3-small", settings=settings)
    assert (embedder.name, embedder.dim) == ("openai:text-embedding-3-small", 1536)

    vectors = embedder.embed_documents(["first text", "second text"])

    assert vectors.shape == (2, 1536) and vectors.dtype == np.float32
    assert vectors[0, 0] == pytest.approx(1.0)  # sorted back by index, and normalised
    assert vectors[1, 1] == pytest.approx(1.0)
    (request,) = keyed.requests
    assert request.path == "/v1/embeddings"
    assert request.headers["authorization"] == "Bearer sk-test-embed"
    assert request.body == {
        "model": "text-embedding-3-small",
        "input": ["first text", "second text"],
        "encoding_format": "float",
    }


def test_default_model_is_text_embedding_3_small(keyed: FakeProvider, settings: Settings) -> None:
    embedder = get_embedder("openai", settings=settings)
    assert embedder.name == "openai:text-embedding-3-small"
    assert keyed.requests == []  # the dimension is known without asking


def test_compatible_server_by_url_probes_the_dimension(
    server: FakeProvider, settings: Settings
) -> None:
    server.add(embeddings([unit(8, 2)]), embeddings([unit(8, 5)]))
    embedder = get_embedder(f"openai:nomic-embed-text@{server.url}/v1", settings=settings)
    assert embedder.name == "openai:nomic-embed-text"
    assert embedder.dim == 8
    query = embedder.embed_query("where is it?")
    assert query.shape == (8,) and query[5] == pytest.approx(1.0)
    assert [r.body["model"] for r in server.requests] == ["nomic-embed-text"] * 2
    assert server.requests[0].headers["authorization"] == "Bearer not-needed"


def test_large_inputs_are_batched(keyed: FakeProvider, settings: Settings) -> None:
    keyed.add(
        embeddings([unit(1536, i % 1536) for i in range(256)]),
        embeddings([unit(1536, 7) for _ in range(44)]),
    )
    embedder = get_embedder("openai", settings=settings)
    vectors = embedder.embed_documents([f"text {i}" for i in range(300)])
    assert vectors.shape == (300, 1536)
    assert [len(r.body["input"]) for r in keyed.requests] == [256, 44]
    assert vectors[299, 7] == pytest.approx(1.0)


def test_rate_limit_is_retried(keyed: FakeProvider, settings: Settings) -> None:
    keyed.add(
        Reply(
            status=429,
            json_body=openai_error("Rate limit reached", "requests", "rate_limit_exceeded"),
            headers={"retry-after": "0"},
        ),
        embeddings([unit(1536, 3)]),
    )
    vector = get_embedder("openai", settings=settings).embed_query("retry me")
    assert vector[3] == pytest.approx(1.0)
    assert len(keyed.requests) == 2


def test_bad_key_is_a_user_error(keyed: FakeProvider, settings: Settings) -> None:
    keyed.add(
        Reply(status=401, json_body=openai_error("Incorrect API key", "invalid_request_error"))
    )
    with pytest.raises(UserError, match="rejected the API key") as info:
        get_embedder("openai", settings=settings).embed_query("x")
    assert "OPENAI_API_KEY" in (info.value.hint or "")
    assert "sk-test-embed" not in str(info.value)


def test_unknown_model_is_a_user_error(keyed: FakeProvider, settings: Settings) -> None:
    keyed.add(
        Reply(
            status=404,
            json_body=openai_error("The model `nope` does not exist", "invalid_request_error"),
        )
    )
    with pytest.raises(UserError, match="does not exist"):
        get_embedder("openai:nope", settings=settings).embed_query("x")


def test_server_errors_after_retries_are_model_errors(
    keyed: FakeProvider, settings: Settings
) -> None:
    error = openai_error("The server had an error", "server_error")
    keyed.add(
        Reply(status=500, json_body=error, headers={"retry-after": "0"}),
        Reply(status=500, json_body=error, headers={"retry-after": "0"}),
    )
    with pytest.raises(ModelError, match="HTTP 500") as info:
        get_embedder("openai", settings=settings).embed_query("x")
    assert info.value.retryable and info.value.model == "openai:text-embedding-3-small"
    assert len(keyed.requests) == 2  # max_attempts


def test_a_short_response_is_an_error(server: FakeProvider) -> None:
    server.add(embeddings([unit(4, 0)]))
    embedder = OpenAIEmbedder("m", api_key="k", base_url=f"{server.url}/v1", max_retries=0, dim=4)
    with pytest.raises(ModelError, match="asked for 2 embeddings, got 1"):
        embedder.embed_documents(["a", "b"])


def test_unreachable_server_is_a_retryable_model_error() -> None:
    with serving() as gone:
        url = f"{gone.url}/v1"
    embedder = OpenAIEmbedder("m", api_key="k", base_url=url, max_retries=0, dim=4)
    with pytest.raises(ModelError, match="cannot reach") as info:
        embedder.embed_query("x")
    assert info.value.retryable

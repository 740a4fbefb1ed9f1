"""web_search without a Tavily key: RAG collections and long-term memory, labelled as offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from agentcore_search import web_search
from conftest import Call
from tavily_wire import FakeTavily

from agentcore.memory import HybridTable
from agentcore.testing import HashingEmbedder

OFFLINE = (
    "offline search (no TAVILY_API_KEY): results from local collections and memory, not the web."
)
CHUNK_SCHEMA = pa.schema(
    [
        pa.field("text", pa.string()),
        pa.field("path", pa.string()),
        pa.field("section", pa.string()),
        pa.field("line_start", pa.int64()),
        pa.field("line_end", pa.int64()),
    ]
)
DOCS = [
    {
        "text": "To rotate the signing keys, run keyctl rotate and restart the gateway.",
        "path": "ops/runbook.md",
        "section": "Key rotation",
        "line_start": 12,
        "line_end": 18,
    },
    {
        "text": "The gateway listens on port 8443 and terminates TLS for every service.",
        "path": "ops/architecture.md",
        "section": "Gateway",
        "line_start": 3,
        "line_end": 9,
    },
    {
        "text": "Lunch is served in the cafeteria on the second floor from noon.",
        "path": "handbook/office.md",
        "section": "Food",
        "line_start": 40,
        "line_end": 41,
    },
]


@pytest.fixture(autouse=True)
def hashing_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The configured embedder (memory's, which RAG inherits) is the fast test one."""
    monkeypatch.setenv("AGENTCORE_MEMORY_EMBEDDER", "testing:hashing")


def collection(data_dir: Path, name: str, rows: list[dict[str, Any]]) -> HybridTable:
    table = HybridTable.open(
        data_dir / "rag", f"rag_{name}", schema=CHUNK_SCHEMA, embedder=HashingEmbedder()
    )
    table.add(rows)
    return table


async def test_no_key_searches_collections_and_says_it_is_not_the_web(
    call: Call, data_dir: Path
) -> None:
    collection(data_dir, "ops", DOCS[:2])
    collection(data_dir, "handbook", DOCS[2:])

    text = await call(web_search, query="how do I rotate the signing keys", max_results=2)

    lines = text.splitlines()
    assert lines[0] == OFFLINE
    assert lines[1] == "searched: collection handbook (1 chunk), collection ops (2 chunks)."
    assert lines[3].startswith('Local results for "how do I rotate the signing keys" (2).')
    assert lines[5:9] == [
        "[1] runbook.md § Key rotation",
        "    Source: ops/runbook.md, lines 12-18, § Key rotation",
        "    from collection ops",
        "    To rotate the signing keys, run keyctl rotate and restart the gateway.",
    ]
    assert "[3]" not in text


async def test_web_only_filters_are_said_to_be_ignored(call: Call, data_dir: Path) -> None:
    collection(data_dir, "ops", DOCS[:2])

    text = await call(web_search, query="gateway port", topic="news", time_range="day")

    assert text.splitlines()[1] == (
        "topic, time_range and domain filters apply to web search only: ignored."
    )
    assert "[1] architecture.md § Gateway" in text


async def test_the_rag_uri_setting_is_where_collections_are_found(
    call: Call, tmp_path: Path, plugin_settings: dict[str, dict[str, Any]]
) -> None:
    elsewhere = tmp_path / "shared-rag"
    collection(elsewhere.parent / "unused", "x", DOCS[2:])  # in <unused>/rag: not configured
    HybridTable.open(elsewhere, "rag_ops", schema=CHUNK_SCHEMA, embedder=HashingEmbedder()).add(
        DOCS[:2]
    )
    plugin_settings["rag"] = {"uri": str(elsewhere)}

    text = await call(web_search, query="gateway TLS")

    assert "searched: collection ops (2 chunks)." in text
    assert "cafeteria" not in text


async def test_a_collection_made_by_another_embedder_is_skipped_and_said(
    call: Call, data_dir: Path
) -> None:
    HybridTable.open(
        data_dir / "rag", "rag_old", schema=CHUNK_SCHEMA, embedder=HashingEmbedder(dim=32)
    ).add(DOCS[2:])
    collection(data_dir, "ops", DOCS[:2])

    text = await call(web_search, query="gateway")

    assert "searched: collection ops (2 chunks)." in text
    assert "not searched: collection old (" in text
    assert "was embedded with 'testing:hashing-32 (32-d)'" in text
    assert "cafeteria" not in text


async def test_nothing_local_says_how_to_enable_search(call: Call, data_dir: Path) -> None:
    text = await call(web_search, query="anything")

    lines = text.splitlines()
    assert lines[0] == OFFLINE
    assert lines[1].startswith(
        f"There is no local knowledge to search yet: no RAG collection under {data_dir / 'rag'} "
        f"and no long-term memory under {data_dir / 'memory'}. To search the web, set "
        "TAVILY_API_KEY (a key from https://app.tavily.com). To search documents, ingest "
        "them: agentcore rag ingest PATH... --collection NAME."
    )
    assert not (data_dir / "rag").exists()  # a search creates nothing


async def test_backend_local_stays_offline_even_with_a_key(
    call: Call,
    data_dir: Path,
    key: str,
    tavily: FakeTavily,
    plugin_settings: dict[str, dict[str, Any]],
) -> None:
    plugin_settings["search"].update(backend="local", api_base_url=tavily.url)
    collection(data_dir, "ops", DOCS[:2])

    text = await call(web_search, query="gateway")

    assert text.splitlines()[0] == (
        'offline search ([plugins.search] backend = "local"): results from local collections '
        "and memory, not the web."
    )
    assert tavily.requests == []

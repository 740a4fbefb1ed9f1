"""web_search without a Tavily key: RAG collections and long-term memory, labelled as offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from agentcore_rag import collection_names, ingest, search
from agentcore_search import web_search
from search_testkit import Call
from tavily_wire import FakeTavily

from agentcore.config import load_settings
from agentcore.memory import Memory

OFFLINE = (
    "offline search (no TAVILY_API_KEY): results from local collections and memory, not the web."
)
RUNBOOK = """# Runbook

## Key rotation

To rotate the signing keys, run keyctl rotate and restart the gateway.
"""
ARCHITECTURE = """# Architecture

## Gateway

The gateway listens on port 8443 and terminates TLS for every service.
"""
OFFICE = """# Office

## Food

Lunch is served in the cafeteria on the second floor from noon.
"""


@pytest.fixture(autouse=True)
def hashing_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The configured embedder (memory's, which RAG inherits) is the fast test one."""
    monkeypatch.setenv("AGENTCORE_MEMORY_EMBEDDER", "testing:hashing")


def ingest_docs(
    data_dir: Path, collection: str, files: dict[str, str], rag: dict[str, Any] | None = None
) -> None:
    """Ingest markdown files into a collection with the RAG plugin, as a user would."""
    root = data_dir.parent / "docs" / collection
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    overrides = {"data_dir": str(data_dir), "plugins": {"rag": rag or {}}}
    ingest([root], collection=collection, settings=load_settings(overrides))


async def test_no_key_searches_collections_and_says_it_is_not_the_web(
    call: Call, data_dir: Path
) -> None:
    ingest_docs(data_dir, "ops", {"runbook.md": RUNBOOK, "architecture.md": ARCHITECTURE})
    ingest_docs(data_dir, "handbook", {"office.md": OFFICE})

    text = await call(web_search, query="how do I rotate the signing keys", max_results=2)

    # The citation is the RAG plugin's own, e.g. "ops/runbook.md § Runbook (lines 1-5)".
    settings = load_settings({"data_dir": str(data_dir)})
    (runbook,) = search("rotate signing keys", collection="ops", k=1, settings=settings).hits
    lines = text.splitlines()
    assert lines[0] == OFFLINE
    assert lines[1] == "searched: collections handbook, ops."
    assert lines[3].startswith('Local results for "how do I rotate the signing keys" (2).')
    assert lines[5:8] == [
        "[1] Runbook",
        f"    Source: {runbook.citation}",
        "    from collection ops",
    ]
    assert "    To rotate the signing keys, run keyctl rotate and restart the gateway." in lines
    assert str(runbook.citation).startswith("ops/runbook.md")
    assert "[2] Office" in text and "[3]" not in text


async def test_web_only_filters_are_said_to_be_ignored(call: Call, data_dir: Path) -> None:
    ingest_docs(data_dir, "ops", {"runbook.md": RUNBOOK, "architecture.md": ARCHITECTURE})

    text = await call(web_search, query="gateway port", topic="news", time_range="day")

    assert text.splitlines()[1] == (
        "topic, time_range and domain filters apply to web search only: ignored."
    )
    assert "[1] Architecture\n    Source: ops/architecture.md § Architecture" in text


async def test_the_rag_uri_setting_is_where_collections_are_found(
    call: Call, data_dir: Path, tmp_path: Path, plugin_settings: dict[str, dict[str, Any]]
) -> None:
    elsewhere = str(tmp_path / "shared-rag")
    ingest_docs(data_dir, "handbook", {"office.md": OFFICE})  # in <data_dir>/rag: not used
    ingest_docs(data_dir, "ops", {"architecture.md": ARCHITECTURE}, rag={"uri": elsewhere})
    plugin_settings["rag"] = {"uri": elsewhere}

    text = await call(web_search, query="gateway TLS")

    assert "searched: collection ops." in text
    assert "cafeteria" not in text


async def test_every_collection_is_searched_even_with_a_default_collection(
    call: Call, data_dir: Path, plugin_settings: dict[str, dict[str, Any]]
) -> None:
    ingest_docs(data_dir, "ops", {"architecture.md": ARCHITECTURE})
    ingest_docs(data_dir, "handbook", {"office.md": OFFICE})
    plugin_settings["rag"] = {"default_collection": "ops"}  # what rag_search searches

    text = await call(web_search, query="where is lunch served")

    assert "searched: collections handbook, ops." in text
    assert text.split("[1] ", 1)[1].startswith("Office")


async def test_a_collection_made_by_another_embedder_is_skipped_and_said(
    call: Call, data_dir: Path
) -> None:
    ingest_docs(data_dir, "old", {"office.md": OFFICE}, rag={"embedder": "testing:hashing-32"})
    ingest_docs(data_dir, "ops", {"architecture.md": ARCHITECTURE})

    text = await call(web_search, query="gateway")

    assert "searched: collection ops." in text
    assert (
        "not searched: collection old: table 'rag_old' at " in text
        and "was embedded with 'testing:hashing-32 (32-d)'" in text
    )
    assert "cafeteria" not in text


async def test_an_empty_collection_does_not_stop_the_search(call: Call, data_dir: Path) -> None:
    ingest_docs(data_dir, "empty", {})
    ingest_docs(data_dir, "ops", {"architecture.md": ARCHITECTURE})
    assert collection_names(str(data_dir / "rag")) == ["empty", "ops"]

    text = await call(web_search, query="gateway")

    assert "searched: collections empty, ops." in text
    assert "[1] Architecture" in text


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
    assert not (data_dir / "memory").exists()


async def test_backend_local_stays_offline_even_with_a_key(
    call: Call,
    data_dir: Path,
    key: str,
    tavily: FakeTavily,
    plugin_settings: dict[str, dict[str, Any]],
) -> None:
    plugin_settings["search"].update(backend="local", api_base_url=tavily.url)
    ingest_docs(data_dir, "ops", {"architecture.md": ARCHITECTURE})

    text = await call(web_search, query="gateway")

    assert text.splitlines()[0] == (
        'offline search ([plugins.search] backend = "local"): results from local collections '
        "and memory, not the web."
    )
    assert "[1] Architecture" in text
    assert tavily.requests == []


def remember(data_dir: Path, *texts: tuple[str, str]) -> None:
    """Store memories the way agents do, in the data dir's memory, with the test embedder."""
    memory = Memory.open(load_settings({"data_dir": str(data_dir)}))
    for text, kind in texts:
        memory.add(text, kind=kind, agent="researcher", run_id="run-0")


async def test_memories_are_searched_beside_collections(call: Call, data_dir: Path) -> None:
    ingest_docs(data_dir, "handbook", {"office.md": OFFICE})
    remember(
        data_dir,
        ("The staging gateway certificate expires on 2025-09-30.", "fact"),
        ("Always ask before restarting the production gateway.", "lesson"),
    )

    text = await call(web_search, query="gateway certificate expiry", max_results=3)

    assert text.splitlines()[0] == OFFLINE
    assert "searched: collection handbook and long-term memory." in text
    first = text.split("[1] ", 1)[1].split("\n\n", 1)[0].splitlines()
    assert first[0].startswith("fact remembered ")
    assert first[0].endswith(" (project scope)")
    assert first[1].startswith("    Source: memory ") and len(first[1].split()[-1]) == 8
    assert first[2:] == [
        "    from memory",
        "    The staging gateway certificate expires on 2025-09-30.",
    ]


async def test_memory_alone_is_enough_to_search(call: Call, data_dir: Path) -> None:
    remember(data_dir, ("The user prefers answers in metric units.", "preference"))

    text = await call(web_search, query="which units does the user prefer")

    assert "searched: long-term memory." in text
    assert "The user prefers answers in metric units." in text
    assert not (data_dir / "rag").exists()

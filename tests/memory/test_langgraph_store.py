"""LanceStore against the BaseStore contract: each test runs on LangGraph's InMemoryStore too.

Running the same assertions on the reference implementation keeps these tests honest about
what LangGraph promises (rather than what our store happens to do).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from langgraph.store.base import (
    BaseStore,
    GetOp,
    InvalidNamespaceError,
    ListNamespacesOp,
    MatchCondition,
    PutOp,
    SearchOp,
)
from langgraph.store.memory import InMemoryStore

from agentcore.config import Settings
from agentcore.memory._langgraph import LanceStore
from agentcore.testing import HashingEmbedder

EMBEDDER = HashingEmbedder()


def _embed(texts: list[str]) -> list[list[float]]:
    return [list(map(float, v)) for v in EMBEDDER.embed_documents(texts)]


@pytest.fixture(params=["lance", "inmemory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BaseStore]:
    if request.param == "lance":
        yield LanceStore.open(tmp_path / "store", embedder=EMBEDDER)
    else:
        yield InMemoryStore(index={"dims": EMBEDDER.dim, "embed": _embed, "fields": ["$"]})


def keys(items: list[object]) -> list[str]:
    return [getattr(i, "key") for i in items]  # noqa: B009


# --- put / get / delete --------------------------------------------------------------------


def test_put_then_get_returns_the_item(store: BaseStore) -> None:
    store.put(("users", "u1"), "prefs", {"units": "metric", "n": 3, "tags": ["a", "b"]})
    item = store.get(("users", "u1"), "prefs")
    assert item is not None
    assert item.namespace == ("users", "u1") and item.key == "prefs"
    assert item.value == {"units": "metric", "n": 3, "tags": ["a", "b"]}
    assert isinstance(item.created_at, datetime) and item.created_at.tzinfo is not None
    assert item.created_at <= item.updated_at


def test_get_missing_is_none(store: BaseStore) -> None:
    assert store.get(("users", "u1"), "nope") is None
    store.put(("users", "u1"), "k", {"v": 1})
    assert store.get(("users", "u2"), "k") is None
    assert store.get(("users",), "k") is None


def test_put_overwrites_and_keeps_created_at(store: BaseStore) -> None:
    store.put(("docs",), "d", {"v": 1})
    first = store.get(("docs",), "d")
    store.put(("docs",), "d", {"v": 2})
    second = store.get(("docs",), "d")
    assert first is not None and second is not None
    assert second.value == {"v": 2}
    assert second.updated_at >= first.updated_at
    if isinstance(store, LanceStore):  # InMemoryStore resets created_at on every put
        assert second.created_at == first.created_at
    assert len(store.search(("docs",))) == 1


def test_delete(store: BaseStore) -> None:
    store.put(("docs",), "d", {"v": 1})
    store.put(("docs",), "e", {"v": 2})
    store.delete(("docs",), "d")
    store.delete(("docs",), "never-existed")
    assert store.get(("docs",), "d") is None
    assert keys(store.search(("docs",))) == ["e"]


def test_namespaces_are_validated(store: BaseStore) -> None:
    with pytest.raises(InvalidNamespaceError):
        store.put(("a.b",), "k", {"v": 1})
    with pytest.raises(InvalidNamespaceError):
        store.put((), "k", {"v": 1})
    with pytest.raises(InvalidNamespaceError):
        store.put(("langgraph",), "k", {"v": 1})


def test_ops_passed_to_batch_are_validated_too(tmp_path: Path) -> None:
    # labels are joined with "." on disk, so ("a.b",) must never reach ("a", "b");
    # InMemoryStore keeps tuples and need not check (LangGraph: validate_op_namespace)
    store = LanceStore.open(tmp_path, embedder=EMBEDDER)
    store.put(("a", "b"), "k", {"v": 1})
    with pytest.raises(InvalidNamespaceError):
        store.batch([GetOp(("a.b",), "k")])
    with pytest.raises(InvalidNamespaceError):
        store.batch([SearchOp(("x", ""))])


# --- search --------------------------------------------------------------------------------


def fill_docs(store: BaseStore) -> None:
    store.put(("docs", "a"), "penguins", {"text": "penguins are flightless birds", "year": 2020})
    store.put(("docs", "a"), "sharks", {"text": "sharks are fish with cartilage", "year": 2021})
    store.put(("docs", "b"), "owls", {"text": "owls hunt at night", "year": 2022})
    store.put(("docsx",), "other", {"text": "birds in another namespace", "year": 2023})


def test_search_is_scoped_by_namespace_prefix(store: BaseStore) -> None:
    fill_docs(store)
    assert set(keys(store.search(("docs",)))) == {"penguins", "sharks", "owls"}
    assert set(keys(store.search(("docs", "a")))) == {"penguins", "sharks"}
    assert set(keys(store.search(()))) == {"penguins", "sharks", "owls", "other"}
    assert store.search(("nothing",)) == []


def test_search_filters(store: BaseStore) -> None:
    fill_docs(store)
    assert keys(store.search(("docs",), filter={"year": 2021})) == ["sharks"]
    assert set(keys(store.search(("docs",), filter={"year": {"$gte": 2021}}))) == {
        "sharks",
        "owls",
    }
    assert keys(store.search(("docs",), filter={"year": {"$lt": 2021}})) == ["penguins"]
    assert set(keys(store.search(("docs",), filter={"year": {"$ne": 2021}}))) == {
        "penguins",
        "owls",
    }
    assert store.search(("docs",), filter={"missing": 1}) == []


def test_search_nested_filter(store: BaseStore) -> None:
    store.put(("n",), "x", {"meta": {"lang": "en", "level": 2}})
    store.put(("n",), "y", {"meta": {"lang": "pt", "level": 5}})
    assert keys(store.search(("n",), filter={"meta": {"lang": "pt"}})) == ["y"]


def test_search_pages_through_everything_once(store: BaseStore) -> None:
    for i in range(7):
        store.put(("p",), f"k{i}", {"text": f"item number {i}"})
    pages = [keys(store.search(("p",), limit=3, offset=o)) for o in (0, 3, 6)]
    assert [len(p) for p in pages] == [3, 3, 1]
    assert sorted(k for page in pages for k in page) == [f"k{i}" for i in range(7)]


def test_search_with_a_query_ranks_by_relevance(store: BaseStore) -> None:
    fill_docs(store)
    results = store.search(("docs",), query="owls hunt at night", limit=2)
    assert results[0].key == "owls"
    assert results[0].score is not None
    assert len(results) == 2
    filtered = store.search(("docs",), query="birds", filter={"year": 2021})
    assert keys(filtered) == ["sharks"]


def test_query_pages_do_not_overlap(store: BaseStore) -> None:
    fill_docs(store)
    first = keys(store.search(("docs",), query="birds", limit=2))
    rest = keys(store.search(("docs",), query="birds", limit=2, offset=2))
    assert len(first) == 2 and len(rest) == 1 and not set(first) & set(rest)


def test_unindexed_items_are_stored_but_not_ranked(store: BaseStore) -> None:
    store.put(("u",), "plain", {"text": "owls hunt at night"}, index=False)
    store.put(("u",), "indexed", {"text": "penguins swim"})
    assert store.get(("u",), "plain") is not None
    results = store.search(("u",), query="owls hunt at night", limit=5)
    assert results[0].key == "indexed"
    assert [(r.key, r.score) for r in results[1:]] == [("plain", None)]


def test_index_on_chosen_fields(store: BaseStore) -> None:
    store.put(("f",), "a", {"title": "zebra stripes", "body": "nothing here"}, index=["title"])
    store.put(("f",), "b", {"title": "nothing here", "body": "zebra stripes"}, index=["title"])
    assert store.search(("f",), query="zebra stripes", limit=1)[0].key == "a"


# --- list_namespaces -----------------------------------------------------------------------


def fill_namespaces(store: BaseStore) -> None:
    for ns in [("a", "b", "c"), ("a", "b", "d"), ("a", "x"), ("z", "b", "v1"), ("z", "v1")]:
        store.put(ns, "k", {"v": 1})


def test_list_namespaces(store: BaseStore) -> None:
    fill_namespaces(store)
    assert store.list_namespaces() == [
        ("a", "b", "c"),
        ("a", "b", "d"),
        ("a", "x"),
        ("z", "b", "v1"),
        ("z", "v1"),
    ]
    assert store.list_namespaces(prefix=("a", "b")) == [("a", "b", "c"), ("a", "b", "d")]
    assert store.list_namespaces(suffix=("v1",)) == [("z", "b", "v1"), ("z", "v1")]
    assert store.list_namespaces(prefix=("*", "b")) == [
        ("a", "b", "c"),
        ("a", "b", "d"),
        ("z", "b", "v1"),
    ]
    assert store.list_namespaces(max_depth=1) == [("a",), ("z",)]
    assert store.list_namespaces(prefix=("a",), max_depth=2) == [("a", "b"), ("a", "x")]
    assert store.list_namespaces(limit=2, offset=1) == [("a", "b", "d"), ("a", "x")]


def test_deleted_namespaces_disappear(tmp_path: Path) -> None:
    # InMemoryStore keeps listing a namespace after its last item is deleted; we do not
    store = LanceStore.open(tmp_path, embedder=EMBEDDER)
    store.put(("gone",), "k", {"v": 1})
    store.delete(("gone",), "k")
    assert store.list_namespaces() == []


# --- batch ---------------------------------------------------------------------------------


def test_batch_results_follow_the_ops(store: BaseStore) -> None:
    store.put(("b",), "old", {"v": 0})
    results = store.batch(
        [
            PutOp(("b",), "new", {"v": 1}),
            GetOp(("b",), "old"),
            GetOp(("b",), "new"),  # reads see the store before this batch's writes
            SearchOp(("b",)),
            ListNamespacesOp(match_conditions=(MatchCondition("prefix", ("b",)),)),
        ]
    )
    assert results[0] is None
    assert getattr(results[1], "value", None) == {"v": 0}
    assert results[2] is None
    assert keys(results[3]) == ["old"]  # type: ignore[arg-type]
    assert results[4] == [("b",)]
    assert store.get(("b",), "new") is not None


def test_last_write_in_a_batch_wins(store: BaseStore) -> None:
    store.batch([PutOp(("w",), "k", {"v": 1}), PutOp(("w",), "k", {"v": 2})])
    item = store.get(("w",), "k")
    assert item is not None and item.value == {"v": 2}
    store.batch([PutOp(("w",), "k", {"v": 3}), PutOp(("w",), "k", None)])
    assert store.get(("w",), "k") is None


async def test_async_api(store: BaseStore) -> None:
    await store.aput(("as",), "k", {"text": "async owls"})
    item = await store.aget(("as",), "k")
    assert item is not None and item.value == {"text": "async owls"}
    assert keys(await store.asearch(("as",), query="owls")) == ["k"]
    assert await store.alist_namespaces() == [("as",)]
    await store.adelete(("as",), "k")
    assert await store.aget(("as",), "k") is None


# --- LanceStore only: persistence and TTL --------------------------------------------------


def test_items_persist_across_instances(tmp_path: Path) -> None:
    LanceStore.open(tmp_path, embedder=EMBEDDER).put(("p",), "k", {"text": "kept"})
    again = LanceStore.open(tmp_path, embedder=EMBEDDER)
    item = again.get(("p",), "k")
    assert item is not None and item.value == {"text": "kept"}


def test_from_settings_lives_beside_the_memories(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"data_dir": str(tmp_path), "memory": {"embedder": "testing:hashing"}}
    )
    store = LanceStore.from_settings(settings)
    store.put(("x",), "k", {"v": 1})
    assert store.table.uri == str(tmp_path / "memory")
    assert (tmp_path / "memory" / "store.lance").is_dir()


def test_ttl_expires_and_refreshes_on_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LanceStore.open(tmp_path, embedder=EMBEDDER)
    start = time.time()
    clock = [start]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    store.put(("t",), "short", {"text": "short lived"}, ttl=1.0)  # minutes
    store.put(("t",), "forever", {"text": "long lived"})

    clock[0] = start + 50
    assert store.get(("t",), "short") is not None  # the read refreshes the TTL
    clock[0] = start + 100
    assert store.get(("t",), "short", refresh_ttl=False) is not None
    clock[0] = start + 200
    assert store.get(("t",), "short") is None
    assert keys(store.search(("t",))) == ["forever"]
    assert store.list_namespaces() == [("t",)]
    store.put(("t",), "other", {"v": 1})  # a write sweeps what expired
    assert store.table.count("key = 'short'") == 0


def test_default_ttl_from_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LanceStore.open(tmp_path, embedder=EMBEDDER, ttl={"default_ttl": 1.0})
    store.put(("t",), "k", {"v": 1})
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    assert store.get(("t",), "k") is None

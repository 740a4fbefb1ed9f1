"""Memory: records, scopes, merging near-duplicates, TTLs, forget, stats, context."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agentcore.config import Settings, load_settings
from agentcore.errors import StoreError, UserError
from agentcore.memory import Memory
from agentcore.memory._store import same_statement
from agentcore.testing import HashingEmbedder

OpenMemory = Callable[..., Memory]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def open_memory(settings: Settings) -> OpenMemory:
    def make(**kwargs: Any) -> Memory:
        kwargs.setdefault("embedder", HashingEmbedder())
        kwargs.setdefault("project", "proj-a")
        return Memory.open(settings, **kwargs)

    return make


def texts(records: Any) -> list[str]:
    return [getattr(r, "record", r).text for r in records]


def test_add_stores_a_record_with_provenance(open_memory: OpenMemory, settings: Settings) -> None:
    memory = open_memory()
    before = time.time()
    record = memory.add(
        "  The penguins dataset has 344 rows  ",
        kind="fact",
        agent="researcher",
        run_id="run-1",
        source="penguins.csv",
    )
    assert record.text == "The penguins dataset has 344 rows"
    assert (record.kind, record.scope, record.project) == ("fact", "project", "proj-a")
    assert (record.agent, record.run_id, record.source) == ("researcher", "run-1", "penguins.csv")
    assert record.created_at >= before and record.created_at == record.updated_at
    assert record.expires_at is None and record.hits == 1 and not record.merged
    assert len(record.id) == 32
    assert [p.run_id for p in record.provenance] == ["run-1"]
    assert memory.table.uri == str(settings.data_dir / "memory")
    assert memory.get(record.id) == record


def test_memory_persists_and_is_found_in_a_new_instance(open_memory: OpenMemory) -> None:
    open_memory().add("The database password rotates every Monday", kind="fact")
    hits = open_memory().search("when does the password rotate?")
    assert hits[0].record.text == "The database password rotates every Monday"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"text": "   "}, "needs some text"),
        ({"text": "x" * 8001}, "at most 8000 characters"),
        ({"text": "t", "kind": "rumour"}, "unknown memory kind 'rumour'"),
        ({"text": "t", "scope": "galaxy"}, "unknown memory scope 'galaxy'"),
        ({"text": "t", "scope": "agent"}, "needs the agent's name"),
        ({"text": "t", "ttl_s": 0}, "ttl_s must be positive"),
    ],
)
def test_bad_input_is_a_user_error_and_stores_nothing(
    open_memory: OpenMemory, kwargs: dict[str, Any], match: str
) -> None:
    memory = open_memory()
    text = kwargs.pop("text")
    with pytest.raises(UserError, match=match) as info:
        memory.add(text, **kwargs)
    assert info.value.hint
    assert memory.table.count() == 0


def test_near_duplicates_merge_keeping_both_provenances(open_memory: OpenMemory) -> None:
    memory = open_memory()
    first = memory.add("The user prefers metric units", kind="preference", run_id="r1")
    second = memory.add("the user prefers METRIC units.", kind="preference", run_id="r2")
    assert second.merged and second.id == first.id
    assert second.text == first.text  # the stored text stays
    assert second.hits == 2 and second.updated_at >= first.updated_at
    assert [p.run_id for p in second.provenance] == ["r1", "r2"]
    assert memory.table.count() == 1
    stored = memory.get(first.id)
    assert stored is not None and stored.hits == 2 and len(stored.provenance) == 2


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The dataset has 344 rows", "The dataset has 342 rows"),
        ("The user prefers metric units", "The user prefers imperial units"),
        ("Use tabs for indentation", "Do not use tabs for indentation"),
        ("the dog bites the man", "the man bites the dog"),
    ],
)
def test_similar_but_different_statements_do_not_merge(
    open_memory: OpenMemory, a: str, b: str
) -> None:
    memory = open_memory()
    memory.add(a)
    assert not memory.add(b).merged
    assert memory.table.count() == 2


def test_same_statement_rules() -> None:
    assert same_statement("The dataset has 344 rows.", "the DATASET has 344 rows")
    assert same_statement("The dataset has 344 rows", "The dataset has 344 rows in total")
    assert not same_statement("has 344 rows", "has 344 rows and 8 columns")
    assert not same_statement("use tabs", "never use tabs")
    assert not same_statement("prefers metric", "likes metric")


def test_merging_is_per_kind_and_scope(open_memory: OpenMemory) -> None:
    memory = open_memory()
    memory.add("Run the tests before committing", kind="lesson")
    assert not memory.add("Run the tests before committing", kind="fact").merged
    assert not memory.add("Run the tests before committing", kind="lesson", scope="user").merged
    assert memory.add("Run the tests before committing", kind="lesson").merged
    assert memory.table.count() == 3


def test_scopes_decide_who_sees_a_memory(open_memory: OpenMemory) -> None:
    here = open_memory(project="proj-a")
    here.add("everyone sees this user note", scope="user")
    here.add("project a convention", scope="project")
    here.add("coder private trick", scope="agent", agent="coder")
    elsewhere = open_memory(project="proj-b")

    assert set(texts(elsewhere.list())) == {"everyone sees this user note"}
    assert "project a convention" in texts(here.list())
    assert "coder private trick" in texts(here.search("private trick", agent="coder"))
    assert "coder private trick" not in texts(here.search("private trick", agent="planner"))
    assert texts(here.list(scope="agent", agent="planner")) == []
    assert texts(here.list(scope="user")) == ["everyone sees this user note"]


def test_search_filters_by_kind(open_memory: OpenMemory) -> None:
    memory = open_memory()
    memory.add("pandas reads csv files quickly", kind="fact")
    memory.add("check csv encodings before reading", kind="lesson")
    assert texts(memory.search("csv", kinds=["lesson"])) == ["check csv encodings before reading"]
    assert memory.search("csv", kinds=[]) == []
    with pytest.raises(UserError, match="unknown memory kind"):
        memory.search("csv", kinds=["gossip"])
    with pytest.raises(UserError, match="empty"):
        memory.search("  ")
    with pytest.raises(UserError, match="at least 1"):
        memory.search("csv", k=0)


def test_expired_memories_are_not_found_and_are_purged(
    open_memory: OpenMemory, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = open_memory()
    memory.add("the build server is down today", ttl_s=60)
    memory.add("the build server runs on port 8080")
    clock = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: clock)
    assert texts(memory.search("build server")) == ["the build server runs on port 8080"]
    assert texts(memory.list()) == ["the build server runs on port 8080"]
    assert memory.stats().expired == 1
    memory.add("the build server was upgraded")  # a write purges what expired
    assert memory.table.count() == 2
    assert memory.stats().expired == 0


def test_merge_keeps_the_longer_life(open_memory: OpenMemory) -> None:
    memory = open_memory()
    first = memory.add("standup is at nine", ttl_s=10)
    merged = memory.add("Standup is at nine.", ttl_s=1000)
    assert merged.merged and merged.expires_at is not None
    assert merged.expires_at > first.created_at + 900
    forever = memory.add("standup is at nine")
    assert forever.merged and forever.expires_at is None


def test_forget_by_id_really_deletes(open_memory: OpenMemory, settings: Settings) -> None:
    memory = open_memory()
    secret = memory.add("the staging api token is zqvtokenvalue")
    memory.add("an unrelated memory")
    assert memory.forget(secret.id) == 1
    assert memory.get(secret.id) is None
    assert all("zqvtoken" not in t for t in texts(memory.search("zqvtokenvalue")))
    found = subprocess.run(
        ["grep", "-rla", "zqvtoken", str(settings.data_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.stdout == ""
    assert memory.forget(secret.id) == 0
    assert texts(memory.list()) == ["an unrelated memory"]


def test_forget_by_filter(open_memory: OpenMemory) -> None:
    memory = open_memory()
    memory.add("lesson one about retries", kind="lesson")
    memory.add("lesson two about timeouts", kind="lesson")
    keep = memory.add("a fact to keep")
    assert memory.forget(where="kind = 'lesson'") == 2
    assert [r.id for r in memory.list()] == [keep.id]
    with pytest.raises(UserError, match="needs a memory id or a filter"):
        memory.forget()
    with pytest.raises(StoreError, match="filter"):
        memory.forget(where="no_such_column = 1")


def test_get_by_prefix(open_memory: OpenMemory) -> None:
    memory = open_memory()
    record = memory.add("prefix lookup works")
    assert memory.get(record.id[:6]) == record
    other = ("1" if record.id[0] == "0" else "0") * 8
    assert memory.get(other) is None
    with pytest.raises(UserError, match="not a memory id"):
        memory.get("ab")
    with pytest.raises(UserError, match="not a memory id"):
        memory.get("xyz123")


def test_stats(open_memory: OpenMemory) -> None:
    memory = open_memory()
    memory.add("a fact")
    memory.add("a lesson learned", kind="lesson")
    memory.add("a user preference", kind="preference", scope="user")
    stats = memory.stats()
    assert (stats.count, stats.expired) == (3, 0)
    assert stats.by_kind == {"fact": 1, "lesson": 1, "preference": 1, "result": 0}
    assert stats.by_scope == {"user": 1, "project": 2, "agent": 0}
    assert (stats.embedder, stats.dim, stats.vector_index) == ("testing:hashing", 64, False)
    assert stats.size_bytes and stats.size_bytes > 0
    assert stats.to_json()["uri"] == memory.table.uri


def test_context_is_bounded(settings: Settings) -> None:
    tight = settings.model_copy(
        update={"memory": settings.memory.model_copy(update={"context_max_chars": 60})}
    )
    memory = Memory.open(tight, embedder=HashingEmbedder(), project="p")
    memory.add("penguins live in the southern hemisphere")
    memory.add("penguins cannot fly but swim very well indeed")
    context = memory.context("penguins")
    assert context.startswith("Memories from earlier runs")
    assert context.count("\n- ") == 1  # the second memory did not fit
    assert memory.context("   ") == ""
    none = settings.model_copy(
        update={"memory": settings.memory.model_copy(update={"context_k": 0})}
    )
    assert Memory.open(none, embedder=HashingEmbedder(), project="p").context("penguins") == ""


def test_settings_and_env(tmp_path: Path) -> None:
    settings = load_settings(
        environ={
            "AGENTCORE_DATA_DIR": str(tmp_path),
            "AGENTCORE_MEMORY_URI": str(tmp_path / "elsewhere"),
            "AGENTCORE_MEMORY_EMBEDDER": "testing:hashing",
            "AGENTCORE_MEMORY_PROJECT": "my-project",
        },
        cwd=tmp_path,
    )
    assert settings.memory_uri == str(tmp_path / "elsewhere")
    memory = Memory.open(settings)
    assert memory.project == "my-project"
    assert memory.table.embedder.name == "testing:hashing"
    assert load_settings(environ={}, cwd=tmp_path).memory_uri.endswith("/memory")

"""HybridTable: create/open, embedder bookkeeping, add/upsert/delete, the three search modes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from memory_helpers import SCHEMA, TableFactory

from agentcore.errors import EmbedderMismatchError, StoreError, UserError
from agentcore.memory import Hit, HybridTable, sql_quote
from agentcore.memory._lance import _rrf
from agentcore.testing import HashingEmbedder

ANIMALS = [
    ("a", "the cat sleeps on the warm windowsill", "fact"),
    ("b", "dogs bark at the postman every morning", "fact"),
    ("c", "a cat chased the red laser dot", "lesson"),
    ("d", "parrots can imitate human speech", "fact"),
    ("e", "goldfish live in a glass bowl", "lesson"),
]


def fill(table: HybridTable) -> None:
    table.add([{"id": i, "text": t, "kind": k} for i, t, k in ANIMALS])


def ids(hits: list[Hit]) -> list[str]:
    return [h.row["id"] for h in hits]


def test_open_creates_the_table_and_records_the_embedder(
    open_table: TableFactory, table_dir: Path
) -> None:
    table = open_table()
    assert table.count() == 0
    assert table.stored_embedder() == ("testing:hashing", 64)
    assert table.columns == ["id", "text", "kind"]
    assert (table_dir / "t.lance").is_dir()


def test_rows_persist_across_opens(open_table: TableFactory) -> None:
    fill(open_table())
    again = open_table()
    assert again.count() == 5
    assert set(ids(again.search("cat", k=2, mode="fts"))) == {"a", "c"}


def test_schema_needs_a_text_column(open_table: TableFactory) -> None:
    with pytest.raises(ValueError, match="'text'"):
        open_table(schema=pa.schema([pa.field("body", pa.string())]))


def test_a_vector_column_of_the_wrong_size_is_refused(open_table: TableFactory) -> None:
    schema = SCHEMA.append(pa.field("vector", pa.list_(pa.float32(), 3)))
    with pytest.raises(ValueError, match="column 'vector' must be"):
        open_table(schema=schema)


def test_another_embedder_is_refused_with_what_made_the_table(open_table: TableFactory) -> None:
    fill(open_table())
    with pytest.raises(EmbedderMismatchError) as info:
        open_table(embedder=HashingEmbedder(32), reembed_hint="agentcore x --reembed")
    err = info.value
    assert isinstance(err, UserError)
    assert "testing:hashing (64-d)" in err.message and "testing:hashing-32 (32-d)" in err.message
    assert err.hint is not None and "agentcore x --reembed" in err.hint
    assert open_table().count() == 5  # nothing lost


def test_same_dimension_other_name_is_a_mismatch_too(open_table: TableFactory) -> None:
    fill(open_table())

    class Other(HashingEmbedder):
        def __init__(self) -> None:
            super().__init__(64)
            self.name = "other:model"

    with pytest.raises(EmbedderMismatchError):
        open_table(embedder=Other())


def test_reembed_rewrites_every_vector_with_the_new_embedder(open_table: TableFactory) -> None:
    fill(open_table())
    table = open_table(embedder=HashingEmbedder(32), reembed=True)
    assert table.stored_embedder() == ("testing:hashing-32", 32)
    assert table.count() == 5
    assert ids(table.search("goldfish bowl", k=1, mode="vector")) == ["e"]
    assert ids(table.search("goldfish", k=1, mode="fts")) == ["e"]
    assert open_table(embedder=HashingEmbedder(32)).count() == 5  # and it stays that way


def test_new_columns_are_added_to_an_existing_table(open_table: TableFactory) -> None:
    fill(open_table())
    table = open_table(schema=SCHEMA.append(pa.field("agent", pa.string())))
    assert "agent" in table.columns
    assert table.rows("id = 'a'")[0]["agent"] is None
    table.add([{"id": "f", "text": "owls hunt at night", "kind": "fact", "agent": "coder"}])
    assert table.rows("agent = 'coder'")[0]["id"] == "f"


def test_add_computes_vectors_and_keeps_given_ones(
    open_table: TableFactory, embedder: HashingEmbedder
) -> None:
    table = open_table()
    given = embedder.embed_query("completely different words")
    assert table.add([{"id": "x", "text": "cat", "kind": "fact", "vector": given}]) == 1
    hit = table.search_vector(given, k=1)[0]
    assert hit.row["id"] == "x" and hit.score == pytest.approx(1.0, abs=1e-5)


def test_add_refuses_unknown_columns_and_missing_text(open_table: TableFactory) -> None:
    table = open_table()
    with pytest.raises(ValueError, match="no column"):
        table.add([{"id": "x", "text": "t", "colour": "red"}])
    with pytest.raises(ValueError, match="string 'text'"):
        table.add([{"id": "x"}])
    assert table.count() == 0
    assert table.add([]) == 0


def test_search_modes_find_by_words_and_by_vector(open_table: TableFactory) -> None:
    table = open_table()
    fill(table)
    assert set(ids(table.search("cat", k=2, mode="fts"))) == {"a", "c"}
    assert ids(table.search("parrots imitate speech", k=1, mode="vector")) == ["d"]
    hybrid = table.search("cat laser", k=3)
    assert ids(hybrid)[0] == "c"
    assert [h.score for h in hybrid] == sorted((h.score for h in hybrid), reverse=True)
    assert "vector" not in hybrid[0].row


def test_where_is_a_prefilter_in_every_mode(open_table: TableFactory) -> None:
    table = open_table()
    fill(table)
    for mode in ("hybrid", "vector", "fts"):
        hits = table.search("cat", k=5, where="kind = 'lesson'", mode=mode)  # type: ignore[arg-type]
        assert hits and {h.row["kind"] for h in hits} == {"lesson"}, mode
    # the prefilter applies before the limit: the one matching row is found even with k=1
    assert ids(table.search("cat", k=1, where="id = 'e'", mode="vector")) == ["e"]


def test_k_zero_and_empty_queries(open_table: TableFactory) -> None:
    table = open_table()
    fill(table)
    assert table.search("cat", k=0) == []
    assert table.search("   ", mode="fts") == []
    assert len(table.search("", k=2)) == 2  # hybrid falls back to the vector side


def test_search_on_an_empty_table(open_table: TableFactory) -> None:
    table = open_table()
    for mode in ("hybrid", "vector", "fts"):
        assert table.search("anything", mode=mode) == []  # type: ignore[arg-type]


def test_rows_added_after_the_index_are_found(open_table: TableFactory) -> None:
    table = open_table()
    fill(table)
    table.add([{"id": "z", "text": "zebras graze on the savanna", "kind": "fact"}])
    assert ids(table.search("zebras", k=1, mode="fts")) == ["z"]
    assert ids(table.search("zebras", k=1)) == ["z"]


def test_count_rows_and_delete(open_table: TableFactory) -> None:
    table = open_table()
    fill(table)
    assert table.count("kind = 'fact'") == 3
    assert [r["id"] for r in table.rows("kind = 'lesson'")] == ["c", "e"]
    assert table.rows(limit=2, offset=1, columns=["id"]) == [{"id": "b"}, {"id": "c"}]
    assert table.delete("kind = 'lesson'") == 2
    assert table.delete("kind = 'lesson'") == 0
    assert table.count() == 3
    assert "c" not in ids(table.search("cat laser", k=5))


def test_upsert_replaces_matching_rows(open_table: TableFactory) -> None:
    table = open_table()
    fill(table)
    table.upsert(
        [
            {"id": "a", "text": "the cat moved to the sofa", "kind": "fact"},
            {"id": "n", "text": "newts are amphibians", "kind": "fact"},
        ],
        on="id",
    )
    assert table.count() == 6
    assert table.rows("id = 'a'")[0]["text"] == "the cat moved to the sofa"
    assert ids(table.search("sofa", k=1, mode="fts")) == ["a"]


def test_optimize_really_removes_deleted_text(open_table: TableFactory, table_dir: Path) -> None:
    table = open_table()
    fill(table)
    table.add([{"id": "s", "text": "the vault code is zqxsecretword", "kind": "fact"}])
    table.delete("id = 's'")
    table.optimize()
    found = subprocess.run(
        ["grep", "-rla", "zqxsecret", str(table_dir)], capture_output=True, text=True, check=False
    )
    assert found.stdout == ""
    assert table.search("zqxsecretword", mode="fts") == []
    assert table.count() == 5
    assert table.stored_embedder() == ("testing:hashing", 64)  # metadata survives compaction


def test_ann_index_is_built_past_the_threshold(open_table: TableFactory) -> None:
    table = open_table(index_threshold=300)
    rows = [{"id": str(i), "text": f"row {i} word{i % 17}", "kind": "fact"} for i in range(299)]
    table.add(rows)
    assert not table.has_vector_index()
    table.add([{"id": "last", "text": "the last row", "kind": "fact"}])
    assert table.has_vector_index()
    probe = table.search_vector(table.embedder.embed_query("the last row"), k=1)
    assert probe[0].row["id"] == "last"


def test_storage_errors_become_store_errors(open_table: TableFactory, table_dir: Path) -> None:
    table = open_table()
    fill(table)
    with pytest.raises(StoreError, match="check the filter"):
        table.count("no_such_column = 1")
    with pytest.raises(StoreError):
        table.search("cat", where="kind = ", mode="vector")


def test_corrupt_table_is_a_store_error(open_table: TableFactory, table_dir: Path) -> None:
    fill(open_table())
    for manifest in (table_dir / "t.lance" / "_versions").iterdir():
        manifest.write_bytes(b"garbage")
    with pytest.raises(StoreError, match="cannot open table 't'") as info:
        open_table()
    assert info.value.hint and "corrupt" in info.value.hint


def test_a_file_where_the_directory_should_be_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot create"):
        HybridTable.open(blocker / "db", "t", schema=SCHEMA, embedder=HashingEmbedder())


def test_rrf_rewards_agreement_between_rankings() -> None:
    def hit(name: str) -> Hit:
        return Hit(row={"id": name}, score=0.0)

    vector = [(1, hit("a")), (2, hit("b")), (3, hit("c"))]
    fts = [(2, hit("b")), (4, hit("d")), (1, hit("a"))]
    fused = _rrf([vector, fts], 3)
    assert ids(fused) == ["b", "a", "d"]
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 61)


def test_sql_quote_escapes_quotes() -> None:
    assert sql_quote("it's") == "'it''s'"

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from agentcore_rag import IngestReport, RagConfig, describe_collections, ingest, search
from agentcore_rag._store import manifest, open_collection
from rag_testkit import make_notebook, make_pdf

from agentcore.config import Settings, load_settings
from agentcore.errors import EmbedderMismatchError, StoreError, UserError


def counts(report: IngestReport) -> dict[str, int]:
    return {
        "added": len(report.added),
        "updated": len(report.updated),
        "unchanged": len(report.unchanged),
        "removed": len(report.removed),
        "skipped": len(report.skipped),
        "files": report.files,
    }


def stored_files(config: RagConfig, collection: str = "docs") -> dict[str, int]:
    table = open_collection(config, collection)
    return {entry.file: entry.chunks for entry in manifest(table).values()}


def test_first_ingest_adds_every_readable_file_and_lists_the_rest(
    docs: Path, config: RagConfig
) -> None:
    (docs / "paper.pdf").write_bytes(make_pdf([["Penguin paper"], ["Results: 344 birds."]]))
    (docs / "analysis.ipynb").write_text(make_notebook())
    (docs / "index.html").write_text("<h1>Home</h1><p>Welcome to the penguin docs.</p>")
    (docs / "api.rst").write_text("API\n===\n\nThe colony API.\n")
    (docs / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    (docs / "broken.txt").write_bytes(b"\0\0binary\0")
    (docs / ".hidden.md").write_text("# secret")
    (docs / "node_modules" / "pkg").mkdir(parents=True)
    (docs / "node_modules" / "pkg" / "README.md").write_text("# vendored")
    (docs / ".git").mkdir()
    (docs / ".git" / "HEAD.md").write_text("# no")
    (docs / ".venv" / "lib").mkdir(parents=True)
    (docs / ".venv" / "lib" / "site.py").write_text("x = 1\n")
    (docs / "__pycache__").mkdir()
    (docs / "__pycache__" / "mod.py").write_text("y = 2\n")

    report = ingest([docs], collection="docs", config=config)

    assert sorted(c.file for c in report.added) == [
        "docs/analysis.ipynb",
        "docs/api.rst",
        "docs/code/penguins.py",
        "docs/guide.md",
        "docs/index.html",
        "docs/notes.txt",
        "docs/paper.pdf",
    ]
    assert [(s.file, s.reason) for s in report.skipped] == [
        ("docs/logo.png", "unsupported type .png"),
        ("docs/broken.txt", "binary file"),
    ]
    assert report.chunks == sum(c.chunks for c in report.added) == len(report.added)
    assert (report.files, report.collection, report.embedder) == (7, "docs", "testing:hashing")
    assert stored_files(config) == {c.file: c.chunks for c in report.added}


def test_reingest_is_incremental_with_exact_counts(docs: Path, config: RagConfig) -> None:
    (docs / "extra.md").write_text("# Extra\n\nTo be deleted.\n")
    first = ingest([docs], collection="docs", config=config)
    assert counts(first) == {
        "added": 4,
        "updated": 0,
        "unchanged": 0,
        "removed": 0,
        "skipped": 0,
        "files": 4,
    }

    again = ingest([docs], collection="docs", config=config)
    assert counts(again) == {
        "added": 0,
        "updated": 0,
        "unchanged": 4,
        "removed": 0,
        "skipped": 0,
        "files": 4,
    }
    assert again.chunks == first.chunks

    big = "\n\n".join(f"Penguin fact number {n}: colonies grow in spring." for n in range(80))
    (docs / "notes.txt").write_text(big)  # changed: now several chunks
    (docs / "extra.md").unlink()  # deleted
    (docs / "new.md").write_text("# New\n\nFresh page.\n")  # added

    third = ingest([docs], collection="docs", config=config)

    assert counts(third) == {
        "added": 1,
        "updated": 1,
        "unchanged": 2,
        "removed": 1,
        "skipped": 0,
        "files": 4,
    }
    assert [(c.file, c.chunks) for c in third.removed] == [("docs/extra.md", 1)]
    [updated] = third.updated
    assert updated.file == "docs/notes.txt" and updated.chunks > 3
    files = stored_files(config)
    assert files == {
        "docs/guide.md": 1,
        "docs/code/penguins.py": 1,
        "docs/notes.txt": updated.chunks,
        "docs/new.md": 1,
    }
    assert third.chunks == sum(files.values())
    hits = search("Penguins live in the southern hemisphere", collection="docs", config=config)
    assert all("southern hemisphere" not in h.text for h in hits.hits)  # old version is gone


def test_changing_the_chunk_settings_rechunks_everything(
    docs: Path, settings: Settings, plugin_settings: dict[str, dict[str, Any]]
) -> None:
    ingest([docs], collection="docs", settings=settings)
    plugin_settings["rag"]["chunk_size"] = 100
    plugin_settings["rag"]["chunk_overlap"] = 20
    smaller = load_settings({"plugins": plugin_settings})

    report = ingest([docs], collection="docs", settings=smaller)

    assert counts(report)["updated"] == 3
    assert report.chunks > 3


def test_only_files_under_the_given_paths_can_be_removed(
    tmp_path: Path, docs: Path, config: RagConfig
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "faq.md").write_text("# FAQ\n\nQuestions.\n")
    single = tmp_path / "single.txt"
    single.write_text("A file named on its own.\n")
    ingest([docs, other, single], collection="docs", config=config)
    (docs / "notes.txt").unlink()

    report = ingest([docs], collection="docs", config=config)

    assert [c.file for c in report.removed] == ["docs/notes.txt"]
    assert sorted(stored_files(config)) == [
        "docs/code/penguins.py",
        "docs/guide.md",
        "other/faq.md",
        "single.txt",
    ]


def test_a_file_named_directly_is_read_as_text_whatever_its_suffix(
    tmp_path: Path, config: RagConfig
) -> None:
    (tmp_path / "CHANGES").write_text("v1: first release\n")
    (tmp_path / "image.bin").write_bytes(b"\0\1\2")

    report = ingest(
        [tmp_path / "CHANGES", tmp_path / "image.bin"], collection="docs", config=config
    )

    assert [c.file for c in report.added] == ["CHANGES"]
    assert [(s.file, s.reason) for s in report.skipped] == [("image.bin", "binary file")]


def test_a_file_that_turns_binary_or_empty_loses_its_old_chunks(
    docs: Path, config: RagConfig
) -> None:
    ingest([docs], collection="docs", config=config)
    (docs / "notes.txt").write_bytes(b"\0" * 64)
    (docs / "guide.md").write_text("")

    report = ingest([docs], collection="docs", config=config)

    assert sorted((s.file, s.reason) for s in report.skipped) == [
        ("docs/guide.md", "no text"),
        ("docs/notes.txt", "binary file"),
    ]
    assert sorted(c.file for c in report.removed) == ["docs/guide.md", "docs/notes.txt"]
    assert list(stored_files(config)) == ["docs/code/penguins.py"]


def test_a_file_that_cannot_be_read_now_keeps_its_chunks(
    docs: Path, config: RagConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest([docs], collection="docs", config=config)
    (docs / "notes.txt").write_text("changed, but we cannot read it")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "notes.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)

    report = ingest([docs], collection="docs", config=config)

    assert [(s.file, s.reason, s.kept) for s in report.skipped] == [
        ("docs/notes.txt", "unreadable (Permission denied)", 1)
    ]
    assert report.removed == [] and report.files == 3


def test_files_over_the_size_limit_are_skipped(
    docs: Path, settings: Settings, plugin_settings: dict[str, dict[str, Any]]
) -> None:
    plugin_settings["rag"]["max_file_mb"] = 0.0002  # 209 bytes
    small = load_settings({"plugins": plugin_settings})

    report = ingest([docs], collection="docs", settings=small)

    assert [c.file for c in report.added] == ["docs/notes.txt"]
    assert sorted(s.file for s in report.skipped) == ["docs/code/penguins.py", "docs/guide.md"]
    assert sorted(s.reason for s in report.skipped) == [
        "too large (282 B; max_file_mb is 0.0002)",
        "too large (434 B; max_file_mb is 0.0002)",
    ]


def test_an_interrupted_replacement_is_repaired_by_the_next_ingest(
    docs: Path, config: RagConfig
) -> None:
    ingest([docs], collection="docs", config=config)
    table = open_collection(config, "docs")
    [row] = table.rows(where="file = 'docs/notes.txt'")
    row["file_hash"] = "0" * 64  # an old version whose deletion never happened
    row["id"] = "stale"
    table.add([row])

    report = ingest([docs], collection="docs", config=config)

    assert [c.file for c in report.updated] == ["docs/notes.txt"]
    assert stored_files(config)["docs/notes.txt"] == 1
    assert table.count("id = 'stale'") == 0


def test_missing_paths_are_refused_before_anything_is_written(
    docs: Path, config: RagConfig
) -> None:
    with pytest.raises(UserError) as info:
        ingest([docs, Path("nope"), Path("nada.md")], collection="docs", config=config)

    assert info.value.message == "path not found: nope, nada.md"
    assert "nothing was ingested" in (info.value.hint or "")
    assert describe_collections(config.uri) == []


@pytest.mark.parametrize("name", ["", "has space", "../up", "-dash", "x" * 65])
def test_bad_collection_names_are_refused(docs: Path, config: RagConfig, name: str) -> None:
    with pytest.raises(UserError, match="invalid collection name"):
        ingest([docs], collection=name, config=config)


def test_a_collection_locked_by_another_writer_is_refused_and_left_alone(
    docs: Path, config: RagConfig
) -> None:
    ingest([docs], collection="docs", config=config)
    (docs / "notes.txt").write_text("new text that must not be ingested yet")
    lock = Path(config.uri) / "rag_docs.lock"
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what another ingest holds
        os.pwrite(fd, b"pid 4242", 0)
        with pytest.raises(UserError) as info:
            ingest([docs], collection="docs", config=config)
    finally:
        os.close(fd)

    assert info.value.message == "collection 'docs' is being written by another process (pid 4242)"
    assert "nothing was changed" in (info.value.hint or "")
    after = ingest([docs], collection="docs", config=config)  # once released, it goes on
    assert [c.file for c in after.updated] == ["docs/notes.txt"]


def test_a_damaged_collection_gives_a_clear_error_and_the_documents_stay(
    docs: Path, config: RagConfig
) -> None:
    ingest([docs], collection="docs", config=config)
    data = Path(config.uri) / "rag_docs.lance" / "data"
    for part in data.iterdir():
        part.write_bytes(b"garbage" * 10)

    with pytest.raises(StoreError) as info:
        search("penguins", collection="docs", config=config)
    assert info.value.message.startswith("cannot search table 'rag_docs'")
    assert "move the directory aside" in (info.value.hint or "")
    with pytest.raises(StoreError):
        ingest([docs], collection="docs", config=config)
    [listed] = describe_collections(config.uri)
    assert listed.error is not None and ".rs:" not in listed.error
    assert sorted(p.name for p in docs.iterdir()) == ["code", "guide.md", "notes.txt"]

    shutil.rmtree(Path(config.uri) / "rag_docs.lance")  # "move it aside", then rebuild
    assert ingest([docs], collection="docs", config=config).files == 3


def test_another_embedder_is_refused_unless_reembed(
    docs: Path, config: RagConfig, plugin_settings: dict[str, dict[str, Any]]
) -> None:
    ingest([docs], collection="docs", config=config)
    plugin_settings["rag"]["embedder"] = "testing:hashing-32"
    other = RagConfig.from_settings(load_settings({"plugins": plugin_settings}))

    with pytest.raises(EmbedderMismatchError) as info:
        ingest([docs], collection="docs", config=other)
    assert "--reembed" in (info.value.hint or "")

    report = ingest([docs], collection="docs", config=other, reembed=True)
    assert (report.embedder, len(report.unchanged)) == ("testing:hashing-32", 3)
    assert search("penguins", collection="docs", config=other).hits


def test_progress_reports_reading_then_embedding(docs: Path, config: RagConfig) -> None:
    calls: list[tuple[str, int, int]] = []

    ingest(
        [docs],
        collection="docs",
        config=config,
        progress=lambda phase, done, total, detail: calls.append((phase, done, total)),
    )

    assert calls[0] == ("read", 0, 3) and ("read", 3, 3) in calls
    embed = [c for c in calls if c[0] == "embed"]
    assert embed[0][1] == 0 and embed[-1][1] == embed[-1][2] == 3

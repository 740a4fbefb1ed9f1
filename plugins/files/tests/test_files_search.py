from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from agentcore_files import search_files

from agentcore.errors import ToolError

Call = Callable[..., Awaitable[str]]


async def test_finds_matching_lines_as_file_line_text(call: Call) -> None:
    out = await call(search_files, pattern=r"idea|south")
    assert out.splitlines() == [
        "3 matches in 2 files; skipped 1 file (binary):",
        "notes.md:2: first idea",
        "notes.md:3: second idea",
        "data/sales.csv:3: south,20",
    ]


async def test_case_insensitive_with_an_inline_flag(call: Call) -> None:
    assert "notes.md:1: # Notes" in await call(search_files, pattern="(?i)NOTES")


async def test_path_and_glob_narrow_the_search(call: Call, workspace: Path) -> None:
    (workspace / "data" / "more.txt").write_text("north again\n")
    out = await call(search_files, pattern="north", path="data", glob="*.csv")
    assert out.splitlines()[1:] == ["data/sales.csv:2: north,10"]
    out = await call(search_files, pattern="north", path="data/more.txt")
    assert out.splitlines()[1:] == ["data/more.txt:1: north again"]


async def test_no_matches(call: Call) -> None:
    assert await call(search_files, pattern="zebra") == (
        "no matches for 'zebra' in 2 files under '.'; skipped 1 file (binary)"
    )


async def test_invalid_regex_returns_the_re_error(call: Call) -> None:
    with pytest.raises(ToolError) as info:
        await call(search_files, pattern="def (")
    message = str(info.value)
    assert "invalid regular expression 'def (': missing ), unterminated subpattern" in message
    assert "backslash" in message


async def test_stops_at_max_matches_and_says_there_are_more(call: Call, workspace: Path) -> None:
    (workspace / "many.txt").write_text("hit\n" * 20)
    lines = (await call(search_files, pattern="hit", max_matches=5)).splitlines()
    assert lines[0] == "5 matches in 1 file:"
    assert lines[1:6] == [f"many.txt:{i}: hit" for i in range(1, 6)]
    assert lines[6].startswith("[stopped at 5 matches; there are more")


async def test_exactly_max_matches_is_not_reported_as_more(call: Call, workspace: Path) -> None:
    (workspace / "many.txt").write_text("hit\n" * 5)
    assert "stopped" not in await call(search_files, pattern="hit", max_matches=5)


@pytest.mark.parametrize("max_matches", [0, 501])
async def test_max_matches_is_bounded(call: Call, max_matches: int) -> None:
    with pytest.raises(ToolError, match="max_matches must be between 1 and 500"):
        await call(search_files, pattern="x", max_matches=max_matches)


async def test_long_lines_show_a_window_around_the_match(call: Call, workspace: Path) -> None:
    (workspace / "min.js").write_text("a" * 2000 + "NEEDLE" + "b" * 2000 + "\n")
    line = (await call(search_files, pattern="NEEDLE")).splitlines()[1]
    assert line.startswith("min.js:1: ...a")
    assert "NEEDLE" in line
    assert len(line) < 330


@pytest.mark.parametrize("settings", [{"files": {"max_search_file_bytes": 20}}])
async def test_large_and_binary_files_are_skipped_and_counted(
    call: Call, settings: dict[str, Any]
) -> None:
    out = await call(search_files, pattern="idea")
    assert out == (
        "no matches for 'idea' in 0 files under '.'; skipped 1 file (binary) and "
        "2 files (over 20 bytes)"
    )


async def test_missing_path(call: Call) -> None:
    with pytest.raises(ToolError, match="'nowhere' does not exist"):
        await call(search_files, pattern="x", path="nowhere")


async def test_unreadable_files_are_skipped_and_counted(
    call: Call, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = Path.open

    def deny_notes(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "notes.md":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", deny_notes)
    out = await call(search_files, pattern="north|idea")
    assert out.splitlines() == [
        "1 match in 1 file; skipped 1 file (binary) and 1 file (unreadable):",
        "data/sales.csv:2: north,10",
    ]

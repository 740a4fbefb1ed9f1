from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from agentcore_files import read_file

from agentcore.errors import ToolError

Call = Callable[..., Awaitable[str]]


async def test_reads_text_with_line_numbers(call: Call) -> None:
    out = await call(read_file, path="notes.md")
    assert out == (
        "notes.md (lines 1-3 of 3, 31 B):\n     1\t# Notes\n     2\tfirst idea\n     3\tsecond idea"
    )


async def test_pages_through_long_files(call: Call, workspace: Path) -> None:
    (workspace / "long.txt").write_text("".join(f"line {i}\n" for i in range(1, 1001)))

    first = (await call(read_file, path="long.txt")).splitlines()
    assert first[0].startswith("long.txt (lines 1-400 of 1000")
    assert first[-1] == (
        "[lines 401-1000 not shown; call read_file(path='long.txt', offset_line=401) to continue]"
    )
    page = (await call(read_file, path="long.txt", offset_line=990, max_lines=5)).splitlines()
    assert page[1] == "   990\tline 990"
    assert page[5] == "   994\tline 994"
    last = (await call(read_file, path="long.txt", offset_line=998)).splitlines()
    assert last[-1] == "  1000\tline 1000"  # no "not shown" note at the end


async def test_keeps_the_reply_under_its_output_budget(call: Call, workspace: Path) -> None:
    (workspace / "wide.txt").write_text(("x" * 1500 + "\n") * 100)
    out = await call(read_file, path="wide.txt")
    assert len(out) < 50_000
    assert "(lines 1-29 of 100" in out
    assert "offset_line=30) to continue" in out


async def test_very_long_lines_are_cut(call: Call, workspace: Path) -> None:
    (workspace / "min.js").write_text("a" * 5000 + "\nend\n")
    out = await call(read_file, path="min.js")
    assert "... [line cut: 5,000 characters]" in out
    assert "     2\tend" in out


async def test_crlf_and_missing_final_newline(call: Call, workspace: Path) -> None:
    (workspace / "win.txt").write_bytes(b"one\r\ntwo")
    assert (await call(read_file, path="win.txt")).splitlines()[1:] == [
        "     1\tone",
        "     2\ttwo",
    ]


async def test_empty_file(call: Call, workspace: Path) -> None:
    (workspace / "empty.txt").write_text("")
    assert await call(read_file, path="empty.txt") == "'empty.txt' is empty"


async def test_binary_files_are_refused_with_their_type(call: Call) -> None:
    with pytest.raises(ToolError, match=r"'data/image.png' is a binary file \(image/png, 16 B\)"):
        await call(read_file, path="data/image.png")


async def test_invalid_utf8_is_shown_with_a_note(call: Call, workspace: Path) -> None:
    (workspace / "latin1.txt").write_bytes("café\n".encode("latin-1"))
    out = await call(read_file, path="latin1.txt")
    assert "caf\ufffd" in out
    assert "not valid UTF-8" in out


async def test_missing_file_lists_close_names(call: Call) -> None:
    with pytest.raises(ToolError) as info:
        await call(read_file, path="data/sale.csv")
    message = str(info.value)
    assert message.startswith("file 'data/sale.csv' does not exist in the run workspace.")
    assert "Did you mean: data/sales.csv?" in message


async def test_missing_file_found_by_name_in_another_directory(call: Call) -> None:
    with pytest.raises(ToolError, match=r"Did you mean: data/sales\.csv"):
        await call(read_file, path="sales.csv")


async def test_missing_file_with_nothing_close(call: Call) -> None:
    with pytest.raises(ToolError) as info:
        await call(read_file, path="zzzzzz.bin")
    assert "Did you mean" not in str(info.value)
    assert "Call list_files" in str(info.value)


async def test_directory_is_refused_with_advice(call: Call) -> None:
    with pytest.raises(ToolError, match=r"'data' is a directory; call list_files\(path='data'\)"):
        await call(read_file, path="data")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"offset_line": 0}, "offset_line counts from 1"),
        ({"max_lines": 0}, "max_lines must be between 1 and 2000"),
        ({"max_lines": 2001}, "max_lines must be between 1 and 2000"),
        ({"offset_line": 4}, "'notes.md' has 3 lines; offset_line 4 is past the end"),
    ],
)
async def test_bad_ranges(call: Call, args: dict[str, int], message: str) -> None:
    with pytest.raises(ToolError, match=message):
        await call(read_file, path="notes.md", **args)


async def test_unreadable_file_is_a_tool_error(
    call: Call, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(ToolError, match=r"could not read 'notes\.md': Permission denied"):
        await call(read_file, path="notes.md")

from __future__ import annotations

import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from agentcore_files import write_file
from agentcore_files._writing import atomic_write

from agentcore.errors import ConfigError, ToolError

Call = Callable[..., Awaitable[str]]
Events = list[tuple[str, dict[str, Any]]]


async def test_creates_a_file_and_its_parent_directories(
    call: Call, workspace: Path, events: Events
) -> None:
    out = await call(write_file, path="out/report/summary.md", content="# Total\n30\n")

    assert out == "wrote 11 bytes to out/report/summary.md (new file)"
    assert (workspace / "out" / "report" / "summary.md").read_text() == "# Total\n30\n"
    assert events == [("artifact", {"path": "out/report/summary.md"})]


async def test_replaces_an_existing_file(call: Call, workspace: Path) -> None:
    out = await call(write_file, path="notes.md", content="new")
    assert out == "wrote 3 bytes to notes.md (replaced the previous 31 bytes)"
    assert (workspace / "notes.md").read_text() == "new"


async def test_appends(call: Call, workspace: Path, events: Events) -> None:
    out = await call(write_file, path="notes.md", content="third idea\n", append=True)
    assert out == "appended 11 bytes to notes.md (now 42 bytes)"
    assert (workspace / "notes.md").read_text().endswith("second idea\nthird idea\n")
    assert events == [("artifact", {"path": "notes.md"})]


async def test_append_to_a_new_file_creates_it(call: Call, workspace: Path) -> None:
    assert "(new file)" in await call(write_file, path="log.txt", content="a", append=True)
    assert (workspace / "log.txt").read_text() == "a"


async def test_content_is_written_as_utf8_bytes_verbatim(call: Call, workspace: Path) -> None:
    out = await call(write_file, path="u.txt", content="naïve\r\n")
    assert out.startswith("wrote 8 bytes")
    assert (workspace / "u.txt").read_bytes() == "naïve\r\n".encode()


async def test_artifact_path_is_relative_and_normalised(
    call: Call, workspace: Path, events: Events
) -> None:
    await call(write_file, path=str(workspace / "data" / ".." / "abs.txt"), content="x")
    assert events == [("artifact", {"path": "abs.txt"})]


async def test_leaves_no_temporary_files(call: Call, workspace: Path) -> None:
    await call(write_file, path="a.txt", content="1")
    await call(write_file, path="a.txt", content="2", append=True)
    assert sorted(os.listdir(workspace)) == ["a.txt", "data", "notes.md"]


async def test_keeps_the_mode_of_an_existing_file(call: Call, workspace: Path) -> None:
    script = workspace / "run.sh"
    script.write_text("echo hi\n")
    script.chmod(0o750)
    await call(write_file, path="run.sh", content="echo bye\n")
    assert stat.S_IMODE(script.stat().st_mode) == 0o750


async def test_new_files_are_not_private_to_the_owner(call: Call, workspace: Path) -> None:
    # Temporary files are created 0600 by tempfile; the tool must not leak that mode.
    await call(write_file, path="shared.txt", content="x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((workspace / "shared.txt").stat().st_mode) == 0o666 & ~umask


def test_atomic_write_leaves_the_old_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f.txt"
    target.write_text("old")

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(target, b"new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


async def test_os_errors_become_tool_errors(call: Call, workspace: Path) -> None:
    with pytest.raises(ToolError, match=r"could not write 'notes\.md/x\.txt'"):
        await call(write_file, path="notes.md/x.txt", content="x")


async def test_a_directory_is_refused(call: Call) -> None:
    with pytest.raises(ToolError, match="'data' is a directory; give a file path such as"):
        await call(write_file, path="data", content="x")
    with pytest.raises(ToolError, match="is a directory"):
        await call(write_file, path=".", content="x")


@pytest.mark.parametrize("settings", [{"files": {"max_write_bytes": 10, "max_file_bytes": 40}}])
async def test_size_caps(
    call: Call, workspace: Path, events: Events, settings: dict[str, Any]
) -> None:
    with pytest.raises(ToolError) as info:
        await call(write_file, path="big.txt", content="x" * 11)
    assert "content is 11 bytes, over the 10-byte limit for one write" in str(info.value)
    assert "append=true" in str(info.value)
    assert not (workspace / "big.txt").exists()

    # notes.md is 31 bytes: 31 + 10 > 40
    with pytest.raises(ToolError, match=r"appending would make 'notes\.md' 41 bytes, over the 40"):
        await call(write_file, path="notes.md", content="x" * 10, append=True)
    assert (workspace / "notes.md").stat().st_size == 31
    assert events == []

    await call(write_file, path="notes.md", content="x" * 9, append=True)  # exactly 40
    assert (workspace / "notes.md").stat().st_size == 40


async def test_default_cap_counts_bytes_not_characters(call: Call) -> None:
    with pytest.raises(ToolError, match="1,000,002 bytes"):
        await call(write_file, path="big.txt", content="é" * 500_001)


@pytest.mark.parametrize("settings", [{"files": {"max_write_bytes": "lots"}}])
async def test_a_bad_cap_setting_is_a_config_error(call: Call, settings: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match=r"\[plugins.files\] max_write_bytes must be a positive"):
        await call(write_file, path="a.txt", content="x")


@pytest.mark.skipif(os.geteuid() != 0, reason="ownership hand-over only applies to root")
async def test_as_root_new_files_and_dirs_take_the_workspace_owner(ctx, call):
    os.chown(ctx.workspace, 61234, 61234)
    await call(write_file, path="deep/dir/new.txt", content="x")
    for rel in ("deep", "deep/dir", "deep/dir/new.txt"):
        st = (ctx.workspace / rel).stat()
        assert (st.st_uid, st.st_gid) == (61234, 61234), rel

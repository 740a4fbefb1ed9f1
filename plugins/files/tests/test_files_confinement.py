"""Every file tool refuses paths that leave the workspace, and says what to do instead."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from agentcore_files import list_files, read_file, search_files, write_file
from langchain_core.tools import BaseTool

from agentcore.errors import ToolError

Call = Callable[..., Awaitable[str]]

ESCAPES = ["../secret.txt", "data/../../secret.txt", "/etc/passwd"]


def args_for(t: BaseTool, path: str) -> dict[str, str]:
    if t is write_file:
        return {"path": path, "content": "x"}
    if t is search_files:
        return {"pattern": "password", "path": path}
    return {"path": path}


@pytest.mark.parametrize(
    "t", [list_files, read_file, write_file, search_files], ids=lambda t: t.name
)
@pytest.mark.parametrize("path", ESCAPES)
async def test_paths_outside_are_refused(call: Call, t: BaseTool, path: str) -> None:
    with pytest.raises(ToolError, match="outside the run workspace; use a path relative"):
        await call(t, **args_for(t, path))


@pytest.mark.parametrize(
    "t", [list_files, read_file, write_file, search_files], ids=lambda t: t.name
)
async def test_symlink_escapes_are_refused(
    call: Call, workspace: Path, tmp_path: Path, t: BaseTool
) -> None:
    (workspace / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (workspace / "up").symlink_to(tmp_path)
    for path in ("leak.txt", "up", "up/secret.txt"):
        if t is write_file and path == "up":
            continue  # "up" resolves to a directory outside; covered by up/secret.txt
        with pytest.raises(ToolError, match="symbolic link to a place outside"):
            await call(t, **args_for(t, path))


async def test_write_through_an_escaping_symlink_leaves_the_target_alone(
    call: Call, workspace: Path, tmp_path: Path
) -> None:
    (workspace / "leak.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(ToolError):
        await call(write_file, path="leak.txt", content="owned")
    assert (tmp_path / "secret.txt").read_text() == "password=hunter2\n"
    assert not (tmp_path / "owned").exists()


async def test_listing_and_searching_the_root_do_not_follow_escaping_links(
    call: Call, workspace: Path, tmp_path: Path
) -> None:
    (workspace / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (workspace / "up").symlink_to(tmp_path)

    listing = await call(list_files)
    assert "leak.txt  (symbolic link to outside the workspace; not usable)" in listing
    assert "up  (symbolic link to outside the workspace; not usable)" in listing
    assert "secret" not in listing.replace("leak.txt", "")
    assert "hunter2" not in listing

    assert (await call(search_files, pattern="hunter2")).startswith("no matches")


async def test_links_inside_the_workspace_work(call: Call, workspace: Path) -> None:
    (workspace / "latest.csv").symlink_to(workspace / "data" / "sales.csv")
    (workspace / "d").symlink_to(workspace / "data")

    assert "north,10" in await call(read_file, path="latest.csv")
    listing = await call(list_files)
    assert "latest.csv  32 B  (link to data/sales.csv)" in listing
    assert "d/  (link to data/)" in listing
    assert "latest.csv:2: north,10" in await call(search_files, pattern="north")

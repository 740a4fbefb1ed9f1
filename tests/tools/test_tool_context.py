from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentcore.errors import ToolError
from agentcore.tools import ToolContext


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "data").mkdir(parents=True)
    (ws / "data" / "a.csv").write_text("x\n")
    (tmp_path / "secret.txt").write_text("outside")
    return ws


@pytest.fixture
def ctx(workspace: Path, tmp_path: Path) -> ToolContext:
    return ToolContext(run_id="r", agent="a", workspace=workspace, data_dir=tmp_path)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".", ""),
        ("", ""),
        ("data/a.csv", "data/a.csv"),
        ("data/../data/a.csv", "data/a.csv"),
        ("./new/dir/file.txt", "new/dir/file.txt"),
    ],
)
def test_paths_inside_resolve(ctx: ToolContext, workspace: Path, path: str, expected: str) -> None:
    assert ctx.resolve(path) == (workspace.resolve() / expected).resolve()


def test_absolute_path_inside_the_workspace_is_accepted(ctx: ToolContext, workspace: Path) -> None:
    inside = str(workspace / "data" / "a.csv")
    assert ctx.resolve(inside) == (workspace / "data" / "a.csv").resolve()


@pytest.mark.parametrize("path", ["..", "../secret.txt", "data/../../secret.txt", "/etc/passwd"])
def test_escapes_are_refused_with_advice(ctx: ToolContext, path: str) -> None:
    with pytest.raises(ToolError) as info:
        ctx.resolve(path)
    message = str(info.value)
    assert f"path '{path}' is outside the run workspace" in message
    assert "relative to the workspace root" in message


def test_absolute_path_to_a_sibling_with_a_common_prefix_is_refused(
    ctx: ToolContext, workspace: Path
) -> None:
    sibling = workspace.parent / (workspace.name + "-other")  # /x/ws-other starts with /x/ws
    sibling.mkdir()
    with pytest.raises(ToolError, match="outside the run workspace"):
        ctx.resolve(str(sibling / "f.txt"))


def test_symlink_pointing_outside_is_refused(ctx: ToolContext, workspace: Path) -> None:
    (workspace / "leak").symlink_to(workspace.parent / "secret.txt")
    (workspace / "leakdir").symlink_to(workspace.parent)
    for path in ("leak", "leakdir/secret.txt", "leakdir"):
        with pytest.raises(ToolError, match="symbolic link to a place outside"):
            ctx.resolve(path)


def test_symlink_staying_inside_is_followed(ctx: ToolContext, workspace: Path) -> None:
    (workspace / "alias").symlink_to(workspace / "data")
    assert ctx.resolve("alias/a.csv") == (workspace / "data" / "a.csv").resolve()


def test_workspace_itself_behind_a_symlink(tmp_path: Path, workspace: Path) -> None:
    link = tmp_path / "ws-link"
    link.symlink_to(workspace)
    ctx = ToolContext(run_id="r", agent="a", workspace=link, data_dir=tmp_path)
    assert ctx.resolve("data/a.csv") == (workspace / "data" / "a.csv").resolve()
    with pytest.raises(ToolError):
        ctx.resolve("../secret.txt")


def test_unusable_paths_are_tool_errors(ctx: ToolContext, workspace: Path) -> None:
    with pytest.raises(ToolError, match="cannot be used"):
        ctx.resolve("bad\x00name")
    (workspace / "loop").symlink_to(workspace / "loop")
    with pytest.raises(ToolError):
        ctx.resolve("loop/x")


def test_resolve_does_not_touch_the_filesystem(ctx: ToolContext, workspace: Path) -> None:
    before = sorted(os.listdir(workspace))
    ctx.resolve("new/deep/file.txt")
    assert sorted(os.listdir(workspace)) == before

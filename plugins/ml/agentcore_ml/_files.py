"""Host-side files in the run workspace: resolving inputs and writing without following links.

Code in the sandbox shares the workspace, so a directory on the way to a file the host writes
could have been swapped for a symbolic link. Every directory is opened relative to its parent
with ``O_NOFOLLOW`` and the file is written to a fresh temporary name, then renamed into place
(a rename replaces a link instead of writing through it).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

from agentcore.tools import ToolContext, ToolError

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
DATA_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")
OUTPUT_SUFFIXES = (".csv", ".tsv", ".parquet")


def _open_dir(root: Path, parts: tuple[str, ...], owner: tuple[int, int] | None) -> int:
    fd = os.open(root, _DIR_FLAGS)
    try:
        for part in parts:
            if part in ("", ".", "..") or "/" in part:
                raise OSError(errno.EINVAL, f"bad path component {part!r}")
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o777, dir_fd=fd)
                if owner is not None:
                    os.chown(part, *owner, dir_fd=fd, follow_symlinks=False)
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_file(root: Path, rel: str, data: bytes, *, owner: tuple[int, int] | None = None) -> str:
    """Write ``data`` to ``root/rel`` (replacing it), refusing links on the way.

    Returns:
        ``rel`` in POSIX form.

    Raises:
        OSError: A link is in the way, or the disk is full.
    """
    path = Path(rel)
    dir_fd = _open_dir(root, path.parts[:-1], owner)
    tmp = f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, _NEW_FLAGS, 0o666, dir_fd=dir_fd)
        try:
            if owner is not None:
                os.fchown(fd, *owner)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dir_fd)
            raise
    finally:
        os.close(dir_fd)
    return path.as_posix()


def save(ctx: ToolContext, rel: str, text: str) -> str | None:
    """Write a text file into the workspace; ``None`` (not an error) if it cannot be written."""
    try:
        return write_file(ctx.workspace, rel, text.encode("utf-8"), owner=ctx.new_file_owner())
    except OSError:
        return None


def workspace_rel(ctx: ToolContext, path: str, what: str) -> str:
    """``path`` as a workspace-relative POSIX path, refusing anything outside the workspace."""
    if not path or not path.strip():
        raise ToolError(f"{what} is empty; pass a path relative to the workspace")
    resolved = ctx.resolve(path.strip())
    rel = resolved.relative_to(ctx.workspace.resolve()).as_posix()
    if rel in ("", "."):
        raise ToolError(f"{what} '{path}' is the workspace itself; name a file")
    return rel


def data_file(ctx: ToolContext, path: str, what: str = "data") -> str:
    """Check that ``path`` is a CSV/TSV/Parquet file in the workspace; return it relative.

    Raises:
        ToolError: Outside the workspace, missing (with the data files that do exist), a
            directory, or an unsupported format.
    """
    rel = workspace_rel(ctx, path, what)
    full = ctx.workspace.resolve() / rel
    if not full.exists():
        found = sorted(
            p.relative_to(ctx.workspace).as_posix()
            for p in ctx.workspace.rglob("*")
            if p.suffix.lower() in DATA_SUFFIXES
            and p.is_file()
            and ".agentcore" not in p.relative_to(ctx.workspace).parts
        )
        hint = (
            f"data files in the workspace: {', '.join(found[:15])}"
            + (f" (and {len(found) - 15} more)" if len(found) > 15 else "")
            if found
            else "the workspace has no CSV or Parquet files; write or query one first"
        )
        raise ToolError(f"{what} file '{path}' not found in the workspace; {hint}")
    if not full.is_file():
        raise ToolError(f"{what} '{path}' is a directory; name a CSV or Parquet file in it")
    if full.suffix.lower() not in DATA_SUFFIXES:
        raise ToolError(
            f"{what} '{path}' is not a CSV, TSV or Parquet file (by its extension); save the "
            "data as .csv or .parquet first"
        )
    return rel

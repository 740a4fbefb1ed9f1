"""Workspace files going up to an E2B sandbox at start, and changed files coming back."""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from agentcore.errors import UserError

# Directories that hold tooling, not data, and can hold thousands of files.
SKIPPED_DIRS = frozenset(
    {".git", ".venv", "venv", "__pycache__", "node_modules", ".ipynb_checkpoints",
     ".mypy_cache", ".pytest_cache", ".ruff_cache"}
)  # fmt: skip


@dataclass(kw_only=True, slots=True, frozen=True)
class LocalFile:
    """A workspace file to upload.

    Attributes:
        path: The file on the host.
        rel: Its path relative to the workspace, with ``/`` separators.
        size: Its size in bytes.
    """

    path: Path
    rel: str
    size: int


def collect(workspace: Path, *, max_bytes: int, max_files: int) -> list[LocalFile]:
    """List the regular files under ``workspace`` to upload, or refuse if they are too many.

    Symbolic links are skipped, files and directories alike: a link may point anywhere on
    the host, and nothing outside the workspace goes to the cloud. Tooling directories
    (``.git``, ``.venv``, ``__pycache__``, ...) are skipped too.

    Raises:
        UserError: The workspace is not a directory, or holds more than the caps allow.
    """
    root = workspace.resolve()
    if not root.is_dir():
        raise UserError(f"sandbox workspace {workspace} is not a directory")
    files: list[LocalFile] = []
    total = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIPPED_DIRS and not (here / d).is_symlink()
        )
        for name in sorted(filenames):
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            size = path.stat().st_size
            files.append(LocalFile(path=path, rel=path.relative_to(root).as_posix(), size=size))
            total += size
    if len(files) > max_files or total > max_bytes:
        largest = ", ".join(
            f"{f.rel} ({f.size / 1e6:.1f} MB)" for f in sorted(files, key=lambda f: -f.size)[:3]
        )
        raise UserError(
            f"workspace {workspace} has {len(files)} files, {total / 1e6:.1f} MB in all; the e2b "
            f"sandbox backend uploads at most {max_files} files and {max_bytes / 1e6:.0f} MB "
            f"at start (largest: {largest})",
            hint="move large data out of the workspace, raise [plugins.e2b] max_upload_mb / "
            "max_upload_files, or use the local sandbox backend",
        )
    return files


def batches(
    files: list[LocalFile], *, batch_bytes: int = 16 * 1024 * 1024
) -> list[list[LocalFile]]:
    """Split ``files`` into groups of about ``batch_bytes`` each, one upload request per group."""
    out: list[list[LocalFile]] = []
    current: list[LocalFile] = []
    size = 0
    for f in files:
        if current and size + f.size > batch_bytes:
            out.append(current)
            current, size = [], 0
        current.append(f)
        size += f.size
    if current:
        out.append(current)
    return out


def host_path(workspace: Path, workdir: str, remote: str) -> Path | None:
    """Where the sandbox file ``remote`` goes in the host workspace (``None``: outside workdir).

    ``remote`` is an absolute path in the sandbox; only paths under ``workdir`` map back, and
    never to a place outside ``workspace``.
    """
    norm = posixpath.normpath(remote)
    if not norm.startswith(workdir.rstrip("/") + "/"):
        return None
    rel = PurePosixPath(norm).relative_to(workdir)
    if any(part in ("..", "") for part in rel.parts):
        return None
    target = workspace.joinpath(*rel.parts)
    root = workspace.resolve()
    if not target.resolve().is_relative_to(root):
        return None
    return target

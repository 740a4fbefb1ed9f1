"""Writing into the run workspace from the host, safely while sandboxed code shares it.

Code in the sandbox can write the workspace too, so it could replace ``charts/`` with a
symbolic link to a host directory just before the tool saves a chart there. Every directory on
the way is therefore opened relative to its parent with ``O_NOFOLLOW``, and the file is created
with ``O_EXCL | O_NOFOLLOW``: a link anywhere on the path makes the write fail instead of
following it out of the workspace.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# Numbered names are tried from the counter on; this many taken names in a row means
# something is wrong (a directory full of look-alikes), not that we should keep going.
_MAX_TRIES = 10_000


def _open_dir(root: Path, parts: tuple[str, ...], owner: tuple[int, int] | None) -> int:
    """Open (creating as needed) ``root/parts...`` without following any link below root."""
    fd = os.open(root, _DIR_FLAGS)
    try:
        for part in parts:
            if part in ("", ".", "..") or "/" in part:
                raise OSError(errno.EINVAL, f"bad path component {part!r}")
            created = False
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o777, dir_fd=fd)
                created = True
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            if created and owner is not None:
                os.fchown(child, *owner)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_numbered(
    root: Path,
    folder: str,
    pattern: str,
    data: bytes,
    *,
    start: int = 1,
    owner: tuple[int, int] | None = None,
) -> tuple[str, int]:
    """Write ``data`` to the first free ``folder/pattern.format(n)`` with ``n >= start``.

    Args:
        root: The workspace root.
        folder: A relative folder such as ``"charts"`` or ``".agentcore/outputs"``.
        pattern: The file name with one ``{}`` for the number, e.g. ``"chart-{}.png"``.
        data: The file's content.
        start: The first number to try.
        owner: ``(uid, gid)`` for new directories and the file (``ToolContext.new_file_owner``).

    Returns:
        The written file's path relative to ``root`` and the number it got.

    Raises:
        OSError: The folder cannot be made, a link is in the way, or the disk is full.
    """
    dir_fd = _open_dir(root, tuple(Path(folder).parts), owner)
    try:
        for n in range(start, start + _MAX_TRIES):
            name = pattern.format(n)
            try:
                fd = os.open(name, _NEW_FILE_FLAGS, 0o666, dir_fd=dir_fd)
            except FileExistsError:
                continue
            try:
                if owner is not None:
                    os.fchown(fd, *owner)
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
            except BaseException:
                os.unlink(name, dir_fd=dir_fd)
                raise
            return f"{Path(folder).as_posix()}/{name}", n
        raise OSError(errno.EEXIST, f"no free name for {pattern} in {folder}")
    finally:
        os.close(dir_fd)

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from agentcore.tools import Risk, ToolContext, ToolError, tool
from agentcore_files._common import limits, rel


def atomic_write(target: Path, data: bytes, owner: tuple[int, int] | None = None) -> None:
    """Write ``data`` to a temporary file beside ``target``, then rename it over ``target``.

    Readers see the old file or the new one, never half of it. An existing file keeps its
    permissions; a new one gets the usual ``0o666 & ~umask``.
    """
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if target.exists():
            shutil.copymode(target, tmp)
        if owner is not None:
            os.chown(tmp, *owner)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@tool(risk=Risk.WRITES, timeout_s=30.0)
def write_file(ctx: ToolContext, path: str, content: str, append: bool = False) -> str:
    """Write text to a file in the run workspace, creating parent directories as needed.

    The file is replaced unless append is true. Files you write are kept as the run's artifacts.

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        path: File path relative to the workspace root, e.g. 'report.md' or 'out/data.csv'.
        content: The text to write (UTF-8).
        append: Add content to the end of the file instead of replacing it.

    """
    caps = limits(ctx)
    target = ctx.resolve(path)
    if target.is_dir():
        raise ToolError(f"'{path}' is a directory; give a file path such as '{path}/notes.md'")
    data = content.encode("utf-8")
    if len(data) > caps.max_write_bytes:
        raise ToolError(
            f"content is {len(data):,} bytes, over the {caps.max_write_bytes:,}-byte limit for "
            "one write; write it in parts with append=true"
        )
    existed = target.exists()
    previous = target.stat().st_size if existed else 0
    if append and previous + len(data) > caps.max_file_bytes:
        raise ToolError(
            f"appending would make '{path}' {previous + len(data):,} bytes, over the "
            f"{caps.max_file_bytes:,}-byte file limit; write a new file instead"
        )
    try:
        _make_parents(target, ctx.new_file_owner())
        # Something running in the sandbox may have swapped a directory for a link meanwhile.
        ctx.resolve(str(target.parent))
        payload = (target.read_bytes() if append and existed else b"") + data
        atomic_write(target, payload, ctx.new_file_owner())
    except OSError as exc:
        raise ToolError(f"could not write '{path}': {exc.strerror or exc}") from None

    name = rel(ctx, target)
    ctx.emit("artifact", {"path": name})
    if append and existed:
        return f"appended {len(data):,} bytes to {name} (now {previous + len(data):,} bytes)"
    was = f"replaced the previous {previous:,} bytes" if existed else "new file"
    return f"wrote {len(data):,} bytes to {name} ({was})"


def _make_parents(target: Path, owner: tuple[int, int] | None) -> None:
    """Create missing parent directories, owned like the workspace (ToolContext.new_file_owner)."""
    missing = []
    parent = target.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        directory.mkdir()
        if owner is not None:
            os.chown(directory, *owner)

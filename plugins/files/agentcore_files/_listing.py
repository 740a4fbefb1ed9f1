from __future__ import annotations

from pathlib import Path

from agentcore.tools import Risk, ToolContext, ToolError, tool
from agentcore_files._common import (
    MAX_SCAN,
    human_size,
    limits,
    matches,
    missing,
    plural,
    rel,
    walk,
)


def _describe(ctx: ToolContext, entry: Path) -> tuple[str, int]:
    """One listing line for ``entry`` and the bytes it adds to the total."""
    try:
        return _line(ctx, entry)
    except OSError as exc:  # vanished or unreadable since the directory was read
        return f"{rel(ctx, entry)}  ({exc.strerror or 'unreadable'})", 0


def _line(ctx: ToolContext, entry: Path) -> tuple[str, int]:
    name = rel(ctx, entry)
    if entry.is_symlink():
        try:
            target = ctx.resolve(name)
        except ToolError:
            return f"{name}  (symbolic link to outside the workspace; not usable)", 0
        if not target.exists():
            return f"{name}  (broken symbolic link)", 0
        if target.is_dir():
            return f"{name}/  (link to {rel(ctx, target)}/)", 0
        size = target.stat().st_size  # counted once, under the target's own name
        return f"{name}  {human_size(size)}  (link to {rel(ctx, target)})", 0
    if entry.is_dir():
        return f"{name}/", 0
    size = entry.stat().st_size
    return f"{name}  {human_size(size)}", size


@tool(risk=Risk.READ_ONLY, timeout_s=30.0)
def list_files(
    ctx: ToolContext, path: str = ".", pattern: str = "*", recursive: bool = True
) -> str:
    """List files in the run workspace with their sizes.

    Paths are shown relative to the workspace root, ready to pass to read_file. Directories
    such as .git and __pycache__ are left out.

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        path: Directory to list, relative to the workspace root ('.' is the root).
        pattern: Only list files whose name matches this glob pattern, e.g. '*.csv'. A pattern
            with a '/' is matched against the whole path, e.g. 'data/*.json'.
        recursive: Also list files in subdirectories. When false, subdirectories are shown
            with a trailing '/'.

    """
    top = ctx.resolve(path)
    if not top.exists():
        raise missing(ctx, path, "directory")
    if top.is_file():
        line, _ = _describe(ctx, top)
        return f"'{path}' is a file:\n{line}"

    cap = limits(ctx).max_list_entries
    skipped: set[str] = set()
    shown: list[str] = []
    count = total_bytes = scanned = 0
    for entry in walk(top, recursive=recursive, skipped=skipped):
        scanned += 1
        if not matches(pattern, rel(ctx, entry)):
            continue
        line, size = _describe(ctx, entry)
        count += 1
        total_bytes += size
        if len(shown) < cap:
            shown.append(line)

    where = f"'{path}'" + ("" if pattern == "*" else f" matching '{pattern}'")
    noise = f" (left out: {', '.join(sorted(skipped))})" if skipped else ""
    if not shown:
        return f"no files in {where}{noise}"
    counted = plural(count, "file") if recursive else plural(count, "entry", "entries")
    header = f"{counted} in {where}, {human_size(total_bytes)} in total{noise}:"
    lines = [header, *shown]
    if count > len(shown):
        more = "at least " if scanned >= MAX_SCAN else ""
        lines.append(
            f"... {more}{count - len(shown)} more not shown; narrow the listing with path= "
            "or pattern="
        )
    return "\n".join(lines)

"""Helpers shared by the file tools: caps, workspace-relative paths, walking, sniffing."""

from __future__ import annotations

import difflib
import fnmatch
import os
from collections.abc import Iterator
from dataclasses import dataclass, fields
from itertools import islice
from pathlib import Path

from agentcore.errors import ConfigError
from agentcore.tools import ToolContext, ToolError

PLUGIN = "files"
# Directories that are never what the model is looking for and can hold thousands of files.
NOISE_DIRS = frozenset(
    {".git", ".venv", "__pycache__", "node_modules", ".ipynb_checkpoints", ".mypy_cache",
     ".pytest_cache", ".ruff_cache"}
)  # fmt: skip
SNIFF_BYTES = 8192
# Walking stops here so that a huge tree cannot stall a tool call.
MAX_SCAN = 100_000


@dataclass(kw_only=True, slots=True, frozen=True)
class FileLimits:
    """Caps for the file tools; override them in ``[plugins.files]``."""

    max_list_entries: int = 200
    max_write_bytes: int = 1_000_000
    max_file_bytes: int = 10_000_000
    max_search_file_bytes: int = 5_000_000


def limits(ctx: ToolContext) -> FileLimits:
    """Read the caps from the plugin's settings, keeping defaults for what is not set."""
    raw = ctx.settings.get(PLUGIN, {})
    caps: dict[str, int] = {}
    for f in fields(FileLimits):
        if f.name in raw:
            value = raw[f.name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(
                    f"[plugins.{PLUGIN}] {f.name} must be a positive integer, got {value!r}"
                )
            caps[f.name] = value
    return FileLimits(**caps)


def rel(ctx: ToolContext, path: Path) -> str:
    """``path`` (already resolved inside the workspace) relative to the workspace root."""
    return path.relative_to(ctx.workspace.resolve()).as_posix()


def human_size(n: int) -> str:
    """Format a byte count: 12 B, 3.4 KB, 5.6 MB."""
    units = ("B", "KB", "MB", "GB", "TB")
    size, i = float(n), 0
    while size >= 1024 and i < len(units) - 1:
        size /= 1024
        i += 1
    return f"{n} B" if i == 0 else f"{size:.1f} {units[i]}"


def matches(pattern: str, rel_path: str) -> bool:
    """Glob-match a file: against its name, or its whole path when the pattern has a '/'."""
    subject = rel_path if "/" in pattern else rel_path.rsplit("/", 1)[-1]
    return fnmatch.fnmatchcase(subject, pattern)


def is_binary(path: Path) -> bool:
    """Tell whether a file looks binary: it has a NUL byte near its start."""
    with path.open("rb") as f:
        return b"\x00" in f.read(SNIFF_BYTES)


def walk(top: Path, *, recursive: bool = True, skipped: set[str] | None = None) -> Iterator[Path]:
    """Yield the files under ``top`` in sorted order, without following directory links.

    Symbolic links (to files or directories) are yielded as entries; callers decide what to do
    with them. When not ``recursive``, the subdirectories of ``top`` are yielded too. Noise
    directories (``.git``, ``__pycache__``...) are left out and their names added to
    ``skipped``.
    """
    seen = 0
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        links = [d for d in dirnames if (here / d).is_symlink()]
        noise = [d for d in dirnames if d in NOISE_DIRS]
        if skipped is not None:
            skipped.update(noise)
        dirnames[:] = sorted(d for d in dirnames if d not in NOISE_DIRS and d not in links)
        entries = sorted([*filenames, *links])
        if not recursive:  # show the subdirectories too, after the files, as a map to descend
            entries += dirnames
        for name in entries:
            seen += 1
            if seen > MAX_SCAN:
                return
            yield here / name
        if not recursive:
            return


def plural(n: int, one: str, many: str | None = None) -> str:
    """Say ``1 file`` or ``2 files``."""
    return f"{n:,} {one}" if n == 1 else f"{n:,} {many or one + 's'}"


def missing(ctx: ToolContext, path: str, what: str = "file") -> ToolError:
    """Build the error for a missing path, naming close matches the model may have meant."""
    files = [rel(ctx, p) for p in islice(walk(ctx.workspace.resolve()), 5000)]
    dirs = {parent for f in files for parent in _parents(f)}
    names = [*files, *sorted(dirs)]
    wanted = Path(path).name
    close = [n for n in names if n.rsplit("/", 1)[-1] == wanted]
    close += [n for n in difflib.get_close_matches(path, names, n=5, cutoff=0.6) if n not in close]
    hint = f" Did you mean: {', '.join(close[:5])}?" if close else ""
    return ToolError(
        f"{what} '{path}' does not exist in the run workspace.{hint} "
        "Call list_files to see what is there."
    )


def _parents(rel_path: str) -> Iterator[str]:
    parts = rel_path.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        yield "/".join(parts[:i])

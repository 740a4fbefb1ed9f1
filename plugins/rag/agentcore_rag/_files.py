"""Finding the files an ingest covers: walking directories, naming files in citations."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agentcore.errors import UserError
from agentcore_rag._read import format_for

#: Directories never walked into (besides every hidden one).
SKIP_DIRS = frozenset(
    {
        "node_modules",
        "__pycache__",
        "venv",
        "site-packages",
        "build",
        "dist",
        "_build",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """A file the ingest will look at.

    Attributes:
        path: The file.
        source: Its resolved absolute path: its identity in the collection.
        file: The path shown in citations: relative to the ingest root, starting with the
            root directory's name (``docs/guide.md``); a file named directly shows its name.
        format: The reader for it (``text`` for a named file of another type).
    """

    path: Path
    source: str
    file: str
    format: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Skipped:
    """A file left out, and why.

    Attributes:
        file: The path shown for it.
        reason: Why: ``binary file``, ``unsupported type .png``, ``too large (...)``...
        kept: Chunks still stored from an earlier ingest of it (they are not deleted when
            a file cannot be read now).
    """

    file: str
    reason: str
    kept: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Scan:
    """What a walk found.

    Attributes:
        candidates: Files to read, in a stable order.
        skipped: Files left out without reading them (unsupported type).
        roots: The resolved roots: stored files under a root directory (or equal to a
            root file) that the walk no longer finds are removed from the collection.
    """

    candidates: list[Candidate]
    skipped: list[Skipped]
    roots: list[Path]

    def in_scope(self, source: str) -> bool:
        """Whether a stored file belongs to what this ingest covers."""
        path = Path(source)
        return any(path == root or root in path.parents for root in self.roots)


def scan(paths: Sequence[Path]) -> Scan:
    """Walk ``paths`` (files and directories, recursively).

    Hidden files and directories, virtual environments, ``node_modules`` and build output
    are not walked. In a directory only files with a known suffix are read; the others are
    listed as skipped. A file named directly is read whatever its suffix (as plain text
    when no reader claims it).

    Raises:
        UserError: A path does not exist (checked for all of them before anything is read).
    """
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UserError(
            f"path not found: {', '.join(missing)}",
            hint="check the spelling; nothing was ingested",
        )
    found: dict[str, Candidate] = {}
    skipped: list[Skipped] = []
    roots: list[Path] = []
    for given in paths:
        root = given.resolve()
        roots.append(root)
        if root.is_file():
            _add(found, given, root, root.name, format_for(root) or "text")
            continue
        label = root.name or str(root)
        for directory, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
            for name in sorted(files):
                if name.startswith("."):
                    continue
                path = Path(directory) / name
                shown = f"{label}/{path.relative_to(root).as_posix()}"
                fmt = format_for(path)
                if fmt is None:
                    suffix = path.suffix.lower() or "(no suffix)"
                    skipped.append(Skipped(file=shown, reason=f"unsupported type {suffix}"))
                elif path.is_file():
                    _add(found, path, path.resolve(), shown, fmt)
    return Scan(candidates=list(found.values()), skipped=skipped, roots=roots)


def _add(found: dict[str, Candidate], path: Path, resolved: Path, shown: str, fmt: str) -> None:
    source = resolved.as_posix()
    if source not in found:  # the same file twice (two roots, a symlink): once
        found[source] = Candidate(path=path, source=source, file=shown, format=fmt)

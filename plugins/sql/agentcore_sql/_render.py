"""The compact, aligned text tables the model reads."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

NULL = "NULL"
_ELLIPSIS = "…"


def cell(value: Any, max_chars: int) -> str:
    """One value as the model sees it: exact numbers, ISO dates, one line, cut when long."""
    return _cut(_text(value), max_chars)


def _cut(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max(1, max_chars - 1)] + _ELLIPSIS


def _text(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        # 10 significant digits: exact enough to compare, short enough to read.
        return format(value, ".10g")
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    if hasattr(value, "months") and hasattr(value, "nanoseconds"):  # Arrow's interval
        return _interval(value.months, value.days, value.nanoseconds)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_text(v)}" for k, v in value.items()) + "}"
    return str(value).replace("\r\n", "\\n").replace("\n", "\\n").replace("\t", " ")


def _interval(months: int, days: int, nanoseconds: int) -> str:
    """Spell an interval the way DuckDB does: ``1 year 2 months 3 days 04:05:06``."""
    parts = []
    years, months = divmod(months, 12) if months >= 0 else (0, months)
    for n, unit in ((years, "year"), (months, "month"), (days, "day")):
        if n:
            parts.append(f"{n} {unit}" + ("" if abs(n) == 1 else "s"))
    if nanoseconds or not parts:
        micros = abs(nanoseconds) // 1000
        hours, rest = divmod(micros, 3_600_000_000)
        minutes, rest = divmod(rest, 60_000_000)
        seconds, micros = divmod(rest, 1_000_000)
        clock = f"{'-' if nanoseconds < 0 else ''}{hours:02d}:{minutes:02d}:{seconds:02d}"
        parts.append(clock + (f".{micros:06d}" if micros else ""))
    return " ".join(parts)


def is_number(value: Any) -> bool:
    """Numbers are right-aligned."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def table(
    names: Sequence[str], columns: Sequence[Sequence[Any]], *, max_chars: int, budget: int
) -> tuple[str, int, bool]:
    """Render columns of values as an aligned text table that fits in ``budget`` characters.

    Returns:
        The table, how many rows it shows (fewer than given when the budget ran out), and
        whether a cell was cut to ``max_chars``.
    """
    rows = len(columns[0]) if columns else 0
    full = [[_text(v) for v in col] for col in columns]
    cut = any(len(t) > max_chars for col in full for t in col)
    texts = [[_cut(t, max_chars) for t in col] for col in full] if cut else full
    heads = [cell(n, max_chars) for n in names]
    right = [any(is_number(v) for v in col) for col in columns]
    widths = [max([len(h), *(len(t) for t in col)]) for h, col in zip(heads, texts, strict=True)]

    def line(values: Sequence[str]) -> str:
        padded = (
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        )
        return "  ".join(padded).rstrip()

    out = [line(heads), "  ".join("-" * w for w in widths)]
    used = sum(len(s) + 1 for s in out)
    shown = 0
    for i in range(rows):
        text = line([col[i] for col in texts])
        if used + len(text) + 1 > budget:
            break
        out.append(text)
        used += len(text) + 1
        shown += 1
    return "\n".join(out), shown, cut

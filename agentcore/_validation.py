"""Helpers for turning pydantic validation errors into one clear message."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

# An unknown field is usually a typo of a known one, and a "missing" error for the same field
# is its consequence: report the typo first.
_PRIORITY = {"extra_forbidden": 0}


def most_telling(exc: ValidationError) -> tuple[ErrorDetails, int]:
    """Return the error to report first, and how many errors there are in all."""
    errors = exc.errors()
    first = min(errors, key=lambda e: _PRIORITY.get(e["type"], 1))
    return first, len(errors)


def dotted(loc: tuple[str | int, ...]) -> str:
    """A pydantic error location as a field path: ``steps[2].agent``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def yaml_line(node: Any, loc: tuple[str | int, ...], line: int) -> int:
    """The line of the deepest YAML node on ``loc`` below ``node`` (a field: its key's line).

    Args:
        node: A composed ``yaml.Node`` (``None``: no YAML, ``line`` is returned).
        loc: A pydantic error location inside it.
        line: The line to report when ``loc`` leads nowhere deeper.
    """
    import yaml

    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line

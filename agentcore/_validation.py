"""Helpers for turning pydantic validation errors into one clear message."""

from __future__ import annotations

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

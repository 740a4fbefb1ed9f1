"""Date helpers."""

from datetime import date


def days_between(start: date, end: date) -> int:
    """Number of days from start to end, always positive or zero."""
    return (end - start).days

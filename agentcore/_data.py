"""Where the data folders shipped with agentcore are: in the wheel, or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_folder(name: str) -> Path | None:
    """The shipped folder ``name`` (``agents``, ``evals``), or ``None`` when it is missing.

    That is ``agentcore/_data/<name>`` in an installed wheel, or ``<name>/`` at the root of a
    source checkout.
    """
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    # Only trust a top-level folder beside a pyproject: in site-packages, a directory of that
    # name belongs to some other distribution.
    checkout = _PACKAGE.parent / name
    if checkout.is_dir() and (_PACKAGE.parent / "pyproject.toml").is_file():
        return checkout
    return None


def searched(name: str) -> str:
    """Where :func:`data_folder` looks, for an error message."""
    return f"{_PACKAGE / '_data' / name} and {_PACKAGE.parent / name}"

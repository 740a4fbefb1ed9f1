"""The ``agentcore`` command line.

``main()`` answers ``agentcore``, ``agentcore --help`` and ``agentcore --version`` without
importing typer or rich (they cost ~10x a bare interpreter start): the top-level help is a
text file rendered from the real typer app by ``python -m agentcore.cli.gen_help``, and a test
checks that it is current. Everything else goes through the typer app in
:mod:`agentcore.cli.app`.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # see agentcore/__init__.py: typing is too slow for this path
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NoReturn

__all__ = ["HELP_FILE", "main"]

# A str, not a Path: importing pathlib alone costs half a bare interpreter start.
HELP_FILE = os.path.join(os.path.dirname(__file__), "_help.txt")
_HELP_ARGS = (["--help"], ["-h"])
# Like `agentcore tools` with no subcommand: the help, and the usage-error exit code.
_NO_ARGS_EXIT = 2


def _write(text: str) -> None:
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:  # a terminal that cannot show the help's box characters
        encoding = sys.stdout.encoding or "ascii"
        sys.stdout.write(text.encode(encoding, "replace").decode(encoding))
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the command line (``argv`` defaults to ``sys.argv[1:]``) and exit with its code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args in _HELP_ARGS:
        with open(HELP_FILE, encoding="utf-8") as fh:
            _write(fh.read())
        raise SystemExit(0 if args else _NO_ARGS_EXIT)
    if args == ["--version"]:
        from agentcore import __version__

        _write(f"agentcore {__version__}\n")
        raise SystemExit(0)

    from agentcore.cli.app import invoke

    raise SystemExit(invoke(args))

"""Regenerate ``agentcore/cli/_help.txt``: ``uv run python -m agentcore.cli.gen_help``.

``agentcore --help`` prints that file instead of importing typer (see :mod:`agentcore.cli`).
:func:`render_help` renders any command's help exactly as typer does, at a fixed width and
without colour, so the stored text and the help snapshots do not depend on the terminal.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Sequence

WIDTH = 80


@contextlib.contextmanager
def _plain_rich(width: int) -> Iterator[None]:
    """Make typer's rich console plain text of a fixed width, whatever the environment says."""
    from typer import rich_utils

    saved = (rich_utils.MAX_WIDTH, rich_utils.FORCE_TERMINAL, rich_utils.COLOR_SYSTEM)
    rich_utils.MAX_WIDTH, rich_utils.FORCE_TERMINAL, rich_utils.COLOR_SYSTEM = width, False, None
    try:
        yield
    finally:
        rich_utils.MAX_WIDTH, rich_utils.FORCE_TERMINAL, rich_utils.COLOR_SYSTEM = saved


def render_help(args: Sequence[str] = (), *, width: int = WIDTH) -> str:
    """The help of ``agentcore ARGS... --help`` as typer renders it (built-in commands only)."""
    from typer.main import get_command

    from agentcore.cli.app import PROG, build_app

    command = get_command(build_app())
    out = io.StringIO()
    with _plain_rich(width), contextlib.redirect_stdout(out):
        command.main(args=[*args, "--help"], prog_name=PROG, standalone_mode=False)
    # rich pads every line to the full width; the padding is noise in a stored text
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


def main() -> None:
    from agentcore.cli import HELP_FILE

    with open(HELP_FILE, "w", encoding="utf-8") as fh:
        fh.write(render_help())
    print(f"wrote {HELP_FILE}")


if __name__ == "__main__":
    main()

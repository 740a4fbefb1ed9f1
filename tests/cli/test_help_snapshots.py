"""The help of every command, as snapshots: the CLI help is part of the docs.

Update the snapshots after changing a command with::

    AGENTCORE_UPDATE_SNAPSHOTS=1 uv run pytest tests/cli/test_help_snapshots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_helpers import Cli

from agentcore.cli.gen_help import render_help

SNAPSHOTS = Path(__file__).parent / "snapshots"
# Read at import: the clean_env fixture removes AGENTCORE_* variables during each test.
UPDATE = os.environ.get("AGENTCORE_UPDATE_SNAPSHOTS") == "1"

COMMANDS = [
    (),
    ("run",),
    ("chat",),
    ("batch",),
    ("demo",),
    ("doctor",),
    ("agents",),
    ("agents", "list"),
    ("agents", "show"),
    ("agents", "schema"),
    ("tools",),
    ("tools", "list"),
    ("tools", "show"),
    ("tools", "call"),
    ("mcp",),
    ("mcp", "serve"),
    ("plugins",),
    ("plugins", "list"),
    ("memory",),
    ("memory", "add"),
    ("memory", "search"),
    ("memory", "list"),
    ("memory", "forget"),
    ("memory", "stats"),
    ("memory", "reembed"),
    ("runs",),
    ("runs", "list"),
    ("runs", "show"),
    ("runs", "prune"),
    ("eval",),
    ("eval", "run"),
    ("eval", "report"),
    ("eval", "compare"),
    ("eval", "rescore"),
    ("eval", "list"),
]


def snapshot_name(args: tuple[str, ...]) -> str:
    return "-".join(("agentcore", *args)) + ".txt"


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a) or "agentcore")
def test_help_matches_snapshot(args: tuple[str, ...]) -> None:
    rendered = render_help(args)
    snapshot = SNAPSHOTS / snapshot_name(args)
    if UPDATE:
        snapshot.write_text(rendered, encoding="utf-8", newline="\n")
    assert snapshot.is_file(), f"no snapshot; create it with AGENTCORE_UPDATE_SNAPSHOTS=1: {args}"
    assert rendered == snapshot.read_text(encoding="utf-8"), (
        f"help of {' '.join(args) or 'agentcore'} changed; if on purpose, update the snapshots "
        "with AGENTCORE_UPDATE_SNAPSHOTS=1"
    )


def test_every_snapshot_belongs_to_a_command() -> None:
    expected = {snapshot_name(a) for a in COMMANDS}
    assert {p.name for p in SNAPSHOTS.glob("*.txt")} == expected


@pytest.mark.parametrize("args", [("run",), ("tools", "call")])
def test_live_subcommand_help_says_the_same(cli: Cli, args: tuple[str, ...]) -> None:
    # through main() and typer, at whatever width: the same options are there
    result = cli(*args, "--help")
    assert result.code == 0
    assert f"Usage: agentcore {' '.join(args)}" in result.out
    for line in render_help(args).splitlines():
        for word in line.split():
            if word.startswith("--"):
                assert word in result.out

"""Shared by the suite generators: where the bundled suites live and how their YAML is written.

Every generator renders its suite to a string (so that a test can compare the rendering with
the file in the repository: "is the generated suite current?") and writes it with
:func:`write`. Multi-line strings (prompts, test code) are written as YAML literal blocks so the
suite files stay readable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
EVALS = ROOT / "evals"


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings; keys in the order given; no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


class Flow(list):  # type: ignore[type-arg]
    """A list written on one line (``[a, b]``): rows of a result table, short id lists."""


def _flow(dumper: yaml.SafeDumper, value: Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(Flow, _flow)


def render(header: str, data: dict[str, Any]) -> str:
    """A suite file: a comment header (each line prefixed with '# ') and the YAML body."""
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.strip("\n").split("\n"))
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return comment + body


def write(path: Path, text: str) -> None:
    """Write a generated file (creating its folder) and say so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)} ({len(text.encode()):,} bytes)")

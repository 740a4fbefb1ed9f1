"""The README's Quick start example runs as written."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).parents[2] / "README.md"


def python_blocks(section: str) -> list[str]:
    text = README.read_text()
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", body, flags=re.S)


def test_readme_opens_with_the_two_setup_commands() -> None:
    head = README.read_text().split("\n## ", 1)[0]
    assert "make demo" in head and "make test" in head


def test_quick_start_example_runs(tmp_data_dir: Path) -> None:
    (block,) = python_blocks("Quick start")
    namespace: dict[str, object] = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), namespace)
        asyncio.run(namespace["main"]())  # type: ignore[operator]
    lines = out.getvalue().splitlines()
    assert lines[0] == "completed What is 2+2?"
    assert "input_tokens=" in lines[1]
    assert any(line.startswith("run_end") for line in lines)

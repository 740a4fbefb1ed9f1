"""``agentcore chat`` is mounted without making help or other commands slower."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from agentcore.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
names = ("prompt_toolkit", "langgraph", "lancedb", "agentcore.chat")
loaded = [n for n in names if n in sys.modules]
sys.stderr.write("\\nPROBE " + json.dumps({"code": code, "loaded": loaded}) + "\\n")
"""


def probe(*args: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("PROBE "))
    result: dict[str, object] = json.loads(line.removeprefix("PROBE "))
    result["stdout"] = proc.stdout
    return result


def test_top_level_help_lists_chat_and_imports_nothing_heavy() -> None:
    result = probe("--help")
    assert result["code"] == 0
    assert result["loaded"] == []
    assert "│ chat " in str(result["stdout"])


def test_chat_help_imports_neither_prompt_toolkit_nor_the_graph() -> None:
    result = probe("chat", "--help")
    assert result["code"] == 0
    assert result["loaded"] == []
    out = str(result["stdout"])
    assert "Usage: agentcore chat" in out and "--resume" in out and "--model" in out


def test_other_commands_do_not_import_the_chat() -> None:
    result = probe("run", "--help")
    assert result["code"] == 0
    assert result["loaded"] == []

"""The command line: MCP servers in tools list, tools call, doctor; config errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from mcp_servers import DOCS_SERVER, PYTHON

from agentcore.cli import main

TOML = f"""\
[[mcp.servers]]
name = "docs"
command = "{PYTHON}"
args = ["{DOCS_SERVER}"]
risk = "read_only"
tools = ["search", "page.count"]

[[mcp.servers]]
name = "broken"
command = "{PYTHON}"
args = ["-c", "import sys; sys.exit('cannot start: DOCS_INDEX is not set')"]
"""


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    """Commands configure logging onto pytest's capture streams; undo it after each test."""
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == "agentcore"]:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)
    structlog.reset_defaults()


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


@pytest.fixture
def project(tmp_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "240")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "agentcore.toml").write_text(TOML)
    return tmp_path


def test_tools_list_shows_mcp_tools_and_reports_a_failed_server(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, "tools", "list")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:3] for line in out.splitlines()[1:] if line.strip()}
    assert rows["docs/search"] == ["mcp:docs", "read_only"]
    assert rows["docs/page.count"] == ["mcp:docs", "read_only"]
    assert "docs/crash" not in rows  # not in the allowlist
    assert "think" in rows  # other tools unaffected
    assert "warning: MCP server 'broken' failed to start" in err
    assert "cannot start: DOCS_INDEX is not set" in err


def test_tools_show_and_call_take_the_server_slash_tool_name(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _cli(capsys, "tools", "show", "docs/page.count")
    assert code == 0
    assert out.startswith("docs/page.count  (plugin: mcp:docs)")
    assert "models call it: docs__page_count_" in out
    code, out, _ = _cli(capsys, "tools", "call", "docs/search", '{"query": "rollback"}', "--json")
    assert code == 0
    assert json.loads(out) == {
        "tool": "docs/search",
        "ok": True,
        "result": "To roll back a release, run `deploy rollback --to TAG` (guide.md, section 4).",
    }


def test_doctor_reports_each_server(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "doctor")
    assert code == 1
    assert "mcp docs" in out and "2 tools (search, page.count)" in out
    assert "mcp broken" in out and "failed to start" in out


def test_a_misconfigured_server_names_the_file_line_and_field(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "agentcore.toml").write_text(
        '[[mcp.servers]]\nname = "docs"\ncommand = "x"\n\n'
        '[[mcp.servers]]\nname = "web"\ntransport = "http"\ntimeout = 3\n'
    )
    code, _, err = _cli(capsys, "tools", "list")
    assert code == 2
    assert err.startswith(f"error: {project / 'agentcore.toml'}:8: 'mcp.servers.1.timeout': ")
    (project / "agentcore.toml").write_text(
        '[[mcp.servers]]\nname = "docs"\ncommand = "x"\n\n'
        '[[mcp.servers]]\nname = "web"\ntransport = "http"\n'
    )
    code, _, err = _cli(capsys, "tools", "list")
    assert code == 2
    assert err.startswith(
        f"error: {project / 'agentcore.toml'}:5: 'mcp.servers.1': server 'web': 'url' is "
        "required for transport 'http'"
    )

"""The client side against real servers: discovery, calls, errors, crashes, timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp_servers import broken_server, config, stdio_server

from agentcore.errors import MCPServerError, ToolError
from agentcore.mcp import Connection, discover, make_tool, with_mcp_tools
from agentcore.mcp._adapter import MCPTool
from agentcore.plugins import load_registry
from agentcore.tools import ToolContext, config_with_context, tool_meta


def _context(data_dir: Path, run_id: str = "run-1") -> tuple[dict[str, Any], list[Any]]:
    deferred: list[Any] = []
    ctx = ToolContext(
        run_id=run_id, agent="a", workspace=data_dir, data_dir=data_dir, defer=deferred.append
    )
    return config_with_context(ctx), deferred  # type: ignore[return-value]


def _tools(table: dict[str, Any], data_dir: Path) -> dict[str, MCPTool]:
    report = discover([config(table)], data_dir=data_dir)[table["name"]]
    assert report.ok, report.error
    return {t.name: make_tool(report.server, t) for t in report.tools}


def test_discovery_lists_the_tools_of_a_stdio_server(tmp_data_dir: Path) -> None:
    report = discover([config(stdio_server())], data_dir=tmp_data_dir)["docs"]
    assert report.ok
    names = [t.name for t in report.tools]
    assert {"search", "page.count", "fail", "crash", "slow", "pid", "env"} <= set(names)
    search = next(t for t in report.tools if t.name == "search")
    assert search.input_schema["required"] == ["query"]


def test_discovery_applies_the_allowlist(tmp_data_dir: Path) -> None:
    table = stdio_server(tools=["search", "nonesuch"])
    report = discover([config(table)], data_dir=tmp_data_dir)["docs"]
    assert [t.name for t in report.tools] == ["search"]
    assert report.missing == ("nonesuch",)
    assert "crash" in report.hidden


def test_a_server_that_fails_to_start_is_reported_with_its_stderr(tmp_data_dir: Path) -> None:
    reports = discover([config(broken_server()), config(stdio_server())], data_dir=tmp_data_dir)
    assert reports["docs"].ok  # the other server is not affected
    error = reports["broken"].error
    assert error is not None
    assert "MCP server 'broken' failed to start" in error
    assert "cannot start: DOCS_INDEX is not set" in error


def test_a_missing_command_is_named(tmp_data_dir: Path) -> None:
    report = discover(
        [config({"name": "gone", "command": "/nonexistent/mcp-server"})], data_dir=tmp_data_dir
    )["gone"]
    assert report.error is not None
    assert "/nonexistent/mcp-server" in report.error


def test_a_server_that_never_answers_times_out(tmp_data_dir: Path) -> None:
    table = {
        "name": "mute",
        "command": "python3",
        "args": ["-c", "import time; time.sleep(60)"],
        "connect_timeout_s": 1,
    }
    report = discover([config(table)], data_dir=tmp_data_dir)["mute"]
    assert report.error is not None
    assert "did not start within 1 s (connect_timeout_s)" in report.error


def test_discovery_over_streamable_http(
    tmp_data_dir: Path, http_docs_server: Callable[..., dict[str, Any]]
) -> None:
    report = discover([config(http_docs_server())], data_dir=tmp_data_dir)["web"]
    assert report.ok, report.error
    assert "search" in [t.name for t in report.tools]


def test_an_unreachable_http_server_is_reported(tmp_data_dir: Path) -> None:
    table = {"name": "web", "url": "http://127.0.0.1:9/mcp", "connect_timeout_s": 5}
    report = discover([config(table)], data_dir=tmp_data_dir)["web"]
    assert report.error is not None and "MCP server 'web' failed to start" in report.error


async def test_calls_reuse_one_connection_per_run_and_it_closes_at_the_end(
    tmp_data_dir: Path,
) -> None:
    tools = _tools(stdio_server(), tmp_data_dir)
    cfg, deferred = _context(tmp_data_dir)
    first = await tools["pid"].ainvoke({}, config=cfg)
    second = await tools["pid"].ainvoke({}, config=cfg)
    assert first == second  # the same server process
    found = await tools["search"].ainvoke({"query": "rollback"}, config=cfg)
    assert "deploy rollback --to TAG" in found
    assert len(deferred) == 1  # one close, registered on first use
    other_cfg, _ = _context(tmp_data_dir, run_id="run-2")
    assert await tools["pid"].ainvoke({}, config=other_cfg) != first  # another run
    deferred[0]()
    for _ in range(100):  # the server exits once its connection is closed
        await asyncio.sleep(0.1)
        if not _alive(int(first)):
            break
    assert not _alive(int(first))


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


async def test_tool_errors_come_back_as_tool_errors(tmp_data_dir: Path) -> None:
    tools = _tools(stdio_server(), tmp_data_dir)
    cfg, deferred = _context(tmp_data_dir)
    with pytest.raises(ToolError, match="docs/fail reported an error"):
        await tools["fail"].ainvoke({"reason": "no index"}, config=cfg)
    with pytest.raises(ToolError, match=r"docs/search reported an error: (?s:.*)query"):
        await tools["search"].ainvoke({"limit": 1}, config=cfg)  # the server refuses the args
    deferred[0]()


async def test_a_crash_mid_call_is_a_tool_error_and_the_next_call_restarts_the_server(
    tmp_data_dir: Path,
) -> None:
    tools = _tools(stdio_server(), tmp_data_dir)
    cfg, deferred = _context(tmp_data_dir)
    before = await tools["pid"].ainvoke({}, config=cfg)
    with pytest.raises(ToolError) as err:
        await tools["crash"].ainvoke({}, config=cfg)
    text = err.value.message
    assert "MCP server 'docs' closed the connection during the call to docs/crash" in text
    assert "crashing on purpose" in text  # its stderr
    after = await tools["pid"].ainvoke({}, config=cfg)
    assert after != before
    deferred[0]()


async def test_a_slow_call_times_out_and_the_connection_stays_usable(tmp_data_dir: Path) -> None:
    tools = _tools(stdio_server(call_timeout_s=0.5), tmp_data_dir)
    assert tool_meta(tools["slow"]).timeout_s > 0.5  # agentcore's own limit comes second
    cfg, deferred = _context(tmp_data_dir)
    pid = await tools["pid"].ainvoke({}, config=cfg)
    with pytest.raises(ToolError, match=r"docs/slow did not answer within 0.5 s \(call_timeout_s"):
        await tools["slow"].ainvoke({"seconds": 5}, config=cfg)
    assert await tools["pid"].ainvoke({}, config=cfg) == pid
    deferred[0]()


async def test_calls_over_streamable_http(
    tmp_data_dir: Path, http_docs_server: Callable[..., dict[str, Any]]
) -> None:
    tools = _tools(http_docs_server(), tmp_data_dir)
    cfg, deferred = _context(tmp_data_dir)
    found = await tools["search"].ainvoke({"query": "scaling"}, config=cfg)
    assert "deploy scale" in found
    with pytest.raises(ToolError, match="web/fail reported an error"):
        await tools["fail"].ainvoke({"reason": "x"}, config=cfg)
    deferred[0]()


def test_an_unset_variable_in_headers_is_named(
    tmp_data_dir: Path, http_docs_server: Callable[..., dict[str, Any]]
) -> None:
    table = http_docs_server(headers={"X-Token": "${DOCS_TEST_TOKEN}"})
    report = discover([config(table)], data_dir=tmp_data_dir)["web"]
    assert report.error == (
        "MCP server 'web': headers.X-Token uses ${DOCS_TEST_TOKEN}, which is not set in the "
        "environment"
    )


async def test_env_reaches_a_stdio_server_with_variables_expanded(
    tmp_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCS_TEST_TOKEN", "s3cret")
    tools = _tools(stdio_server(env={"DOCS_TOKEN": "${DOCS_TEST_TOKEN}"}), tmp_data_dir)
    cfg, deferred = _context(tmp_data_dir)
    assert await tools["env"].ainvoke({"name": "DOCS_TOKEN"}, config=cfg) == "s3cret"
    deferred[0]()


async def test_connection_open_failure_names_the_server(tmp_data_dir: Path) -> None:
    conn = Connection(config(broken_server()), data_dir=tmp_data_dir)
    with pytest.raises(MCPServerError) as err:
        await conn.open()
    assert err.value.server == "broken"


def test_registry_gets_namespaced_provider_safe_names(tmp_data_dir: Path) -> None:
    from agentcore.config import load_settings

    settings = load_settings({"mcp": {"servers": [stdio_server(risk="read_only")]}})
    registry, reports = with_mcp_tools(settings, load_registry())
    assert reports["docs"].ok
    assert registry.owners["tools"]["docs__search"] == "mcp:docs"
    odd = next(t for t in registry.tools.values() if getattr(t, "remote_name", "") == "page.count")
    assert odd.name.startswith("docs__page_count_")
    assert tool_meta(registry.tools["docs__search"]).risk == "read_only"

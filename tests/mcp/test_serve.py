"""``agentcore mcp serve``, driven by the MCP SDK's own client: real DuckDB, real sandbox."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp_servers import free_port, wait_for_port

from agentcore.config import load_settings
from agentcore.mcp._server import ServePolicy, ToolServer, build_server, select_tools
from agentcore.plugins import load_registry

mcp = pytest.importorskip("mcp")


@asynccontextmanager
async def _serve_stdio(data_dir: Path, workspace: Path, *args: str) -> AsyncIterator[Any]:
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "agentcore.cli", "mcp", "serve", "--workspace", str(workspace), *args],
        env={"AGENTCORE_DATA_DIR": str(data_dir)},
    )
    async with Client(params, read_timeout_seconds=120) as client:
        yield client


def _text(result: Any) -> str:
    return "\n".join(block.text for block in result.content)


async def test_an_mcp_client_lists_and_calls_the_tools_over_stdio(
    tmp_data_dir: Path, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    tools = "sql_query,run_python,web_search,think"
    async with _serve_stdio(
        tmp_data_dir, workspace, "--tools", tools, "--allow", "run_python"
    ) as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        assert sorted(listed) == ["run_python", "sql_query", "think", "web_search"]
        assert listed["think"].annotations.read_only_hint is True
        assert listed["sql_query"].input_schema["required"] == ["sql"]
        assert "refuses calls to it" in (listed["web_search"].description or "")

        answer = await client.call_tool("sql_query", {"sql": "select 6 * 7 as answer"})
        assert not answer.is_error and "42" in _text(answer)

        first = await client.call_tool("run_python", {"code": "x = 20 + 1\nprint(x)"})
        assert not first.is_error and "21" in _text(first)
        again = await client.call_tool("run_python", {"code": "print(x * 2)"})  # one session
        assert "42" in _text(again)

        refused = await client.call_tool("web_search", {"query": "rollback"})
        assert refused.is_error
        assert _text(refused).startswith("refused: web_search reaches the network")
        assert "--allow web_search" in _text(refused)

        bad = await client.call_tool("sql_query", {"query": "select 1"})
        assert bad.is_error and "invalid arguments for sql_query" in _text(bad)
    assert (workspace / ".agentcore" / "sql").is_dir()  # DuckDB wrote its results there


async def test_risky_tools_are_refused_unless_allowed(tmp_data_dir: Path, tmp_path: Path) -> None:
    from mcp import Client

    settings = load_settings()
    chosen = select_tools(load_registry(), ["run_python", "sql_query"])
    server = ToolServer(settings=settings, tools=chosen, policy=ServePolicy(), workspace=tmp_path)
    async with Client(build_server(server)) as client:
        refused = await client.call_tool("run_python", {"code": "print(1)"})
        assert refused.is_error
        assert _text(refused).startswith("refused: run_python executes code")
        ok = await client.call_tool("sql_query", {"sql": "select 1 as one"})
        assert not ok.is_error
    server.close()
    risky = ServePolicy(allow_risky=True)
    assert risky.refusal(chosen["run_python"], settings) is None
    assert (
        ServePolicy(allow=frozenset({"run_python"})).refusal(chosen["run_python"], settings) is None
    )


def test_unknown_tools_are_a_usage_error(tmp_data_dir: Path) -> None:
    from agentcore.errors import UserError

    with pytest.raises(UserError, match="unknown tool\\(s\\) for --tools: nope"):
        select_tools(load_registry(), ["think", "nope"])


@pytest.fixture
def http_serve(tmp_data_dir: Path, tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """``agentcore mcp serve --transport http`` on a free loopback port."""
    port = free_port()
    command = [sys.executable, "-m", "agentcore.cli", "mcp", "serve", "--transport", "http"]
    command += ["--port", str(port), "--tools", "sql_query,think", "--workspace", str(tmp_path)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(20)


async def test_serve_over_streamable_http(
    http_serve: tuple[int, subprocess.Popen[bytes]],
) -> None:
    from mcp import Client

    port, proc = http_serve
    async with Client(f"http://127.0.0.1:{port}/mcp") as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert names == ["sql_query", "think"]
        result = await client.call_tool("sql_query", {"sql": "select 'over http' as s"})
        assert "over http" in _text(result)
    assert proc.stderr is not None
    assert proc.stderr.read1(4096).startswith(b"agentcore mcp: serving over streamable HTTP at")

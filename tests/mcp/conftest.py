"""Real MCP servers for the tests: the SDK-written fixture server, over stdio and over HTTP."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from mcp_servers import DOCS_SERVER, PYTHON, free_port, wait_for_port

from agentcore.mcp import clear_cache


@pytest.fixture(autouse=True)
def _fresh_discovery() -> Iterator[None]:
    """Every test asks the servers itself: no tool list kept from another test."""
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def http_docs_server() -> Iterator[Callable[..., dict[str, Any]]]:
    """Start the fixture server over streamable HTTP on loopback; yields a table factory."""
    port = free_port()
    proc = subprocess.Popen(
        [PYTHON, str(DOCS_SERVER), "--http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc)

        def table(name: str = "web", **fields: Any) -> dict[str, Any]:
            return {"name": name, "url": f"http://127.0.0.1:{port}/mcp", **fields}

        yield table
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()

"""Helpers for the MCP tests: the fixture servers' tables, free ports."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from agentcore.config import MCPServerConfig

FIXTURES = Path(__file__).parents[1] / "fixtures" / "mcp"
DOCS_SERVER = FIXTURES / "docs_server.py"
PYTHON = sys.executable


def stdio_server(name: str = "docs", **fields: Any) -> dict[str, Any]:
    """A ``[[mcp.servers]]`` table for the fixture server over stdio."""
    return {"name": name, "command": PYTHON, "args": [str(DOCS_SERVER)], **fields}


def broken_server(name: str = "broken", **fields: Any) -> dict[str, Any]:
    """A server whose program exits at once, with a message on stderr."""
    code = "import sys; sys.exit('cannot start: DOCS_INDEX is not set')"
    return {"name": name, "command": PYTHON, "args": ["-c", code], **fields}


def config(table: dict[str, Any]) -> MCPServerConfig:
    return MCPServerConfig.model_validate(table)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")

"""The Model Context Protocol, both ways.

* **Client**: the servers in ``[[mcp.servers]]`` (agentcore.toml) lend their tools to agents,
  who list them as ``server/tool`` or ``server/*``; the model sees them as ``server__tool``.
  A run connects to a server on first use, reuses the connection, and closes it at its end.
* **Server**: ``agentcore mcp serve`` offers the registry's tools to any MCP client, under
  the same sandbox, limits and approval policy (:func:`build_server`).

The official ``mcp`` SDK is the ``mcp`` extra (``uv pip install 'agentcore[mcp]'``); it is
imported only when a server is reached or served. This module imports only the configuration
models eagerly: :mod:`agentcore.config` uses them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agentcore.mcp._config import MCPServerConfig, MCPSettings
from agentcore.mcp._names import display_name, model_name, split_display_name

if TYPE_CHECKING:
    from agentcore.mcp._adapter import MCPTool, RemoteTool, make_tool, result_text
    from agentcore.mcp._connection import Connection, RunConnections
    from agentcore.mcp._discovery import ServerReport, clear_cache, discover
    from agentcore.mcp._server import ServePolicy, build_server, serve
    from agentcore.mcp._team import find_tool, prepare_team, with_mcp_tools

__all__ = [
    "Connection",
    "MCPServerConfig",
    "MCPSettings",
    "MCPTool",
    "RemoteTool",
    "RunConnections",
    "ServePolicy",
    "ServerReport",
    "build_server",
    "clear_cache",
    "discover",
    "display_name",
    "find_tool",
    "make_tool",
    "model_name",
    "prepare_team",
    "result_text",
    "serve",
    "split_display_name",
    "with_mcp_tools",
]

# The rest imports langchain-core and agentcore.tools, which import agentcore.config, which
# imports this package: they load on first use.
_LAZY = {
    "MCPTool": "_adapter",
    "RemoteTool": "_adapter",
    "make_tool": "_adapter",
    "result_text": "_adapter",
    "Connection": "_connection",
    "RunConnections": "_connection",
    "ServerReport": "_discovery",
    "clear_cache": "_discovery",
    "discover": "_discovery",
    "ServePolicy": "_server",
    "build_server": "_server",
    "serve": "_server",
    "find_tool": "_team",
    "prepare_team": "_team",
    "with_mcp_tools": "_team",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agentcore.mcp' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"agentcore.mcp.{module}"), name)
    globals()[name] = value
    return value

"""Asking MCP servers which tools they have, before a run: for the team, tools list, doctor.

The model must see a tool's name, description and schema before it can call it, so the team
asks each server it uses for its tool list when it is loaded: a short connection that is
closed again. Runs open their own connections on first use. Answers are kept for the life
of the process (per server configuration); a failure is not kept, so the next load tries
again.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from agentcore.errors import MCPServerError
from agentcore.mcp._adapter import RemoteTool
from agentcore.mcp._config import MCPServerConfig
from agentcore.mcp._connection import Connection, describe, require_sdk, run_background

__all__ = ["ServerReport", "clear_cache", "discover"]

_CACHE: dict[str, tuple[RemoteTool, ...]] = {}
_LOCK = threading.Lock()


@dataclass(kw_only=True, slots=True, frozen=True)
class ServerReport:
    """What one server said about its tools, or why it could not be asked.

    Attributes:
        server: The server's configuration.
        tools: Its tools that agents may use (the ``tools`` allowlist applied).
        hidden: Tools it offers that the allowlist leaves out.
        missing: Tools the allowlist names that it does not offer.
        error: Why it could not be asked (did not start, refused, timed out); ``None`` if ok.
    """

    server: MCPServerConfig
    tools: tuple[RemoteTool, ...] = ()
    hidden: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The server answered."""
        return self.error is None


def clear_cache() -> None:
    """Forget the tool lists asked for so far (tests; a server whose tools changed)."""
    with _LOCK:
        _CACHE.clear()


def _report(server: MCPServerConfig, offered: tuple[RemoteTool, ...]) -> ServerReport:
    names = {t.name for t in offered}
    return ServerReport(
        server=server,
        tools=tuple(t for t in offered if server.allows(t.name)),
        hidden=tuple(sorted(t.name for t in offered if not server.allows(t.name))),
        missing=tuple(n for n in (server.tools or ()) if n not in names),
    )


async def _ask(server: MCPServerConfig, data_dir: Path) -> ServerReport:
    conn = Connection(server, data_dir=data_dir)
    try:
        await conn.open()
        listed = await conn.list_tools()
    except MCPServerError as exc:
        return ServerReport(server=server, error=exc.message)
    except Exception as exc:  # anything else the SDK raises: still only this server's problem
        return ServerReport(server=server, error=f"MCP server '{server.name}': {describe(exc)}")
    finally:
        await conn.aclose()
    offered = tuple(
        RemoteTool(
            name=t.name,
            description=t.description or t.title or "",
            input_schema=dict(t.input_schema),
        )
        for t in listed
    )
    with _LOCK:
        _CACHE[server.model_dump_json()] = offered
    return _report(server, offered)


async def _ask_all(servers: list[MCPServerConfig], data_dir: Path) -> list[ServerReport]:
    return list(await asyncio.gather(*(_ask(s, data_dir) for s in servers)))


def discover(servers: Iterable[MCPServerConfig], *, data_dir: Path) -> dict[str, ServerReport]:
    """Ask each server for its tools, all at once; a report per server name.

    Safe to call with or without a running event loop: the servers are asked on the
    connections' own loop (a thread). A server that fails is reported, never raised.

    Raises:
        MissingDependencyError: The ``mcp`` extra is not installed.
    """
    wanted = list(servers)
    if not wanted:
        return {}
    require_sdk()
    reports: dict[str, ServerReport] = {}
    to_ask: list[MCPServerConfig] = []
    with _LOCK:
        for server in wanted:
            cached = _CACHE.get(server.model_dump_json())
            if cached is None:
                to_ask.append(server)
            else:
                reports[server.name] = _report(server, cached)
    if to_ask:
        asked = run_background(_ask_all(to_ask, data_dir))
        reports.update({r.server.name: r for r in asked})
    return {s.name: reports[s.name] for s in wanted}

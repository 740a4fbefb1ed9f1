"""MCP tools in the registry and in agents' tool lists.

Agents name MCP tools ``server/tool`` or ``server/*`` in their frontmatter. When a team is
loaded, the servers its agents name are asked for their tools; those become registry tools
(owner ``mcp:<server>``) under their provider-safe names, and each agent's list is rewritten
to those names. A server that does not answer does not stop the team: the tools an agent
names explicitly are registered anyway, as tools whose calls report the server's error.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

import structlog

from agentcore.errors import PluginError
from agentcore.mcp._adapter import MCPTool, RemoteTool, make_tool
from agentcore.mcp._config import MCPServerConfig
from agentcore.mcp._discovery import ServerReport, discover
from agentcore.mcp._names import split_display_name
from agentcore.plugins import Registry

if TYPE_CHECKING:
    from agentcore.agents import AgentSpec
    from agentcore.config import Settings

__all__ = ["OWNER_PREFIX", "add_server_tools", "find_tool", "prepare_team", "with_mcp_tools"]

OWNER_PREFIX = "mcp:"
WILDCARD = "*"
log = structlog.get_logger("agentcore.mcp")


def _copy(registry: Registry) -> Registry:
    return Registry(
        items={kind: dict(items) for kind, items in registry.items.items()},
        owners={kind: dict(owners) for kind, owners in registry.owners.items()},
        plugins=list(registry.plugins),
    )


def _add(registry: Registry, tool: MCPTool) -> None:
    owner = f"{OWNER_PREFIX}{tool.server.name}"
    if tool.name in registry.tools:
        other = registry.owners["tools"].get(tool.name, "?")
        raise PluginError(
            f"tool name '{tool.name}' is registered by both plugin '{other}' and MCP server "
            f"'{tool.server.name}' (its tool '{tool.remote_name}', which models see as "
            f"'{tool.name}')",
            hint="rename the server ([[mcp.servers]] name in agentcore.toml), or leave the "
            "plugin out of AGENTCORE_PLUGINS",
        )
    registry.add("tools", tool.name, tool, owner)


def add_server_tools(
    registry: Registry, report: ServerReport, *, wanted: Collection[str] = ()
) -> list[MCPTool]:
    """Register the tools ``report`` lists (in place); return them.

    When the server did not answer, ``wanted`` (tool names on the server that agents list)
    and the server's ``tools`` allowlist are registered as unavailable tools.

    Raises:
        PluginError: A tool's model-facing name is already registered by a plugin.
    """
    server = report.server
    if report.ok:
        made = [make_tool(server, remote) for remote in report.tools]
    else:
        names = dict.fromkeys([*(n for n in wanted if server.allows(n)), *(server.tools or ())])
        made = [
            make_tool(server, RemoteTool(name=name), unavailable=report.error) for name in names
        ]
    for tool in made:
        _add(registry, tool)
    return made


def with_mcp_tools(
    settings: Settings, registry: Registry, servers: Iterable[MCPServerConfig] | None = None
) -> tuple[Registry, dict[str, ServerReport]]:
    """A copy of ``registry`` with the tools of ``servers`` (default: every configured one).

    Returns the registry and a report per server (failures included, never raised).
    """
    chosen = list(settings.mcp.servers if servers is None else servers)
    reports = discover(chosen, data_dir=settings.data_dir)
    out = _copy(registry)
    for report in reports.values():
        add_server_tools(out, report)
    return out, reports


def find_tool(registry: Registry, name: str) -> str | None:
    """The registry key of the MCP tool people call ``name`` (``server/tool``), if any."""
    for key, tool in registry.tools.items():
        if isinstance(tool, MCPTool) and tool.display_name == name:
            return key
    return None


def _references(
    agents: Mapping[str, AgentSpec], configured: Mapping[str, MCPServerConfig]
) -> dict[str, set[str]]:
    """Per configured server, the tool names (or ``*``) agents list for it."""
    refs: dict[str, set[str]] = {}
    for spec in agents.values():
        for name in spec.tools:
            parts = split_display_name(name)
            if parts is not None and parts[0] in configured:
                refs.setdefault(parts[0], set()).add(parts[1])
    return refs


def prepare_team(
    settings: Settings, registry: Registry, agents: Mapping[str, AgentSpec]
) -> tuple[Registry, dict[str, AgentSpec]]:
    """Check the team against the registry and the MCP servers its agents name.

    Returns a registry with those servers' tools added and the agents with ``server/tool``
    and ``server/*`` replaced by the tools' registry names.

    Raises:
        SpecError: An agent lists a tool nobody provides (naming file, line and field).
        PluginError: An MCP tool's name clashes with a plugin's tool.
        MissingDependencyError: Agents name MCP tools but the ``mcp`` extra is missing.
    """
    from agentcore.agents import validate_team

    configured = {s.name: s for s in settings.mcp.servers}
    refs = _references(agents, configured)
    if not refs:
        validate_team(agents, tool_names=registry.tools.keys())
        return registry, dict(agents)
    reports = discover([configured[n] for n in refs], data_dir=settings.data_dir)
    team = _copy(registry)
    by_display: dict[str, str] = {}
    by_server: dict[str, list[str]] = {}
    for name, report in reports.items():
        if not report.ok:
            log.warning("mcp server unavailable", server=name, error=report.error)
        for tool in add_server_tools(team, report, wanted=refs[name] - {WILDCARD}):
            by_display[tool.display_name] = tool.name
            by_server.setdefault(name, []).append(tool.name)
    known = {*team.tools, *by_display, *(f"{n}/{WILDCARD}" for n in refs)}
    validate_team(agents, tool_names=known)

    out: dict[str, AgentSpec] = {}
    for key, spec in agents.items():
        names: list[str] = []
        for name in spec.tools:
            parts = split_display_name(name)
            if parts is not None and parts[1] == WILDCARD and parts[0] in by_server:
                names.extend(by_server[parts[0]])
            elif parts is not None and parts[1] == WILDCARD:
                continue  # a server that did not answer, with no allowlist: nothing to offer
            else:
                names.append(by_display.get(name, name))
        tools = tuple(dict.fromkeys(names))
        out[key] = spec if tools == spec.tools else spec.model_copy(update={"tools": tools})
    return team, out

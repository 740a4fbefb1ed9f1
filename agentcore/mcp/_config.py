"""The ``[mcp]`` section of the configuration: the MCP servers whose tools agents may use.

Kept free of the MCP SDK and of langchain so that loading the configuration stays cheap.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["SERVER_NAME_RE", "MCPServerConfig", "MCPSettings", "RiskName"]

RiskName = Literal["read_only", "writes", "executes_code", "network"]
#: A server name is the prefix of its tools' names (``docs/search``, ``docs__search``).
SERVER_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*(_[A-Za-z0-9-]+)*$")
MAX_SERVER_NAME = 24


class MCPServerConfig(BaseModel):
    """One MCP server (a ``[[mcp.servers]]`` table): how to reach it, and what to trust.

    Attributes:
        name: Prefix of its tools: agents list them as ``name/tool`` (or ``name/*``). Letters,
            digits, ``-`` and single ``_``; at most 24 characters.
        transport: ``stdio`` (agentcore starts ``command``) or ``http`` (streamable HTTP at
            ``url``). Default: ``http`` when ``url`` is set, else ``stdio``.
        command: The program that starts a stdio server.
        args: Its arguments.
        env: Extra environment variables for a stdio server (it gets only a safe minimum of
            agentcore's environment besides); ``${VAR}`` takes a value from agentcore's.
        cwd: Working directory of a stdio server.
        url: The endpoint of an HTTP server, e.g. ``http://127.0.0.1:8000/mcp``.
        headers: HTTP headers sent to it (``${VAR}`` as in ``env``), e.g. an Authorization.
        tools: The server's tools agents may use (their names on the server); default: all.
        risk: What its tools can do, for the approval policy: ``read_only``, ``writes``,
            ``executes_code`` or ``network`` (the default: another program, outside the
            sandbox, decides what a call does).
        tool_risk: The risk of single tools, by their name on the server.
        requires_approval: Ask a person before every call to its tools.
        connect_timeout_s: Longest wait for the server to start and answer the handshake.
        call_timeout_s: Longest wait for one tool call.
        max_output_chars: Longer tool results are cut, with a note, before the model sees them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    transport: Literal["stdio", "http"] | None = None
    command: str | None = Field(None, min_length=1)
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: Path | None = None
    url: str | None = Field(None, pattern=r"^https?://\S+$")
    headers: dict[str, str] = Field(default_factory=dict)
    tools: list[str] | None = None
    risk: RiskName = "network"
    tool_risk: dict[str, RiskName] = Field(default_factory=dict)
    requires_approval: bool = False
    connect_timeout_s: float = Field(30.0, gt=0)
    call_timeout_s: float = Field(60.0, gt=0)
    max_output_chars: int = Field(20_000, gt=0)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not SERVER_NAME_RE.match(value) or len(value) > MAX_SERVER_NAME:
            raise ValueError(
                f"'{value}' is not a usable server name: use letters, digits, '-' and single "
                f"'_' (at most {MAX_SERVER_NAME} characters), e.g. name = \"docs\"; it "
                "prefixes the server's tools: docs/search"
            )
        return value

    @field_validator("tools")
    @classmethod
    def _check_tools(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            if any(not name.strip() for name in value):
                raise ValueError("tool names must not be empty")
            if any("/" in name for name in value):
                raise ValueError(
                    "list the tools by their name on the server, without the 'server/' prefix"
                )
        return value

    @model_validator(mode="after")
    def _check_transport(self) -> MCPServerConfig:
        transport = self.transport or ("http" if self.url is not None else "stdio")
        where = f"server '{self.name}'"
        if transport == "stdio":
            if self.command is None:
                raise ValueError(
                    f"{where}: 'command' is required for transport 'stdio' (the program that "
                    "starts the server), or set 'url' for an HTTP server"
                )
            if self.url is not None or self.headers:
                field = "url" if self.url is not None else "headers"
                raise ValueError(f"{where}: '{field}' is for transport 'http', not 'stdio'")
        else:
            if self.url is None:
                raise ValueError(
                    f"{where}: 'url' is required for transport 'http', "
                    'e.g. url = "http://127.0.0.1:8000/mcp"'
                )
            for field in ("command", "cwd"):
                if getattr(self, field) is not None:
                    raise ValueError(f"{where}: '{field}' is for transport 'stdio', not 'http'")
            if self.args or self.env:
                field = "args" if self.args else "env"
                raise ValueError(f"{where}: '{field}' is for transport 'stdio', not 'http'")
        unknown = sorted(set(self.tool_risk) - set(self.tools)) if self.tools is not None else []
        if unknown:
            raise ValueError(
                f"{where}: 'tool_risk' names {', '.join(unknown)}, which 'tools' does not allow"
            )
        return self

    @property
    def kind(self) -> Literal["stdio", "http"]:
        """The transport, inferred when the table does not say."""
        return self.transport or ("http" if self.url is not None else "stdio")

    def allows(self, tool: str) -> bool:
        """Whether agents may use the server's tool named ``tool``."""
        return self.tools is None or tool in self.tools

    def risk_of(self, tool: str) -> RiskName:
        """The risk level of the server's tool named ``tool``."""
        return self.tool_risk.get(tool, self.risk)


class MCPSettings(BaseModel):
    """MCP servers whose tools agents may use (``[mcp]`` in config).

    Attributes:
        servers: One ``[[mcp.servers]]`` table per server; names are unique.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    servers: list[MCPServerConfig] = Field(default_factory=list)

    @field_validator("servers")
    @classmethod
    def _unique(cls, value: list[MCPServerConfig]) -> list[MCPServerConfig]:
        seen: dict[str, int] = {}
        for index, server in enumerate(value):
            if server.name in seen:
                raise ValueError(
                    f"two servers are named '{server.name}' (entries {seen[server.name] + 1} "
                    f"and {index + 1}); give each a distinct name"
                )
            seen[server.name] = index
        return value

    def get(self, name: str) -> MCPServerConfig | None:
        """The server named ``name``, or ``None``."""
        return next((s for s in self.servers if s.name == name), None)

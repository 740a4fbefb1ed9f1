"""``agentcore mcp``: serve agentcore's tools to MCP clients."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from agentcore.cli._common import cli_settings

app = typer.Typer(
    name="mcp",
    help="The Model Context Protocol: serve agentcore's tools to any MCP client.",
    no_args_is_help=True,
)

SERVE_RUN_WORKSPACE = "mcp"


class Transport(StrEnum):
    stdio = "stdio"
    http = "http"


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    tools: Annotated[
        str | None,
        typer.Option(
            metavar="NAMES",
            help="Comma-separated tools to serve (default: every registered tool).",
            show_default=False,
        ),
    ] = None,
    transport: Annotated[
        Transport, typer.Option(help="stdio (for a client that starts this command) or http.")
    ] = Transport.stdio,
    host: Annotated[str, typer.Option(help="Address to listen on (http).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (http).", min=1, max=65535)] = 8000,
    allow: Annotated[
        list[str] | None,
        typer.Option(
            metavar="TOOL",
            help="Let calls to TOOL through although the approval policy would ask about "
            "them (repeat, or comma-separate).",
            show_default=False,
        ),
    ] = None,
    allow_risky: Annotated[
        bool,
        typer.Option(
            "--allow-risky",
            help="Let every call through: code execution and network tools included.",
        ),
    ] = False,
    workspace: Annotated[
        Path | None,
        typer.Option(
            help="Workspace the tools work in (default: the 'mcp' workspace in the data dir).",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the registry's tools over MCP (stdio or streamable HTTP).

    Calls run as an agent's would: same workspace rules, sandbox, locks and limits. Calls the
    approval policy would ask a person about ([approvals]; run_python, web_search, ...) are
    refused unless allowed with --allow TOOL or --allow-risky. Stop it with Ctrl-C.
    """
    from agentcore.errors import UserError
    from agentcore.mcp._connection import require_sdk
    from agentcore.mcp._server import (
        ServePolicy,
        ToolServer,
        allowed_names,
        loopback,
        select_tools,
        serve,
    )
    from agentcore.plugins import load_registry

    require_sdk()
    settings = cli_settings(ctx)
    names = [n.strip() for n in tools.split(",") if n.strip()] if tools is not None else None
    if names is not None and not names:
        raise UserError("--tools is empty", hint="name at least one tool, e.g. --tools sql_query")
    chosen = select_tools(load_registry(), names)
    allowed = allowed_names(allow or ())
    unknown = sorted(allowed - set(chosen))
    if unknown:
        raise UserError(
            f"--allow names tool(s) this server does not serve: {', '.join(unknown)}",
            hint=f"served tools: {', '.join(chosen)}",
        )
    ws = (workspace or settings.workspaces_dir / SERVE_RUN_WORKSPACE).resolve()
    ws.mkdir(parents=True, exist_ok=True)
    server = ToolServer(
        settings=settings,
        tools=chosen,
        policy=ServePolicy(allow=allowed, allow_risky=allow_risky),
        workspace=ws,
    )
    if transport is Transport.http and not loopback(host):
        sys.stderr.write(
            f"warning: listening on {host} without authentication: anyone who can reach it "
            "can call these tools\n"
        )

    def ready(line: str) -> None:
        sys.stderr.write(f"agentcore mcp: {line}; {len(chosen)} tools; workspace {ws}\n")
        sys.stderr.flush()

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a server is stopped
        asyncio.run(serve(server, transport=transport.value, host=host, port=port, ready=ready))

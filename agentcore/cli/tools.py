"""``agentcore tools``: list the registered tools, show one, call one by hand."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentcore.cli._common import cli_settings, print_json, stdout_console
from agentcore.errors import UserError

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool

    from agentcore.config import Settings
    from agentcore.plugins import Registry

app = typer.Typer(
    name="tools",
    help="The tools plugins registered: list them, read their schema, call one by hand.",
    no_args_is_help=True,
)

CLI_RUN_ID = "cli"


def _registry(ctx: typer.Context, name: str | None = None) -> tuple[Settings, Registry]:
    """Settings and the registry; with the tools of the configured MCP servers, if any.

    With ``name``, only the MCP server a ``server/tool`` name belongs to is asked.
    """
    settings = cli_settings(ctx)
    from agentcore.plugins import load_registry

    registry = load_registry()
    servers = settings.mcp.servers
    if name is not None:
        server = name.partition("/")[0] if "/" in name else None
        servers = [s for s in servers if s.name == server]
    if not servers:
        return settings, registry
    from agentcore.mcp import with_mcp_tools

    registry, reports = with_mcp_tools(settings, registry, servers)
    for report in reports.values():
        if report.error is not None:
            sys.stderr.write(f"warning: {report.error}\n")
    return settings, registry


def _lookup(registry: Registry, name: str) -> tuple[str, BaseTool]:
    """The registry key and tool for ``name``; an MCP tool may be named ``server/tool``."""
    if "/" in name:
        from agentcore.mcp import find_tool

        key = find_tool(registry, name)
        if key is not None:
            return key, registry.tools[key]
    return name, registry.get("tools", name)


def _shown_name(name: str, tool: BaseTool) -> str:
    from agentcore.mcp import MCPTool

    return tool.display_name if isinstance(tool, MCPTool) else name


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def args_schema(tool: BaseTool) -> dict[str, Any]:
    """The JSON schema of a tool's arguments, as the model sees it."""
    from langchain_core.utils.function_calling import convert_to_openai_tool

    parameters: dict[str, Any] = convert_to_openai_tool(tool)["function"]["parameters"]
    return parameters


@app.command("list")
def list_tools(ctx: typer.Context) -> None:
    """List the tools: name, plugin, risk, and what each does."""
    from rich.table import Table

    from agentcore.tools import tool_meta

    _, registry = _registry(ctx)
    owners = registry.owners["tools"]
    table = Table(box=None, pad_edge=False)
    for col in ("name", "plugin", "risk", "description"):
        table.add_column(col, overflow="fold")
    for name, tool in sorted(registry.tools.items(), key=lambda kv: _shown_name(*kv)):
        meta = tool_meta(tool)
        risk = meta.risk.value + (" (approval)" if meta.requires_approval else "")
        table.add_row(
            _shown_name(name, tool), owners.get(name, "?"), risk, _first_line(tool.description)
        )
    stdout_console().print(table)


@app.command("show")
def show_tool(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The tool's name (see: agentcore tools list).")
    ],
) -> None:
    """Show one tool: description, metadata and the JSON schema of its arguments."""
    from agentcore.tools import tool_meta

    _, registry = _registry(ctx, name)
    key, tool = _lookup(registry, name)
    meta = tool_meta(tool)
    out = sys.stdout
    shown = _shown_name(key, tool)
    out.write(f"{shown}  (plugin: {registry.owners['tools'].get(key, '?')})\n\n")
    if shown != tool.name:
        out.write(f"models call it: {tool.name}\n\n")
    out.write(f"{tool.description.strip()}\n\n")
    out.write(
        f"risk: {meta.risk.value}\ntimeout_s: {meta.timeout_s}\n"
        f"requires_approval: {str(meta.requires_approval).lower()}\n"
        f"max_output_chars: {meta.max_output_chars}\n\narguments (JSON schema):\n"
    )
    out.write(json.dumps(args_schema(tool), indent=2) + "\n")


def example_args(tool: BaseTool) -> str:
    """A shell-quoted example of ``ARGS_JSON`` for ``tool``, from its required arguments."""
    schema = args_schema(tool)
    names = schema.get("required") or list(schema.get("properties", {}))[:1]
    return "'" + json.dumps({n: "..." for n in names}) + "'"


def parse_args_json(tool: BaseTool, raw: str) -> dict[str, Any]:
    example = f"agentcore tools call {tool.name} {example_args(tool)}"
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"ARGS_JSON is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            hint=f"pass one JSON object, quoted for the shell, e.g. {example}",
        ) from None
    if not isinstance(value, dict):
        raise UserError(
            f"ARGS_JSON must be a JSON object, got {type(value).__name__}",
            hint=f"pass the arguments by name, e.g. {example}",
        )
    return value


def validate_args(tool: BaseTool, args: dict[str, Any]) -> None:
    """Check ``args`` against the tool's schema before calling it."""
    from pydantic import BaseModel, ValidationError

    schema = tool.args_schema
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        return
    try:
        schema.model_validate(args)
    except ValidationError as exc:
        problems = "; ".join(
            f"'{'.'.join(str(p) for p in e['loc']) or '(arguments)'}': {e['msg']}"
            for e in exc.errors()[:3]
        )
        raise UserError(
            f"invalid arguments for tool '{tool.name}': {problems}",
            hint=f"see its schema: agentcore tools show {tool.name}",
        ) from None


async def _invoke(tool: BaseTool, args: dict[str, Any], settings: Settings, ws: Path) -> Any:
    import structlog

    from agentcore.tools import ToolContext, config_with_context, tool_meta

    log = structlog.get_logger("agentcore.cli.tools")

    def emit(kind: str, data: Any) -> None:
        log.debug("tool event", kind=kind, data=data)

    ctx = ToolContext(
        run_id=CLI_RUN_ID,
        agent="cli",
        workspace=ws,
        data_dir=settings.data_dir,
        settings=settings.plugins,
        emit=emit,
    )
    timeout = tool_meta(tool).timeout_s
    try:
        return await asyncio.wait_for(
            tool.ainvoke(args, config=config_with_context(ctx)), timeout=timeout
        )
    except TimeoutError:
        from agentcore.errors import ToolError

        raise ToolError(f"timed out after {timeout:g}s") from None


@app.command("call")
def call_tool(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The tool's name (see: agentcore tools list).")
    ],
    args_json: Annotated[
        str,
        typer.Argument(
            metavar="ARGS_JSON", help='Arguments as one JSON object, e.g. \'{"path": "a.txt"}\'.'
        ),
    ] = "{}",
    workspace: Annotated[
        Path | None,
        typer.Option(
            help="Workspace the tool works in (default: the 'cli' workspace in the data dir).",
            file_okay=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"tool", "ok", "result" or "error"} as JSON.')
    ] = False,
) -> None:
    """Call one tool by hand, as an agent would, and print its result.

    Exit code 1 when the tool reports an error, 2 for an unknown tool or bad arguments.
    """
    from langchain_core.tools import ToolException

    from agentcore.errors import ToolError

    settings, registry = _registry(ctx, name)
    _, tool = _lookup(registry, name)
    args = parse_args_json(tool, args_json)
    validate_args(tool, args)
    ws = (workspace or settings.workspaces_dir / CLI_RUN_ID).resolve()
    ws.mkdir(parents=True, exist_ok=True)
    try:
        result = asyncio.run(_invoke(tool, args, settings, ws))
    except (ToolError, ToolException) as exc:
        message = exc.message if isinstance(exc, ToolError) else str(exc)
        if as_json:
            print_json({"tool": name, "ok": False, "error": message})
        else:
            sys.stderr.write(f"tool error: {message}\n")
        raise typer.Exit(1) from None
    if as_json:
        print_json({"tool": name, "ok": True, "result": result})
    elif isinstance(result, str):
        sys.stdout.write(result if result.endswith("\n") else result + "\n")
    else:
        sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")

"""``agentcore mcp serve``: the registry's tools, offered to any MCP client.

A call runs the tool exactly as an agent's call would: the same ``ToolContext`` (workspace,
data dir, plugin settings), so the same sandbox, locks and per-tool limits (timeout, output
cap). Nobody can be asked for approval, so the approval policy (``[approvals]``) decides
alone: a call it would ask about is refused, unless the server was started with
``--allow TOOL`` or ``--allow-risky``. The whole server process is one run (run id
``mcp-<id>``): ``run_python`` keeps one Python session for it, stopped when the server stops.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import structlog
from pydantic import ValidationError

from agentcore.approvals import approval_reason
from agentcore.errors import ToolError, UserError
from agentcore.mcp._adapter import MCPTool
from agentcore.mcp._connection import require_sdk
from agentcore.tools import Risk, ToolContext, config_with_context, tool_meta

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool
    from mcp.server import Server
    from mcp.types import CallToolResult

    from agentcore.config import Settings
    from agentcore.plugins import Registry

__all__ = ["ServePolicy", "ToolServer", "build_server", "select_tools", "serve"]

log = structlog.get_logger("agentcore.mcp.serve")
SERVER_NAME = "agentcore"


@dataclass(kw_only=True, slots=True, frozen=True)
class ServePolicy:
    """Which calls the server refuses: those the approval policy would ask a person about.

    Attributes:
        allow: Tools whose calls go through whatever the policy says.
        allow_risky: Let every call through (the sandbox still applies).
    """

    allow: frozenset[str] = frozenset()
    allow_risky: bool = False

    def refusal(self, tool: BaseTool, settings: Settings) -> str | None:
        """Why a call to ``tool`` is refused, or ``None`` when it may run."""
        reason = approval_reason(tool.name, tool_meta(tool), settings.approvals)
        if reason is None or self.allow_risky or tool.name in self.allow:
            return None
        return (
            f"refused: {reason}, and nobody can approve calls made over MCP. Whoever runs "
            f"`agentcore mcp serve` can allow it with --allow {tool.name} (or --allow-risky)"
        )


def select_tools(registry: Registry, names: Sequence[str] | None) -> dict[str, BaseTool]:
    """The registry's tools to serve: ``names``, or all of them (MCP tools excepted).

    Raises:
        UserError: A name that is not a registered tool.
    """
    available = {n: t for n, t in registry.tools.items() if not isinstance(t, MCPTool)}
    if names is None:
        return dict(sorted(available.items()))
    unknown = [n for n in names if n not in available]
    if unknown:
        raise UserError(
            f"unknown tool(s) for --tools: {', '.join(unknown)}",
            hint=f"registered tools: {', '.join(sorted(available)) or 'none'}",
        )
    return {n: available[n] for n in names}


def _input_schema(tool: BaseTool) -> dict[str, Any]:
    from langchain_core.utils.function_calling import convert_to_openai_tool

    parameters: dict[str, Any] = convert_to_openai_tool(tool)["function"]["parameters"]
    return parameters


@dataclass(kw_only=True, slots=True)
class ToolServer:
    """The served tools and the one run their calls belong to.

    Attributes:
        settings: agentcore's settings (plugin settings, approval policy, sandbox).
        tools: The tools to serve, by name.
        policy: Which calls are refused.
        workspace: Where the tools read and write.
        run_id: The run the calls belong to.
    """

    settings: Settings
    tools: Mapping[str, BaseTool]
    policy: ServePolicy
    workspace: Path
    run_id: str = field(default_factory=lambda: f"mcp-{uuid.uuid4().hex[:8]}")
    _deferred: list[Callable[[], object]] = field(default_factory=list)

    def context(self) -> ToolContext:
        """The context every call gets."""

        def emit(kind: str, data: Mapping[str, Any]) -> None:
            log.debug("tool event", kind=kind, data=dict(data))

        return ToolContext(
            run_id=self.run_id,
            agent="mcp",
            workspace=self.workspace,
            data_dir=self.settings.data_dir,
            settings=self.settings.plugins,
            emit=emit,
            defer=self._deferred.append,
            agentcore_settings=self.settings,
        )

    def describe(self, tool: BaseTool) -> str:
        """The description an MCP client reads: the tool's, and whether calls are refused."""
        text = tool.description.strip()
        refusal = self.policy.refusal(tool, self.settings)
        if refusal is not None:
            text += f"\n\n(This server refuses calls to it: start it with --allow {tool.name}.)"
        return text

    async def call(self, name: str, args: Mapping[str, Any]) -> tuple[str, bool]:
        """Run one call as an agent's would; returns ``(text, is_error)``, never raises."""
        tool = self.tools.get(name)
        if tool is None:
            return f"unknown tool '{name}'; tools: {', '.join(self.tools)}", True
        refusal = self.policy.refusal(tool, self.settings)
        if refusal is not None:
            log.info("mcp call refused", tool=name)
            return refusal, True
        meta = tool_meta(tool)
        try:
            async with asyncio.timeout(meta.timeout_s):
                result = await tool.ainvoke(dict(args), config=config_with_context(self.context()))
        except TimeoutError:
            return f"{name} timed out after {meta.timeout_s:g} s and was cancelled", True
        except ToolError as exc:
            return exc.message, True
        except ValidationError as exc:
            errs = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()
            )
            return f"invalid arguments for {name}: {errs}", True
        except Exception as exc:  # a tool bug is the caller's error message, not a crash
            log.exception("mcp tool failed", tool=name)
            return f"{name} failed: {type(exc).__name__}: {exc}", True
        text = result if isinstance(result, str) else json.dumps(result, default=str)
        if len(text) > meta.max_output_chars:
            text = (
                text[: meta.max_output_chars]
                + f"\n[output cut: {len(text)} characters, showing the first "
                f"{meta.max_output_chars}]"
            )
        return text, False

    def close(self) -> None:
        """Run what the tools deferred to the end of the run (e.g. stop the sandbox)."""
        while self._deferred:
            callback = self._deferred.pop()
            try:
                callback()
            except Exception:  # one failing cleanup must not skip the others
                log.exception("cleanup failed")


def build_server(tools: ToolServer) -> Server[Any]:
    """The MCP server (the SDK's low-level ``Server``) answering for ``tools``."""
    require_sdk()
    from mcp.server import Server
    from mcp.server.context import ServerRequestContext
    from mcp.types import (
        CallToolRequestParams,
        ListToolsResult,
        PaginatedRequestParams,
        TextContent,
        Tool,
        ToolAnnotations,
    )

    from agentcore import __version__

    listed = [
        Tool(
            name=name,
            description=tools.describe(tool),
            input_schema=_input_schema(tool),
            annotations=_annotations(tool_meta(tool).risk, ToolAnnotations),
        )
        for name, tool in tools.tools.items()
    ]
    schemas = {t.name: t.input_schema for t in listed}

    async def list_tools(
        ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        return ListToolsResult(tools=listed)

    async def call_tool(
        ctx: ServerRequestContext[Any], params: CallToolRequestParams
    ) -> CallToolResult:
        from mcp.types import CallToolResult

        text, is_error = await tools.call(params.name, params.arguments or {})
        return CallToolResult(content=[TextContent(type="text", text=text)], is_error=is_error)

    return Server(
        SERVER_NAME,
        version=__version__,
        instructions="agentcore's tools: SQL on DuckDB, sandboxed Python, RAG search, memory, "
        "ML. Calls run in one workspace; run_python keeps its session between calls.",
        get_tool_input_schema=schemas.get,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def _annotations(risk: Risk, cls: Any) -> Any:
    return cls(
        read_only_hint=risk == Risk.READ_ONLY,
        destructive_hint=risk in (Risk.WRITES, Risk.EXECUTES_CODE),
        open_world_hint=risk == Risk.NETWORK,
    )


async def serve(
    tools: ToolServer,
    *,
    transport: Literal["stdio", "http"] = "stdio",
    host: str = "127.0.0.1",
    port: int = 8000,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve ``tools`` until the client disconnects (stdio) or the process is stopped (HTTP).

    Args:
        tools: What to serve.
        transport: ``stdio`` (this process's stdin/stdout) or ``http`` (streamable HTTP at
            ``http://HOST:PORT/mcp``).
        host: The address to listen on (HTTP).
        port: The port to listen on (HTTP).
        ready: Called with a line saying where the server listens, once it does.
    """
    server = build_server(tools)
    try:
        if transport == "stdio":
            from mcp.server.stdio import stdio_server

            async with stdio_server() as (read, write):
                if ready is not None:
                    ready("serving over stdio")
                await server.run(read, write, server.create_initialization_options())
        else:
            import uvicorn

            app = server.streamable_http_app(host=host)
            config = uvicorn.Config(app, host=host, port=port, log_level="warning")
            web = uvicorn.Server(config)
            if ready is not None:
                url = f"http://{_url_host(host)}:{port}/mcp"
                ready(f"serving over streamable HTTP at {url}")
            await web.serve()
    finally:
        await asyncio.to_thread(tools.close)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def loopback(host: str) -> bool:
    """Whether ``host`` is this machine only."""
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def allowed_names(values: Collection[str]) -> frozenset[str]:
    """``--allow`` values, which may also be comma-separated lists."""
    return frozenset(n.strip() for v in values for n in v.split(",") if n.strip())

"""An MCP server's tool as a langchain-core tool with agentcore metadata.

The model sees the tool under its provider-safe name (``docs__search``), with the server's
description and JSON schema. A call goes through the run's connection to the server
(:mod:`agentcore.mcp._connection`); whatever goes wrong — the server does not start, the
tool reports an error, the server crashes or does not answer in time — becomes a
``ToolError``, which the agent reads as the tool's result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from pydantic import ConfigDict

from agentcore.errors import MCPServerError, ToolError
from agentcore.mcp._config import MCPServerConfig
from agentcore.mcp._connection import connections_for, on_background
from agentcore.mcp._names import display_name, model_name
from agentcore.tools import Risk, ToolMeta, context_from_config, with_meta

if TYPE_CHECKING:
    from mcp.types import CallToolResult

__all__ = ["MCPTool", "RemoteTool", "make_tool", "result_text"]

MAX_DESCRIPTION = 1_024
# On top of connect + call timeouts, so that the server's own timeouts report first.
_TIMEOUT_MARGIN_S = 5.0
_ANY_ARGS: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": True}


@dataclass(kw_only=True, slots=True, frozen=True)
class RemoteTool:
    """What a server said about one of its tools (``tools/list``), as plain data."""

    name: str
    description: str = ""
    input_schema: dict[str, Any] = field(default_factory=dict)


class MCPTool(BaseTool):
    """A tool of an MCP server, called through the run's connection to it.

    Attributes:
        server: The server's configuration.
        remote_name: The tool's name on the server.
        unavailable: Why the server could not be asked for its tools when the team was
            loaded; the tool then takes any arguments, and a call tries to reach it again.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    server: MCPServerConfig
    remote_name: str
    unavailable: str | None = None

    @property
    def display_name(self) -> str:
        """The name people write: ``server/tool``."""
        return display_name(self.server.name, self.remote_name)

    def _to_args_and_kwargs(
        self, tool_input: str | dict[str, Any], tool_call_id: str | None
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        # The arguments travel as one mapping, so none of them can be taken for ``config``.
        if isinstance(tool_input, str):
            raise ToolError(f"{self.display_name} takes its arguments as a JSON object")
        return (), {"arguments": dict(tool_input)}

    def _run(self, *args: Any, **kwargs: Any) -> Any:
        raise ToolError(f"{self.display_name} is an MCP tool: call it asynchronously")

    async def _arun(self, arguments: dict[str, Any], config: RunnableConfig) -> str:
        ctx = context_from_config(config)
        try:
            pool = connections_for(ctx)
            result = await on_background(pool.call(self.server, self.remote_name, arguments))
        except MCPServerError as exc:
            raise ToolError(f"{exc.message}. {self._advice()}") from None
        text = result_text(result)
        if result.is_error:
            raise ToolError(f"{self.display_name} reported an error: {text or '(no details)'}")
        return text

    def _advice(self) -> str:
        return (
            f"The tool {self.display_name} is unavailable for now; carry on without it, "
            "or say in your result what you would need it for."
        )


def _describe_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The tool's JSON schema in the shape model APIs accept: an object with properties."""
    if schema.get("type") != "object":
        return dict(_ANY_ARGS)
    out = dict(schema)
    out.setdefault("properties", {})
    return out


def make_tool(
    config: MCPServerConfig, remote: RemoteTool, *, unavailable: str | None = None
) -> MCPTool:
    """Build the agentcore tool for one of ``config``'s tools.

    Its risk, approval, timeout and output cap come from the server's configuration.
    """
    description = remote.description.strip() or f"The tool '{remote.name}'."
    if unavailable is not None:
        description = f"(currently unavailable: {unavailable}) {description}"
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 1] + "…"
    tool = MCPTool(
        name=model_name(config.name, remote.name),
        description=description,
        args_schema=_describe_schema(remote.input_schema) if unavailable is None else _ANY_ARGS,
        server=config,
        remote_name=remote.name,
        unavailable=unavailable,
    )
    meta = ToolMeta(
        risk=Risk(config.risk_of(remote.name)),
        timeout_s=config.connect_timeout_s + config.call_timeout_s + _TIMEOUT_MARGIN_S,
        requires_approval=config.requires_approval,
        max_output_chars=config.max_output_chars,
        untrusted_output=True,  # another program's output: marked for the model like the web's
    )
    with_meta(tool, meta)
    return tool


def result_text(result: CallToolResult) -> str:
    """A tool result as the text the model reads.

    Text blocks as they are; images and audio as a note of their type and size (the model
    gets no binary data through a tool message); resources by their text or URI; structured
    content as JSON when the server sent no text.
    """
    from mcp.types import (
        AudioContent,
        BlobResourceContents,
        EmbeddedResource,
        ImageContent,
        ResourceLink,
        TextContent,
        TextResourceContents,
    )

    parts: list[str] = []
    for block in result.content:
        if isinstance(block, TextContent):
            parts.append(block.text)
        elif isinstance(block, ImageContent | AudioContent):
            kind = "image" if isinstance(block, ImageContent) else "audio"
            size = len(block.data) * 3 // 4
            parts.append(f"[{kind}: {block.mime_type}, about {size} bytes, not shown]")
        elif isinstance(block, ResourceLink):
            parts.append(f"[resource: {block.uri}" + (f" ({block.name})]" if block.name else "]"))
        elif isinstance(block, EmbeddedResource):
            res = block.resource
            if isinstance(res, TextResourceContents):
                parts.append(res.text)
            elif isinstance(res, BlobResourceContents):
                parts.append(f"[binary resource: {res.uri} ({res.mime_type or 'unknown type'})]")
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False, default=str))
    return "\n".join(parts)

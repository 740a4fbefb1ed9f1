"""Tools: langchain-core tools plus agentcore metadata (risk, timeout, approval).

A plugin contributes tools through the ``register_tools(register)`` hook. Write them with the
:func:`tool` decorator, or pass any langchain-core ``BaseTool`` (its metadata then defaults to
read-only, 60 s timeout, no approval).
"""

from agentcore.errors import ToolError
from agentcore.tools._context import (
    CONTEXT_KEY,
    ToolContext,
    config_with_context,
    context_from_config,
)
from agentcore.tools._decorator import tool
from agentcore.tools._spec import Risk, ToolMeta, tool_meta, with_meta

__all__ = [
    "CONTEXT_KEY",
    "Risk",
    "ToolContext",
    "ToolError",
    "ToolMeta",
    "config_with_context",
    "context_from_config",
    "tool",
    "tool_meta",
    "with_meta",
]

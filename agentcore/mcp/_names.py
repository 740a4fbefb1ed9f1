"""Tool names: ``server/tool`` for people, ``server__tool`` for models.

People write an MCP tool as ``docs/search`` (frontmatter, ``agentcore tools``, approvals).
Model APIs refuse ``/`` in a tool name (OpenAI: ``^[a-zA-Z0-9_-]{1,64}$``; Anthropic allows
the same characters), so the model sees ``docs__search``: the server name, two underscores,
the tool name with any other character replaced by ``_``, cut to 64 characters with a short
hash when longer. Server names never contain ``__``, so the prefix is unambiguous.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["MAX_TOOL_NAME", "SEPARATOR", "display_name", "model_name", "split_display_name"]

SEPARATOR = "__"
MAX_TOOL_NAME = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def display_name(server: str, tool: str) -> str:
    """The name people write: ``server/tool``."""
    return f"{server}/{tool}"


def split_display_name(name: str) -> tuple[str, str] | None:
    """``("server", "tool")`` for ``server/tool`` (``tool`` may be ``*``), else ``None``."""
    server, sep, tool = name.partition("/")
    return (server, tool) if sep and server and tool else None


def model_name(server: str, tool: str) -> str:
    """The provider-safe name the model sees for ``server/tool``."""
    name = f"{server}{SEPARATOR}{_UNSAFE.sub('_', tool)}"
    if len(name) <= MAX_TOOL_NAME and name == f"{server}{SEPARATOR}{tool}":
        return name
    # Replaced characters or a cut could make two tools collide: a hash of the real name
    # keeps them apart.
    digest = hashlib.sha256(tool.encode()).hexdigest()[:6]
    return f"{name[: MAX_TOOL_NAME - 7]}_{digest}"

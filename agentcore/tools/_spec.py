from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from langchain_core.tools import BaseTool


class Risk(StrEnum):
    """What a tool can do to the world; drives approval and prompt-injection policy."""

    READ_ONLY = "read_only"
    WRITES = "writes"
    EXECUTES_CODE = "executes_code"
    NETWORK = "network"


@dataclass(kw_only=True, slots=True, frozen=True)
class ToolMeta:
    """agentcore's metadata about a tool, beside the langchain-core tool itself.

    Attributes:
        risk: What the tool can do.
        timeout_s: Wall-clock limit for one call; the call is cancelled after it.
        requires_approval: Whether a human must approve each call.
        max_output_chars: Longer results are cut, with a note, before the model sees them.
        untrusted_output: Whether the tool returns content from outside the run (web pages,
            documents, files, memories, another server): the model then sees it marked as
            untrusted, and under ``[security] injection = "strict"`` risky calls after it
            need approval (see :mod:`agentcore.injection`).
    """

    risk: Risk = Risk.READ_ONLY
    timeout_s: float = 60.0
    requires_approval: bool = False
    max_output_chars: int = 20_000
    untrusted_output: bool = False


META_KEY = "agentcore"


def tool_meta(tool: BaseTool) -> ToolMeta:
    """Return the agentcore metadata attached to ``tool`` (defaults if it has none)."""
    meta = (tool.metadata or {}).get(META_KEY)
    return meta if isinstance(meta, ToolMeta) else ToolMeta()


def with_meta(tool: BaseTool, meta: ToolMeta) -> BaseTool:
    """Attach agentcore metadata to a langchain-core tool in place and return it."""
    tool.metadata = {**(tool.metadata or {}), META_KEY: meta}
    return tool

"""The ``rag_search`` tool: what agents call to read the user's documents."""

from __future__ import annotations

from agentcore.errors import UserError
from agentcore.tools import ToolContext, ToolError, tool
from agentcore_rag._search import format_for_model, search
from agentcore_rag._store import RagConfig

TOOL_MAX_K = 20


@tool(risk="read_only", timeout_s=180, untrusted_output=True)
def rag_search(ctx: ToolContext, query: str, collection: str | None = None, k: int = 5) -> str:
    """Search the user's ingested documents (RAG collections) for passages about a question.

    Returns numbered passages, best first, each under its citation: the file, the section or
    function it is in, and its line span (or PDF page, or notebook cell). When you use a
    passage, cite it by that citation in your result and final answer.

    Args:
        ctx: The run context (filled in by agentcore, not by the model).
        query: What to look for, in plain words: a question or its key terms.
        collection: The collection to search; leave it out to search the default one (or
            every collection when there is no default).
        k: How many passages to return, 1 to 20.
    """
    if not 1 <= k <= TOOL_MAX_K:
        raise ToolError(f"k must be between 1 and {TOOL_MAX_K}, got {k}")
    try:
        config = RagConfig.from_context(ctx)
        result = search(query, collection=collection or None, k=k, config=config)
    except UserError as exc:
        raise ToolError(exc.message + (f"; {exc.hint}" if exc.hint else "")) from None
    return format_for_model(result)

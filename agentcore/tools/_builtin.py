"""Core tools every agent may use, registered through the same hook as any plugin.

``remember`` / ``recall`` (long-term memory) live in :mod:`agentcore.memory`; importing them
here loads neither LanceDB nor an embedder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentcore.memory._tools import recall, remember
from agentcore.plugins import hookimpl
from agentcore.tools._decorator import tool
from agentcore.tools._spec import Risk


@tool(risk=Risk.READ_ONLY, timeout_s=5.0)
async def think(thought: str) -> str:
    """Think step by step before acting: plan, weigh tool results, or check your work.

    Use it when a problem needs reasoning that is not yet an answer. It changes nothing and
    fetches nothing; the thought is only recorded in the run's trace.

    Args:
        thought: Your reasoning, in as many words as it needs.
    """
    return "Thought recorded. Continue with your next action."


@hookimpl
def register_tools(register: Callable[[Any], None]) -> None:
    register(think)
    register(remember)
    register(recall)

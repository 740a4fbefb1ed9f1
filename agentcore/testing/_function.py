"""FunctionChatModel: a chat model whose every answer comes from a Python function."""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias, TypeVar

from langchain_core.messages import AIMessage, BaseMessage

from agentcore.testing._base import OfflineChatModel, Reply
from agentcore.testing._call import CallInfo

FunctionReply: TypeAlias = AIMessage | str
"""What a reply function returns: a message, or just its text."""
ReplyFunction: TypeAlias = Callable[
    [list[BaseMessage], CallInfo], FunctionReply | Awaitable[FunctionReply]
]
"""``fn(messages, info)``, sync or async."""

_T = TypeVar("_T")


async def _await(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


def _run_sync(awaitable: Awaitable[_T]) -> _T:
    """Wait for an awaitable from sync code, even when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_await(awaitable))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _await(awaitable)).result()


def _as_message(value: object, name: str) -> AIMessage:
    if isinstance(value, str):
        return AIMessage(content=value)
    if isinstance(value, AIMessage):
        return value
    raise TypeError(
        f"reply function '{name}' returned {type(value).__name__}; return an AIMessage or a str"
    )


class FunctionChatModel(OfflineChatModel):
    """A chat model that asks a function what to say.

    ``fn(messages, info)`` gets the prompt and a :class:`CallInfo` (agent, step, bound tools,
    tool_choice, call index) and returns an ``AIMessage`` or a string; it may be async.
    Usage is estimated when the message carries none, and streaming works as for
    :class:`ScriptedChatModel`.

    Example:
        ```python
        def reply(messages, info):
            if info.agent == "planner":
                return AIMessage("", tool_calls=[{"name": "final_answer",
                                                  "args": {"answer": "hi"}, "id": "1"}])
            return "hi"

        model = FunctionChatModel(reply)
        ```

    Args:
        fn: The reply function.
        **data: Other fields: ``script_name`` (default: the function's name), ``latency_s``.
    """

    fn: ReplyFunction
    latency_s: float = 0.0
    """Simulated latency before every reply, in seconds."""

    def __init__(self, fn: ReplyFunction | None = None, /, **data: Any) -> None:
        if fn is not None:
            data["fn"] = fn
        if "script_name" not in data and "fn" in data:
            data["script_name"] = getattr(data["fn"], "__name__", "function").strip("<>")
        super().__init__(**data)

    def _reply(self, messages: list[BaseMessage], info: CallInfo) -> Reply:
        result = self.fn(messages, info)
        if inspect.isawaitable(result):
            result = _run_sync(result)
        return Reply(message=_as_message(result, self.script_name), latency_s=self.latency_s)

    async def _areply(self, messages: list[BaseMessage], info: CallInfo) -> Reply:
        result = self.fn(messages, info)
        if inspect.isawaitable(result):
            result = await result
        return Reply(message=_as_message(result, self.script_name), latency_s=self.latency_s)

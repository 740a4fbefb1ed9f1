"""The machinery every offline chat model shares: tool binding, call bookkeeping, usage,
metadata, simulated latency and streaming. Subclasses only decide what to say."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from langchain_core.caches import BaseCache
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig, ensure_config
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import PrivateAttr

from agentcore.testing._call import (
    AGENT_KEY,
    RUN_KEY,
    STEP_KEY,
    STRUCTURED_KWARG,
    CallInfo,
    RecordedCall,
    estimate_usage,
    normalize_tool_choice,
    stream_chunks,
    tool_names,
)

_RunManager = CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None

# langchain-core calls _stream/_astream without the run manager (only _generate gets it), so
# the call's metadata (which agent is calling) travels to them in this context variable.
_CALL_METADATA: ContextVar[dict[str, Any] | None] = ContextVar("agentcore_call_metadata")


@dataclass(frozen=True, kw_only=True, slots=True)
class Reply:
    """What a subclass answers: the message (usage optional) and a simulated latency."""

    message: AIMessage
    latency_s: float = 0.0


def _meta_str(metadata: dict[str, Any], key: str) -> str | None:
    value = metadata.get(key)
    return str(value) if value not in (None, "") else None


class OfflineChatModel(BaseChatModel):
    """Base of the offline models: answers come from ``_reply``/``_areply``, not a provider."""

    script_name: str = "script"
    """Shown as ``scripted:<script_name>`` in ``response_metadata["model_name"]`` and errors."""
    cache: BaseCache | bool | None = False  # a global LLM cache must not replay scripted turns

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _per_agent: dict[str | None, int] = PrivateAttr(default_factory=dict)
    _total: int = PrivateAttr(default=0)
    _calls: list[RecordedCall] = PrivateAttr(default_factory=list)

    @property
    def model_label(self) -> str:
        """The ``model_name`` every response carries."""
        return f"scripted:{self.script_name}"

    @property
    def _llm_type(self) -> str:
        return "agentcore-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_label}

    @property
    def calls(self) -> list[RecordedCall]:
        """Every call answered so far, in the order they were answered."""
        with self._lock:
            return list(self._calls)

    def calls_by(self, agent: str) -> list[RecordedCall]:
        """The calls one agent made, in order."""
        return [c for c in self.calls if c.info.agent == agent]

    def reset(self) -> None:
        """Rewind to the start of the script and forget recorded calls."""
        with self._lock:
            self._per_agent.clear()
            self._total = 0
            self._calls.clear()
            self._reset_cursors()

    def _reset_cursors(self) -> None:
        """Subclasses with their own cursors clear them here (called under the lock)."""

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools; the model sees their names and ``tool_choice`` in every call.

        Args:
            tools: Tools in any form langchain-core accepts.
            tool_choice: ``"auto"``, ``"any"``, ``"required"``, ``"none"`` or a tool name.
            **kwargs: Passed on to ``bind``.

        Returns:
            A runnable that calls this model (sharing its script cursor) with the tools bound.
        """
        formatted = [convert_to_openai_tool(t) for t in tools]
        if kwargs.get("ls_structured_output_format") and formatted:
            kwargs[STRUCTURED_KWARG] = formatted[0]["function"]["name"]
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=formatted, **kwargs)

    # The four overrides below only carry the call metadata to _stream/_astream.
    def _generate_with_cache(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        token = _CALL_METADATA.set(dict(run_manager.metadata) if run_manager else None)
        try:
            return super()._generate_with_cache(messages, stop, run_manager, **kwargs)
        finally:
            _CALL_METADATA.reset(token)

    async def _agenerate_with_cache(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        token = _CALL_METADATA.set(dict(run_manager.metadata) if run_manager else None)
        try:
            return await super()._agenerate_with_cache(messages, stop, run_manager, **kwargs)
        finally:
            _CALL_METADATA.reset(token)

    def _stream_metadata(self, config: RunnableConfig | None) -> dict[str, Any]:
        return {**(self.metadata or {}), **(ensure_config(config).get("metadata") or {})}

    def stream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        """Stream a reply (see ``BaseChatModel.stream``), dispatched on the config's agent."""
        token = _CALL_METADATA.set(self._stream_metadata(config))
        try:
            yield from super().stream(input, config, stop=stop, **kwargs)
        finally:
            with contextlib.suppress(ValueError):  # closed from another context
                _CALL_METADATA.reset(token)

    async def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        """Stream a reply (see ``BaseChatModel.astream``), dispatched on the config's agent."""
        token = _CALL_METADATA.set(self._stream_metadata(config))
        try:
            async for chunk in super().astream(input, config, stop=stop, **kwargs):
                yield chunk
        finally:
            with contextlib.suppress(ValueError):
                _CALL_METADATA.reset(token)

    def _start(self, run_manager: _RunManager, kwargs: dict[str, Any]) -> CallInfo:
        if run_manager is not None:
            metadata = dict(run_manager.metadata)
        else:
            metadata = _CALL_METADATA.get(None) or {}
        agent = _meta_str(metadata, AGENT_KEY)
        with self._lock:
            index = self._per_agent.get(agent, 0)
            self._per_agent[agent] = index + 1
            total = self._total
            self._total += 1
        structured = kwargs.get(STRUCTURED_KWARG)
        return CallInfo(
            agent=agent,
            step=_meta_str(metadata, STEP_KEY),
            run_id=_meta_str(metadata, RUN_KEY),
            tools=tool_names(kwargs.get("tools")),
            tool_choice=normalize_tool_choice(kwargs.get("tool_choice")),
            structured_tool=structured if isinstance(structured, str) else None,
            call_index=index,
            global_index=total,
        )

    def _reply(self, messages: list[BaseMessage], info: CallInfo) -> Reply:
        raise NotImplementedError

    async def _areply(self, messages: list[BaseMessage], info: CallInfo) -> Reply:
        return self._reply(messages, info)

    def _finish(self, messages: list[BaseMessage], info: CallInfo, reply: Reply) -> AIMessage:
        message = reply.message
        calls = [
            {**call, "id": call.get("id") or f"call_{info.agent or 'model'}_{info.call_index}_{j}"}
            for j, call in enumerate(message.tool_calls)
        ]
        message = message.model_copy(update={"tool_calls": calls})
        usage = message.usage_metadata or estimate_usage(messages, message)
        final = message.model_copy(
            update={
                "usage_metadata": usage,
                "response_metadata": {**message.response_metadata, "model_name": self.model_label},
            }
        )
        with self._lock:
            self._calls.append(RecordedCall(info=info, messages=tuple(messages), response=final))
        return final

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        info = self._start(run_manager, kwargs)
        reply = self._reply(messages, info)
        if reply.latency_s:
            time.sleep(reply.latency_s)
        message = self._finish(messages, info, reply)
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        info = self._start(run_manager, kwargs)
        reply = await self._areply(messages, info)
        if reply.latency_s:
            await asyncio.sleep(reply.latency_s)
        message = self._finish(messages, info, reply)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        info = self._start(run_manager, kwargs)
        reply = self._reply(messages, info)
        if reply.latency_s:
            time.sleep(reply.latency_s)
        for chunk in stream_chunks(self._finish(messages, info, reply)):
            yield ChatGenerationChunk(message=chunk)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        info = self._start(run_manager, kwargs)
        reply = await self._areply(messages, info)
        if reply.latency_s:
            await asyncio.sleep(reply.latency_s)
        for chunk in stream_chunks(self._finish(messages, info, reply)):
            yield ChatGenerationChunk(message=chunk)

"""``ModelClient``: the one place model calls happen — retries, fallbacks, streaming, usage."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    BaseMessageChunk,
    message_chunk_to_message,
)
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from agentcore.config import Settings
from agentcore.errors import AgentCoreError, ModelError, StreamInterruptedError, UserError
from agentcore.models._builtin import API_KEY_ENV
from agentcore.models._pricing import call_cost, recorded_cost
from agentcore.models._retry import ErrorKind, backoff_s, classify, retry_after_s, status_of
from agentcore.models._spec import ModelSpec, parse_model_spec

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable, RunnableConfig

    from agentcore.plugins import Registry

__all__ = ["CallUsage", "ModelClient", "ModelReply", "Sleep"]

log = logging.getLogger("agentcore.models")

Sleep = Callable[[float], Awaitable[None]]
"""An async sleep; injected in tests so retries do not wait."""


@dataclass(frozen=True, kw_only=True, slots=True)
class CallUsage:
    """Tokens and estimated cost of one model call.

    Attributes:
        input_tokens: Prompt tokens, as reported by the provider (0 when it reports none).
        output_tokens: Completion tokens.
        cost_usd: Estimated USD cost; ``None`` when the model has no known price.
    """

    input_tokens: int
    output_tokens: int
    cost_usd: float | None

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True, kw_only=True, slots=True)
class ModelReply:
    """The result of :meth:`ModelClient.ainvoke`.

    Attributes:
        message: The model's answer, tool calls included.
        model: The spec of the model that answered (a fallback, if the primary failed).
        usage: Tokens and cost of the answering call.
        attempts: Requests made in total, failed attempts on earlier models included.
    """

    message: AIMessage
    model: str
    usage: CallUsage
    attempts: int


@dataclass(frozen=True, kw_only=True, slots=True)
class _Candidate:
    spec: ModelSpec
    model: BaseChatModel


@dataclass(kw_only=True, slots=True)
class _Outcome:
    attempts: int = 0
    message: AIMessage | None = None
    error: BaseException | None = None


class _StreamInterrupted(Exception):
    """The stream failed after tokens were shown; retrying would show them twice."""


class _CallbackFailed(Exception):
    """``on_token`` raised; its exception goes to the caller untouched."""


class ModelClient:
    """Calls a primary chat model, retrying transient failures, then each fallback in order.

    Build it with :meth:`from_specs`; or pass ``(spec, chat_model)`` pairs directly, e.g. to
    wrap a ``ScriptedChatModel`` in tests.

    Args:
        models: ``(spec, chat_model)`` pairs, primary first.
        settings: Retry policy and price overrides (defaults when omitted).
        sleep: Async sleep used between retries (default :func:`asyncio.sleep`).
    """

    def __init__(
        self,
        models: Sequence[tuple[str, BaseChatModel]],
        *,
        settings: Settings | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        if not models:
            raise ValueError("ModelClient needs at least one model")
        self._candidates = tuple(
            _Candidate(spec=parse_model_spec(spec), model=model) for spec, model in models
        )
        self._settings = settings if settings is not None else Settings()
        self._sleep: Sleep = sleep if sleep is not None else asyncio.sleep
        # Binding converts every tool to the provider's schema; an agent binds the same tools
        # on every turn, so do it once per (model, tools, tool_choice).
        self._bound: dict[tuple[int, tuple[int, ...], str | None], Runnable[Any, Any]] = {}

    @classmethod
    def from_specs(
        cls,
        spec: str,
        *,
        fallbacks: Sequence[str] = (),
        settings: Settings,
        registry: Registry,
        sleep: Sleep | None = None,
    ) -> ModelClient:
        """Build the chat models for ``spec`` and its fallbacks through the provider registry.

        Args:
            spec: The primary model, ``"provider:model"``.
            fallbacks: Models tried in order when the primary fails after its retries.
            settings: Retry policy, timeouts and prices.
            registry: Where provider factories are registered (``load_registry()``).
            sleep: Async sleep used between retries.

        Raises:
            UserError: A spec is malformed or names an unknown provider, a key is missing
                (``MissingKeyError``), or a provider could not build its model.
        """
        models: list[tuple[str, BaseChatModel]] = []
        seen: set[str] = set()
        for raw in (spec, *fallbacks):
            parsed = parse_model_spec(raw, registry=registry)
            if str(parsed) in seen:
                continue
            seen.add(str(parsed))
            factory = registry.models[parsed.provider]
            try:
                model = factory(parsed.name, settings)
            except AgentCoreError:
                raise
            except Exception as exc:
                raise UserError(
                    f"could not create model '{parsed}': {type(exc).__name__}: {exc}",
                    hint="check the model name and the provider's settings",
                ) from exc
            models.append((str(parsed), model))
        return cls(models, settings=settings, sleep=sleep)

    @property
    def spec(self) -> str:
        """The primary model's spec."""
        return str(self._candidates[0].spec)

    @property
    def specs(self) -> tuple[str, ...]:
        """The primary model's spec followed by the fallbacks'."""
        return tuple(str(c.spec) for c in self._candidates)

    def __repr__(self) -> str:
        return f"ModelClient({', '.join(self.specs)})"

    async def ainvoke(
        self,
        messages: Sequence[BaseMessage],
        *,
        tools: Sequence[Any] = (),
        tool_choice: str | None = None,
        config: RunnableConfig | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> ModelReply:
        """Call the model, with retries and fallbacks, and account for tokens and cost.

        Args:
            messages: The conversation.
            tools: Anything ``bind_tools`` accepts (``BaseTool``, pydantic classes, ...).
            tool_choice: Passed to ``bind_tools`` (e.g. ``"any"``); ignored without tools.
            config: Runnable config (callbacks, tags, metadata) for the chat model.
            on_token: Called with each text delta; the call then streams. A failure after
                the first token is not retried, since the text has already been shown: it
                raises ``StreamInterruptedError``.

        Returns:
            The answer, the model that gave it, its usage and the number of attempts.

        Raises:
            UserError: The provider rejected the API key (HTTP 401).
            ModelError: Every model failed.
        """
        attempts = 0
        failures: list[tuple[_Candidate, BaseException, int]] = []
        for index, candidate in enumerate(self._candidates):
            if index:
                log.warning("falling back to model %s", candidate.spec)
            outcome = await self._call(candidate, messages, tools, tool_choice, config, on_token)
            attempts += outcome.attempts
            if outcome.message is not None:
                return ModelReply(
                    message=outcome.message,
                    model=str(candidate.spec),
                    usage=self._usage(candidate.spec, outcome.message),
                    attempts=attempts,
                )
            error = outcome.error
            assert error is not None
            if isinstance(error, _CallbackFailed) and error.__cause__ is not None:
                raise error.__cause__
            if isinstance(error, _StreamInterrupted):
                raise StreamInterruptedError(
                    f"model {candidate.spec}: the stream broke after output began: "
                    f"{_describe(error.__cause__ or error)}",
                    model=str(candidate.spec),
                    retryable=True,
                ) from error.__cause__
            if isinstance(error, AgentCoreError) and not isinstance(error, ModelError):
                raise error
            kind = classify(error)
            if kind is ErrorKind.AUTH:
                var = API_KEY_ENV.get(candidate.spec.provider)
                raise UserError(
                    f"model {candidate.spec}: the provider rejected the API key "
                    f"({_describe(error)})",
                    hint=f"check {var}" if var else "check the provider's API key",
                ) from error
            failures.append((candidate, error, outcome.attempts))
        raise self._all_failed(failures)

    def invoke(
        self,
        messages: Sequence[BaseMessage],
        *,
        tools: Sequence[Any] = (),
        tool_choice: str | None = None,
        config: RunnableConfig | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> ModelReply:
        """Synchronous :meth:`ainvoke`, for scripts; do not call it inside an event loop."""
        return asyncio.run(
            self.ainvoke(
                messages, tools=tools, tool_choice=tool_choice, config=config, on_token=on_token
            )
        )

    async def _call(
        self,
        candidate: _Candidate,
        messages: Sequence[BaseMessage],
        tools: Sequence[Any],
        tool_choice: str | None,
        config: RunnableConfig | None,
        on_token: Callable[[str], None] | None,
    ) -> _Outcome:
        runnable: Runnable[Any, Any] = candidate.model
        if tools:
            key = (id(candidate), tuple(id(t) for t in tools), tool_choice)
            if key not in self._bound:
                self._bound[key] = candidate.model.bind_tools(list(tools), tool_choice=tool_choice)
            runnable = self._bound[key]
        outcome = _Outcome()
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._settings.retries.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: classify(exc) is ErrorKind.RETRY),
            before_sleep=_log_retry(str(candidate.spec), self._settings.retries.max_attempts),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    outcome.attempts += 1
                    outcome.message = await _once(runnable, list(messages), config, on_token)
        except Exception as exc:
            outcome.error = exc
        return outcome

    def _wait(self, state: RetryCallState) -> float:
        max_wait = self._settings.retries.max_wait_s
        exc = state.outcome.exception() if state.outcome is not None else None
        hinted = retry_after_s(exc) if exc is not None else None
        if hinted is not None:
            return min(hinted, max_wait)
        return backoff_s(state.attempt_number, max_wait_s=max_wait)

    def _usage(self, spec: ModelSpec, message: AIMessage) -> CallUsage:
        metadata = message.usage_metadata
        usage: dict[str, Any] = dict(metadata) if metadata else {}
        replayed, cost = recorded_cost(message.response_metadata)
        if not replayed:  # a replayed answer costs what the recorded call did
            cost = call_cost(spec.provider, spec.name, usage, self._settings)
        return CallUsage(
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
            cost_usd=cost,
        )

    def _all_failed(self, failures: list[tuple[_Candidate, BaseException, int]]) -> ModelError:
        retryable = any(classify(exc) is ErrorKind.RETRY for _, exc, _n in failures)
        detail = "; ".join(
            f"{c.spec} ({n} attempt{'s' if n != 1 else ''}): {_describe(exc)}"
            for c, exc, n in failures
        )
        what = "the model call failed" if len(failures) == 1 else "every model failed"
        error = ModelError(f"{what}: {detail}", model=self.spec, retryable=retryable)
        error.__cause__ = failures[-1][1]
        return error


async def _once(
    runnable: Runnable[Any, Any],
    messages: list[BaseMessage],
    config: RunnableConfig | None,
    on_token: Callable[[str], None] | None,
) -> AIMessage:
    if on_token is None:
        return _as_ai_message(await runnable.ainvoke(messages, config=config))
    merged: BaseMessageChunk | None = None
    emitted = False
    try:
        async for chunk in runnable.astream(messages, config=config):
            if not isinstance(chunk, BaseMessageChunk):
                continue
            text = chunk.text
            if text:
                emitted = True
                try:
                    on_token(text)
                except Exception as exc:
                    raise _CallbackFailed("on_token raised") from exc
            merged = chunk if merged is None else merged + chunk
    except _CallbackFailed:
        raise
    except Exception as exc:
        if emitted:
            raise _StreamInterrupted(str(exc)) from exc
        raise
    if merged is None:
        return AIMessage(content="")
    return _as_ai_message(message_chunk_to_message(merged))


def _as_ai_message(message: Any) -> AIMessage:
    if isinstance(message, AIMessageChunk):
        message = message_chunk_to_message(message)
    if isinstance(message, AIMessage):
        return message
    if isinstance(message, BaseMessage):
        return AIMessage(content=message.content, id=message.id)
    raise TypeError(f"chat model returned {type(message).__name__}, not a message")


def _error_text(exc: BaseException) -> str:
    # Both SDKs keep the decoded error body; its message beats "Error code: 529 - {...}".
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    return str(getattr(exc, "message", None) or exc)


def _describe(exc: BaseException) -> str:
    status = status_of(exc)
    text = _error_text(exc).strip().splitlines()
    first = text[0][:200] if text else ""
    prefix = type(exc).__name__ + (f" (HTTP {status})" if status is not None else "")
    return f"{prefix}: {first}" if first else prefix


def _log_retry(spec: str, max_attempts: int) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        log.info(
            "model %s: attempt %d/%d failed (%s); retrying in %.1fs",
            spec,
            state.attempt_number,
            max_attempts,
            _describe(exc) if exc is not None else "?",
            wait,
        )

    return before_sleep

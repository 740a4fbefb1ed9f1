"""ModelClient behaviour that needs no HTTP: streaming edge cases, config, error mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from email.utils import formatdate
from typing import Any

import pytest
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import RunnableConfig

from agentcore.config import RetrySettings, Settings
from agentcore.errors import ModelError, SpecError
from agentcore.models import ModelClient, Sleep
from agentcore.models._retry import ErrorKind, classify, retry_after_s

MESSAGES = [HumanMessage("Hi")]


class StubModel(BaseChatModel):
    """Plays a list of steps: an exception to raise, or chunks of text to stream."""

    steps: list[Any]
    seen_metadata: list[dict[str, Any]] = []

    @property
    def _llm_type(self) -> str:
        return "stub"

    def _next(self) -> Any:
        step = self.steps.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        raise NotImplementedError

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if run_manager is not None:
            self.seen_metadata.append(dict(run_manager.metadata))
        parts = self._next()
        return ChatResult(generations=[ChatGeneration(message=AIMessage("".join(parts)))])

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        parts = self._next()
        for part in parts:
            if isinstance(part, BaseException):
                raise part
            yield ChatGenerationChunk(message=AIMessageChunk(content=part))


def _client(model: StubModel, sleep: Sleep, fallback: StubModel | None = None) -> ModelClient:
    models: list[tuple[str, BaseChatModel]] = [("scripted:stub", model)]
    if fallback is not None:
        models.append(("scripted:fallback", fallback))
    return ModelClient(
        models, settings=Settings(retries=RetrySettings(max_attempts=3)), sleep=sleep
    )


async def test_config_metadata_reaches_the_model(fake_sleep: Sleep) -> None:
    model = StubModel(steps=[["hi"]], seen_metadata=[])
    config: RunnableConfig = {
        "metadata": {"agentcore_agent": "planner", "agentcore_step": "", "agentcore_run": "r1"},
        "tags": ["agentcore", "agent:planner"],
    }

    reply = await _client(model, fake_sleep).ainvoke(MESSAGES, config=config)

    assert reply.message.text == "hi"
    assert model.seen_metadata[0]["agentcore_agent"] == "planner"
    assert reply.usage.input_tokens == 0 and reply.usage.cost_usd == 0.0


async def test_a_stream_that_breaks_after_output_is_not_retried(
    fake_sleep: Sleep, sleeps: list[float]
) -> None:
    model = StubModel(steps=[["Hel", ConnectionError("reset by peer")], ["Hello"]])
    fallback = StubModel(steps=[["never"]])
    tokens: list[str] = []

    with pytest.raises(ModelError, match="stream broke after output began") as info:
        await _client(model, fake_sleep, fallback).ainvoke(MESSAGES, on_token=tokens.append)

    assert tokens == ["Hel"]  # shown once, never repeated
    assert info.value.retryable is True
    assert sleeps == []
    assert fallback.steps == [["never"]]


async def test_a_stream_that_fails_before_output_is_retried(
    fake_sleep: Sleep, sleeps: list[float]
) -> None:
    model = StubModel(steps=[[ConnectionError("refused")], ["Hel", "lo"]])
    tokens: list[str] = []

    reply = await _client(model, fake_sleep).ainvoke(MESSAGES, on_token=tokens.append)

    assert tokens == ["Hel", "lo"]
    assert reply.message.text == "Hello"
    assert reply.attempts == 2
    assert len(sleeps) == 1


async def test_on_token_errors_reach_the_caller_untouched(fake_sleep: Sleep) -> None:
    class Stop(Exception):
        pass

    def on_token(text: str) -> None:
        raise Stop(text)

    model = StubModel(steps=[["a", "b"]])
    fallback = StubModel(steps=[["never"]])

    with pytest.raises(Stop, match="a"):
        await _client(model, fake_sleep, fallback).ainvoke(MESSAGES, on_token=on_token)
    assert fallback.steps == [["never"]]


async def test_agentcore_model_errors_follow_their_retryable_flag(
    fake_sleep: Sleep, sleeps: list[float]
) -> None:
    model = StubModel(
        steps=[ModelError("flaky", retryable=True), ModelError("broken", retryable=False)]
    )
    fallback = StubModel(steps=[["fallback ok"]])

    reply = await _client(model, fake_sleep, fallback).ainvoke(MESSAGES)

    assert reply.model == "scripted:fallback"
    assert reply.attempts == 3
    assert len(sleeps) == 1


async def test_user_errors_from_a_model_are_not_swallowed(fake_sleep: Sleep) -> None:
    model = StubModel(steps=[SpecError("bad script", path="s.yaml", line=3)])
    fallback = StubModel(steps=[["never"]])

    with pytest.raises(SpecError, match=r"s\.yaml:3"):
        await _client(model, fake_sleep, fallback).ainvoke(MESSAGES)


async def test_other_exceptions_fall_back_without_retries(
    fake_sleep: Sleep, sleeps: list[float]
) -> None:
    model = StubModel(steps=[ValueError("bad output")])

    with pytest.raises(ModelError, match="ValueError: bad output") as info:
        await _client(model, fake_sleep).ainvoke(MESSAGES)

    assert info.value.retryable is False
    assert isinstance(info.value.__cause__, ValueError)
    assert sleeps == []


def test_sync_invoke(fake_sleep: Sleep) -> None:
    reply = _client(StubModel(steps=[["sync"]]), fake_sleep).invoke(MESSAGES)
    assert reply.message.text == "sync"
    assert repr(_client(StubModel(steps=[]), fake_sleep)) == "ModelClient(scripted:stub)"


def test_a_client_needs_a_model() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ModelClient([])


class _Response:
    def __init__(self, status: int, headers: dict[str, str]) -> None:
        self.status_code = status
        self.headers = headers


class _HTTPError(Exception):
    def __init__(self, status: int, **headers: str) -> None:
        super().__init__(f"HTTP {status}")
        self.response = _Response(status, {k.replace("_", "-"): v for k, v in headers.items()})


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (_HTTPError(429), ErrorKind.RETRY),
        (_HTTPError(500), ErrorKind.RETRY),
        (_HTTPError(529), ErrorKind.RETRY),
        (_HTTPError(408), ErrorKind.RETRY),
        (_HTTPError(400), ErrorKind.FATAL),
        (_HTTPError(404), ErrorKind.FATAL),
        (_HTTPError(401), ErrorKind.AUTH),
        (_HTTPError(500, x_should_retry="false"), ErrorKind.FATAL),
        (_HTTPError(400, x_should_retry="true"), ErrorKind.RETRY),
        (TimeoutError(), ErrorKind.RETRY),
        (ConnectionResetError(), ErrorKind.RETRY),
        (RuntimeError("bug"), ErrorKind.FATAL),
    ],
)
def test_classify(exc: BaseException, kind: ErrorKind) -> None:
    assert classify(exc) is kind


def test_retry_after_forms() -> None:
    assert retry_after_s(_HTTPError(429, retry_after="3")) == 3.0
    assert retry_after_s(_HTTPError(429, retry_after_ms="250")) == 0.25
    assert retry_after_s(_HTTPError(429, retry_after="soon")) is None
    assert retry_after_s(_HTTPError(429)) is None
    assert retry_after_s(RuntimeError()) is None
    in_the_past = formatdate(0, usegmt=True)
    assert retry_after_s(_HTTPError(429, retry_after=in_the_past)) == 0.0
    later = retry_after_s(_HTTPError(429, retry_after=formatdate(usegmt=True)))
    assert later is not None and later <= 1.0

"""Retries, Retry-After, fallbacks and auth failures, over HTTP against a loopback server."""

from __future__ import annotations

import socket

import pytest
from langchain_core.messages import HumanMessage
from provider_wire import (
    FakeProvider,
    Reply,
    anthropic_message,
    openai_completion,
    openai_error,
)

from agentcore.config import RetrySettings, Settings
from agentcore.errors import ModelError, UserError
from agentcore.models import ModelClient, Sleep
from agentcore.plugins import Registry

MESSAGES = [HumanMessage("Hi")]
PRIMARY = "openai:gpt-4o-mini"


def _client(settings: Settings, registry: Registry, sleep: Sleep, *fallbacks: str) -> ModelClient:
    return ModelClient.from_specs(
        PRIMARY, fallbacks=fallbacks, settings=settings, registry=registry, sleep=sleep
    )


def _rate_limited(headers: dict[str, str]) -> Reply:
    return Reply(
        status=429,
        json_body=openai_error("Rate limit reached", "requests", "rate_limit_exceeded"),
        headers=headers,
    )


async def test_429_waits_as_long_as_retry_after_says(
    openai_env: FakeProvider,
    settings: Settings,
    registry: Registry,
    fake_sleep: Sleep,
    sleeps: list[float],
) -> None:
    openai_env.add(_rate_limited({"retry-after": "2"}), Reply(json_body=openai_completion("ok")))

    reply = await _client(settings, registry, fake_sleep).ainvoke(MESSAGES)

    assert reply.message.text == "ok"
    assert reply.attempts == 2
    assert sleeps == [2.0]
    assert len(openai_env.requests) == 2


async def test_retry_after_ms_wins_and_waits_are_capped(
    openai_env: FakeProvider,
    registry: Registry,
    fake_sleep: Sleep,
    sleeps: list[float],
) -> None:
    settings = Settings(retries=RetrySettings(max_attempts=3, max_wait_s=5.0))
    openai_env.add(
        _rate_limited({"retry-after-ms": "1500", "retry-after": "2"}),
        _rate_limited({"retry-after": "3600"}),
        Reply(json_body=openai_completion("ok")),
    )

    reply = await _client(settings, registry, fake_sleep).ainvoke(MESSAGES)

    assert reply.attempts == 3
    assert sleeps == [1.5, 5.0]


async def test_an_exhausted_quota_is_not_retried(
    openai_env: FakeProvider,
    settings: Settings,
    registry: Registry,
    fake_sleep: Sleep,
    sleeps: list[float],
) -> None:
    openai_env.add(
        Reply(
            status=429,
            json_body=openai_error(
                "You exceeded your current quota", "insufficient_quota", "insufficient_quota"
            ),
        )
    )

    with pytest.raises(ModelError, match="exceeded your current quota") as info:
        await _client(settings, registry, fake_sleep).ainvoke(MESSAGES)

    assert info.value.retryable is False
    assert sleeps == []


async def test_500_is_retried_with_backoff(
    openai_env: FakeProvider,
    settings: Settings,
    registry: Registry,
    fake_sleep: Sleep,
    sleeps: list[float],
) -> None:
    openai_env.add(
        Reply(status=500, json_body=openai_error("The server had an error", "server_error")),
        Reply(json_body=openai_completion("recovered")),
    )

    reply = await _client(settings, registry, fake_sleep).ainvoke(MESSAGES)

    assert reply.message.text == "recovered"
    assert reply.attempts == 2
    [wait] = sleeps
    assert 0 < wait <= settings.retries.max_wait_s


async def test_400_is_not_retried(
    openai_env: FakeProvider,
    settings: Settings,
    registry: Registry,
    fake_sleep: Sleep,
    sleeps: list[float],
) -> None:
    openai_env.add(
        Reply(status=400, json_body=openai_error("Invalid 'messages'", "invalid_request_error"))
    )

    with pytest.raises(ModelError, match="HTTP 400") as info:
        await _client(settings, registry, fake_sleep).ainvoke(MESSAGES)

    assert info.value.model == PRIMARY
    assert info.value.retryable is False
    assert len(openai_env.requests) == 1
    assert sleeps == []


async def test_404_goes_straight_to_the_fallback(
    openai_env: FakeProvider,
    settings: Settings,
    registry: Registry,
    fake_sleep: Sleep,
    sleeps: list[float],
) -> None:
    openai_env.add(
        Reply(
            status=404,
            json_body=openai_error("The model does not exist", "invalid_request_error"),
        ),
        Reply(json_body=openai_completion("from the fallback", model="gpt-4.1-mini")),
    )

    reply = await _client(settings, registry, fake_sleep, "openai:gpt-4.1-mini").ainvoke(MESSAGES)

    assert reply.model == "openai:gpt-4.1-mini"
    assert reply.attempts == 2
    assert [r.body["model"] for r in openai_env.requests] == ["gpt-4o-mini", "gpt-4.1-mini"]
    assert sleeps == []


async def test_401_is_a_user_error_naming_the_variable(
    openai_env: FakeProvider, settings: Settings, registry: Registry, fake_sleep: Sleep
) -> None:
    openai_env.add(
        Reply(
            status=401,
            json_body=openai_error("Incorrect API key provided", "invalid_request_error"),
        ),
    )

    with pytest.raises(UserError, match="rejected the API key") as info:
        await _client(settings, registry, fake_sleep, "openai:gpt-4.1-mini").ainvoke(MESSAGES)

    assert info.value.hint == "check OPENAI_API_KEY"
    assert len(openai_env.requests) == 1  # no retries, no fallback


async def test_anthropic_401_names_its_variable(
    anthropic_env: FakeProvider, settings: Settings, registry: Registry, fake_sleep: Sleep
) -> None:
    anthropic_env.add(
        Reply(
            status=401,
            json_body={
                "type": "error",
                "error": {"type": "authentication_error", "message": "invalid x-api-key"},
            },
        )
    )
    client = ModelClient.from_specs(
        "anthropic:claude-haiku-4-5", settings=settings, registry=registry, sleep=fake_sleep
    )

    with pytest.raises(UserError) as info:
        await client.ainvoke(MESSAGES)

    assert info.value.hint == "check ANTHROPIC_API_KEY"


async def test_after_retries_the_fallback_provider_answers(
    openai_env: FakeProvider,
    anthropic_env: FakeProvider,
    settings: Settings,
    registry: Registry,
    fake_sleep: Sleep,
    sleeps: list[float],
) -> None:
    unavailable = Reply(status=503, json_body=openai_error("Service unavailable", "server_error"))
    openai_env.add(unavailable, unavailable, unavailable)
    anthropic_env.add(Reply(json_body=anthropic_message("claude here", usage=(10, 2))))

    reply = await _client(settings, registry, fake_sleep, "anthropic:claude-haiku-4-5").ainvoke(
        MESSAGES
    )

    assert reply.model == "anthropic:claude-haiku-4-5"
    assert reply.message.text == "claude here"
    assert reply.attempts == settings.retries.max_attempts + 1
    assert len(sleeps) == settings.retries.max_attempts - 1
    assert [r.path for r in openai_env.requests] == ["/v1/chat/completions"] * 3 + ["/v1/messages"]
    # Usage and cost are the answering model's: claude-haiku-4-5 at $1 / $5.
    assert reply.usage.cost_usd == pytest.approx((10 * 1 + 2 * 5) / 1e6)


async def test_when_every_model_fails_the_error_says_so(
    openai_env: FakeProvider,
    anthropic_env: FakeProvider,
    settings: Settings,
    registry: Registry,
    fake_sleep: Sleep,
) -> None:
    openai_env.add(*[Reply(status=502, json_body=openai_error("Bad gateway", "server_error"))] * 3)
    anthropic_env.add(
        *[
            Reply(
                status=529,
                json_body={
                    "type": "error",
                    "error": {"type": "overloaded_error", "message": "Overloaded"},
                },
            )
        ]
        * 3
    )

    with pytest.raises(ModelError) as info:
        await _client(settings, registry, fake_sleep, "anthropic:claude-haiku-4-5").ainvoke(
            MESSAGES
        )

    error = info.value
    assert error.model == PRIMARY
    assert error.retryable is True
    assert "every model failed" in str(error)
    assert "openai:gpt-4o-mini (3 attempts): " in str(error)
    assert "(HTTP 502): Bad gateway" in str(error)
    assert "anthropic:claude-haiku-4-5 (3 attempts): " in str(error)
    assert "(HTTP 529): Overloaded" in str(error)
    assert len(openai_env.requests) == 6


async def test_connection_errors_are_retried(
    settings: Settings,
    registry: Registry,
    fake_sleep: Sleep,
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")

    with pytest.raises(ModelError, match="Connection") as info:
        await _client(settings, registry, fake_sleep).ainvoke(MESSAGES)

    assert info.value.retryable is True
    assert len(sleeps) == settings.retries.max_attempts - 1


async def test_timeouts_are_retried(
    openai_env: FakeProvider, registry: Registry, fake_sleep: Sleep
) -> None:
    settings = Settings(retries=RetrySettings(max_attempts=2, request_timeout_s=0.2))
    openai_env.add(
        Reply(json_body=openai_completion("too late"), delay_s=2.0),
        Reply(json_body=openai_completion("in time")),
    )

    reply = await _client(settings, registry, fake_sleep).ainvoke(MESSAGES)

    assert reply.message.text == "in time"
    assert reply.attempts == 2

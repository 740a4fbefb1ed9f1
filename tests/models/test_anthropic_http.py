"""Anthropic Messages through the real SDK against a loopback server."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import tool
from provider_wire import (
    FakeProvider,
    Reply,
    anthropic_error,
    anthropic_message,
    anthropic_stream,
)

from agentcore.config import Settings
from agentcore.models import ModelClient, Sleep
from agentcore.plugins import Registry


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return "sunny"


MESSAGES = [SystemMessage("Be brief."), HumanMessage("Hi")]
SPEC = "anthropic:claude-sonnet-4-6"


def _client(settings: Settings, registry: Registry, sleep: Sleep | None = None) -> ModelClient:
    return ModelClient.from_specs(SPEC, settings=settings, registry=registry, sleep=sleep)


def _has_key(headers: dict[str, str]) -> bool:
    return headers.get("x-api-key") == "sk-ant-test" or headers.get("authorization") == (
        "Bearer sk-ant-test"
    )


async def test_text(anthropic_env: FakeProvider, settings: Settings, registry: Registry) -> None:
    anthropic_env.add(Reply(json_body=anthropic_message("Hello there!", usage=(20, 4))))

    reply = await _client(settings, registry).ainvoke(MESSAGES)

    assert reply.message.text == "Hello there!"
    assert reply.model == SPEC
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (20, 4)
    # claude-sonnet-4-6: $3 in / $15 out per million tokens.
    assert reply.usage.cost_usd == pytest.approx((20 * 3 + 4 * 15) / 1e6)

    [request] = anthropic_env.requests
    assert request.path == "/v1/messages"
    assert _has_key(request.headers)
    assert "anthropic-version" in request.headers
    assert request.body["model"] == "claude-sonnet-4-6"
    assert request.body["system"] == "Be brief."
    assert request.body["messages"] == [{"role": "user", "content": "Hi"}]
    assert not request.body.get("stream")
    assert request.headers["x-stainless-retry-count"] == "0"


async def test_streamed_text(
    anthropic_env: FakeProvider, settings: Settings, registry: Registry
) -> None:
    anthropic_env.add(Reply(sse=anthropic_stream(["Hel", "lo", " world"], usage=(30, 3))))
    tokens: list[str] = []

    reply = await _client(settings, registry).ainvoke(MESSAGES, on_token=tokens.append)

    assert tokens == ["Hel", "lo", " world"]
    assert reply.message.text == "Hello world"
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (30, 3)
    [request] = anthropic_env.requests
    assert request.body["stream"] is True


async def test_tool_use(
    anthropic_env: FakeProvider, settings: Settings, registry: Registry
) -> None:
    anthropic_env.add(
        Reply(
            json_body=anthropic_message(
                "Let me check.", tool_use=("toolu_01", "get_weather", {"city": "Paris"})
            )
        )
    )

    reply = await _client(settings, registry).ainvoke(
        MESSAGES, tools=[get_weather], tool_choice="any"
    )

    [call] = reply.message.tool_calls
    assert (call["id"], call["name"], call["args"]) == (
        "toolu_01",
        "get_weather",
        {"city": "Paris"},
    )
    assert reply.message.text == "Let me check."
    [request] = anthropic_env.requests
    [spec] = request.body["tools"]
    assert spec["name"] == "get_weather"
    assert spec["input_schema"]["required"] == ["city"]
    assert request.body["tool_choice"] == {"type": "any"}


async def test_streamed_tool_use(
    anthropic_env: FakeProvider, settings: Settings, registry: Registry
) -> None:
    anthropic_env.add(
        Reply(
            sse=anthropic_stream(
                ["Checking."],
                tool_use=("toolu_02", "get_weather", ['{"ci', 'ty": "Os', 'lo"}']),
                usage=(50, 20),
            )
        )
    )
    tokens: list[str] = []

    reply = await _client(settings, registry).ainvoke(
        MESSAGES, tools=[get_weather], on_token=tokens.append
    )

    assert tokens == ["Checking."]
    [call] = reply.message.tool_calls
    assert (call["id"], call["name"], call["args"]) == (
        "toolu_02",
        "get_weather",
        {"city": "Oslo"},
    )
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (50, 20)
    [request] = anthropic_env.requests
    assert request.body["stream"] is True
    assert request.body["tools"][0]["name"] == "get_weather"


async def test_overloaded_529_is_retried(
    anthropic_env: FakeProvider,
    settings: Settings,
    registry: Registry,
    fake_sleep: Sleep,
    sleeps: list[float],
) -> None:
    anthropic_env.add(
        Reply(status=529, json_body=anthropic_error("overloaded_error", "Overloaded")),
        Reply(json_body=anthropic_message("finally")),
    )

    reply = await _client(settings, registry, fake_sleep).ainvoke(MESSAGES)

    assert reply.message.text == "finally"
    assert reply.attempts == 2
    assert len(sleeps) == 1 and 0 < sleeps[0] <= settings.retries.max_wait_s
    assert len(anthropic_env.requests) == 2


async def test_rate_limit_honours_retry_after(
    anthropic_env: FakeProvider,
    settings: Settings,
    registry: Registry,
    fake_sleep: Sleep,
    sleeps: list[float],
) -> None:
    anthropic_env.add(
        Reply(
            status=429,
            json_body=anthropic_error("rate_limit_error", "slow down"),
            headers={"retry-after": "7"},
        ),
        Reply(sse=anthropic_stream(["ok"])),
    )

    reply = await _client(settings, registry, fake_sleep).ainvoke(MESSAGES, on_token=print)

    assert reply.message.text == "ok"
    assert reply.attempts == 2
    assert sleeps == [7.0]

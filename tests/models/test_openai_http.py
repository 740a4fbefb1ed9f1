"""OpenAI Chat Completions through the real SDK against a loopback server."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import tool
from provider_wire import FakeProvider, Reply, openai_completion, openai_stream

from agentcore.config import Price, Settings
from agentcore.models import ModelClient
from agentcore.plugins import Registry


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return "sunny"


MESSAGES = [SystemMessage("Be brief."), HumanMessage("Hi")]


def _client(
    settings: Settings, registry: Registry, spec: str = "openai:gpt-4o-mini"
) -> ModelClient:
    return ModelClient.from_specs(spec, settings=settings, registry=registry)


async def test_text(openai_env: FakeProvider, settings: Settings, registry: Registry) -> None:
    openai_env.add(Reply(json_body=openai_completion("Hello there!", usage=(20, 4))))

    reply = await _client(settings, registry).ainvoke(MESSAGES)

    assert reply.message.text == "Hello there!"
    assert reply.message.tool_calls == []
    assert reply.model == "openai:gpt-4o-mini"
    assert reply.attempts == 1
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (20, 4)
    # gpt-4o-mini: $0.15 in / $0.60 out per million tokens.
    assert reply.usage.cost_usd == pytest.approx((20 * 0.15 + 4 * 0.60) / 1e6)

    [request] = openai_env.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-openai"
    assert request.body["model"] == "gpt-4o-mini"
    assert request.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    assert not request.body.get("stream")
    assert "tools" not in request.body
    # We retry ourselves; the SDK must not.
    assert request.headers["x-stainless-retry-count"] == "0"


async def test_streamed_text(
    openai_env: FakeProvider, settings: Settings, registry: Registry
) -> None:
    openai_env.add(Reply(sse=openai_stream(["Hel", "lo", " world"], usage=(30, 3))))
    tokens: list[str] = []

    reply = await _client(settings, registry).ainvoke(MESSAGES, on_token=tokens.append)

    assert tokens == ["Hel", "lo", " world"]
    assert reply.message.text == "Hello world"
    assert type(reply.message).__name__ == "AIMessage"
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (30, 3)
    [request] = openai_env.requests
    assert request.body["stream"] is True
    assert request.body["stream_options"] == {"include_usage": True}


async def test_tool_call(openai_env: FakeProvider, settings: Settings, registry: Registry) -> None:
    openai_env.add(
        Reply(
            json_body=openai_completion(
                None, tool_calls=[("call_1", "get_weather", {"city": "Paris"})]
            )
        )
    )

    reply = await _client(settings, registry).ainvoke(
        MESSAGES, tools=[get_weather], tool_choice="any"
    )

    [call] = reply.message.tool_calls
    assert (call["id"], call["name"], call["args"]) == ("call_1", "get_weather", {"city": "Paris"})
    [request] = openai_env.requests
    [spec] = request.body["tools"]
    assert spec["type"] == "function"
    assert spec["function"]["name"] == "get_weather"
    assert spec["function"]["parameters"]["required"] == ["city"]
    assert request.body["tool_choice"] == "required"  # langchain's "any" on OpenAI


async def test_streamed_tool_call(
    openai_env: FakeProvider, settings: Settings, registry: Registry
) -> None:
    openai_env.add(
        Reply(
            sse=openai_stream(
                ["Checking."],
                tool_call=("call_9", "get_weather", ['{"ci', 'ty": "Os', 'lo"}']),
                usage=(40, 12),
            )
        )
    )
    tokens: list[str] = []

    reply = await _client(settings, registry).ainvoke(
        MESSAGES, tools=[get_weather], on_token=tokens.append
    )

    assert tokens == ["Checking."]  # argument fragments are not text
    [call] = reply.message.tool_calls
    assert (call["id"], call["name"], call["args"]) == ("call_9", "get_weather", {"city": "Oslo"})
    assert reply.usage.output_tokens == 12
    [request] = openai_env.requests
    assert request.body["stream"] is True
    assert request.body["tools"][0]["function"]["name"] == "get_weather"
    assert "tool_choice" not in request.body


async def test_cached_input_is_priced_lower(
    openai_env: FakeProvider, settings: Settings, registry: Registry
) -> None:
    openai_env.add(Reply(json_body=openai_completion("ok", usage=(1000, 0), cached=600)))

    reply = await _client(settings, registry, "openai:gpt-4o").ainvoke(MESSAGES)

    # gpt-4o: $2.50 in, $1.25 cached in.
    assert reply.usage.cost_usd == pytest.approx((400 * 2.50 + 600 * 1.25) / 1e6)


async def test_unknown_model_has_no_cost(
    openai_env: FakeProvider, settings: Settings, registry: Registry
) -> None:
    openai_env.add(Reply(json_body=openai_completion("ok", model="gpt-9-turbo")))

    reply = await _client(settings, registry, "openai:gpt-9-turbo").ainvoke(MESSAGES)

    assert reply.usage.cost_usd is None
    assert reply.usage.input_tokens == 12


async def test_openai_compatible_server(
    server: FakeProvider,
    settings: Settings,
    registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.add(
        Reply(json_body=openai_completion("local hi", model="llama3.1")),
        Reply(sse=openai_stream(["lo", "cal"])),
    )
    client = _client(settings, registry, f"openai-compatible:llama3.1@{server.url}/v1")

    reply = await client.ainvoke(MESSAGES)
    tokens: list[str] = []
    streamed = await client.ainvoke(MESSAGES, on_token=tokens.append)

    assert reply.message.text == "local hi"
    assert reply.model == f"openai-compatible:llama3.1@{server.url}/v1"
    assert reply.usage.cost_usd == 0.0  # local models are free unless priced
    assert streamed.message.text == "local" and tokens == ["lo", "cal"]
    first, second = server.requests
    assert first.path == "/v1/chat/completions"
    assert first.body["model"] == "llama3.1"
    assert first.headers["authorization"] == "Bearer not-needed"
    assert second.body["stream"] is True


async def test_openai_compatible_key_and_price_from_settings(
    server: FakeProvider, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_COMPATIBLE_API_KEY", "vllm-secret")
    settings = Settings(pricing={"llama3.1": Price(input=1.0, output=2.0)})
    server.add(Reply(json_body=openai_completion("hi", usage=(1_000_000, 500_000))))

    reply = await _client(
        settings, registry, f"openai-compatible:llama3.1@{server.url}/v1"
    ).ainvoke(MESSAGES)

    assert server.requests[0].headers["authorization"] == "Bearer vllm-secret"
    assert reply.usage.cost_usd == pytest.approx(2.0)

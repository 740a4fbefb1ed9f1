"""The plugin's settings: the ``[plugins.search]`` table of ``agentcore.toml``."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from agentcore.errors import ConfigError
from agentcore.plugins._options import plugin_options

PLUGIN = "search"
KEY_ENV = "TAVILY_API_KEY"
#: The tool's own time limit, after which the graph cancels the call. The settings are checked
#: so that every attempt, and every wait between attempts, fits inside it.
TOOL_TIMEOUT_S = 300.0
#: Tavily returns at most 20 results per search, and cuts request timeouts at 120 s.
TAVILY_MAX_RESULTS = 20
TAVILY_MAX_TIMEOUT_S = 120.0
DEFAULT_API_BASE_URL = "https://api.tavily.com"

Backend = Literal["auto", "tavily", "local"]
SearchDepth = Literal["basic", "advanced", "fast", "ultra-fast"]

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


@dataclass(kw_only=True, slots=True, frozen=True)
class SearchOptions:
    """How ``web_search`` searches; override any of it in ``[plugins.search]``.

    Attributes:
        backend: ``"auto"`` searches the web with Tavily when ``TAVILY_API_KEY`` is set and
            local knowledge (RAG collections and memory) otherwise; ``"tavily"`` always uses
            Tavily (a missing key is an error, never a silent fallback); ``"local"`` never
            leaves the machine, even with a key.
        search_depth: Tavily's search depth: ``"basic"`` (1 credit), ``"advanced"`` (2 credits,
            better snippets), ``"fast"`` or ``"ultra-fast"`` (lower latency).
        max_results_cap: The largest ``max_results`` a call may ask for (Tavily's limit: 20).
        max_snippet_chars: Longer result snippets are cut before the model sees them.
        timeout_s: Time limit of one request to Tavily (at most 120 s).
        max_attempts: Attempts per search: 429, 5xx, timeouts and connection errors are
            retried with exponential backoff, honouring ``Retry-After``.
        max_retry_wait_s: The longest wait between attempts. A ``Retry-After`` longer than
            this ends the search at once, with a message saying how long Tavily asked to wait.
        api_base_url: Tavily's API root; ``https`` unless it points at this machine (the API
            key travels in a header).
    """

    backend: Backend = "auto"
    search_depth: SearchDepth = "basic"
    max_results_cap: int = 10
    max_snippet_chars: int = 800
    timeout_s: float = 30.0
    max_attempts: int = 3
    max_retry_wait_s: float = 20.0
    api_base_url: str = DEFAULT_API_BASE_URL


def options(settings: Mapping[str, Mapping[str, Any]]) -> SearchOptions:
    """Read ``[plugins.search]`` from the plugin settings a tool receives, with defaults.

    Raises:
        ConfigError: An unknown key, a value of the wrong type or out of range, or settings
            whose retries could not finish within the tool's time limit.
    """
    return plugin_options(settings, PLUGIN, SearchOptions, _read)


def _read(raw: Mapping[str, Any]) -> SearchOptions:
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "backend":
            values[name] = _choice(name, value, get_args(Backend))
        elif name == "search_depth":
            values[name] = _choice(name, value, get_args(SearchDepth))
        elif name == "api_base_url":
            values[name] = _base_url(value)
        elif name == "max_results_cap":
            values[name] = _integer(name, value, 1, TAVILY_MAX_RESULTS)
        elif name == "max_snippet_chars":
            values[name] = _integer(name, value, 50, 20_000)
        elif name == "max_attempts":
            values[name] = _integer(name, value, 1, 10)
        elif name == "timeout_s":
            values[name] = _number(name, value, TAVILY_MAX_TIMEOUT_S)
        else:
            values[name] = _number(name, value, TOOL_TIMEOUT_S)
    opts = SearchOptions(**values)
    worst = opts.max_attempts * opts.timeout_s + (opts.max_attempts - 1) * opts.max_retry_wait_s
    if worst > TOOL_TIMEOUT_S:
        raise ConfigError(
            f"[plugins.{PLUGIN}] max_attempts times timeout_s, plus the waits between attempts "
            f"(max_retry_wait_s) may take {worst:g} s, more than the tool's limit of "
            f"{TOOL_TIMEOUT_S:g} s",
            hint="lower max_attempts, timeout_s or max_retry_wait_s",
        )
    return opts


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        choices = ", ".join(f'"{a}"' for a in allowed)
        raise ConfigError(f"[plugins.{PLUGIN}] {name} must be one of {choices}, got {value!r}")
    return str(value)


def _integer(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(
            f"[plugins.{PLUGIN}] {name} must be an integer from {low} to {high}, got {value!r}"
        )
    return value


def _number(name: str, value: object, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= high:
        raise ConfigError(
            f"[plugins.{PLUGIN}] {name} must be a number of seconds above 0 and at most "
            f"{high:g}, got {value!r}"
        )
    return float(value)


def _base_url(value: object) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"[plugins.{PLUGIN}] api_base_url must be an http(s) URL, got {value!r}",
            hint=f'the default is "{DEFAULT_API_BASE_URL}"',
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigError(
            f"[plugins.{PLUGIN}] api_base_url {value!r} is plain http to another machine: "
            "the Tavily API key would cross the network unencrypted",
            hint="use an https URL",
        )
    return str(value).rstrip("/")


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

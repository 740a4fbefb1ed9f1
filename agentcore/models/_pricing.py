"""Token prices (USD per million tokens) and the cost of one call.

The table covers common current models; ``Settings.pricing`` overrides or extends it, keyed by
the full spec (``"openai:gpt-4o"``) or the bare model name (``"gpt-4o"``). Names match with
date suffixes removed, so ``gpt-4o-mini-2024-07-18`` is priced as ``gpt-4o-mini``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agentcore.config import Price, Settings

__all__ = [
    "FREE_PROVIDERS",
    "PRICES",
    "RECORDED_USAGE_KEY",
    "call_cost",
    "find_price",
    "normalize_model_name",
    "recorded_cost",
]

# Local, scripted and replayed models cost nothing unless the user prices them.
FREE_PROVIDERS = frozenset({"scripted", "replay", "openai-compatible"})

RECORDED_USAGE_KEY = "agentcore_recorded_usage"
"""A replaying model's answer carries the recorded call's usage in its ``response_metadata``
under this key (``{"input_tokens", "output_tokens", "cost_usd"}``): a replay costs what the
recording did, not the replay provider's price."""


def _p(input: float, output: float, cached_input: float | None = None) -> Price:
    return Price(input=input, output=output, cached_input=cached_input)


# Standard-tier list prices as published in mid-2026. Unlisted models cost ``None`` (unknown)
# until priced in ``Settings.pricing``; a wrong price is worse than an unknown one.
PRICES: Mapping[str, Price] = {
    # OpenAI
    "gpt-4o": _p(2.50, 10.00, 1.25),
    "gpt-4o-mini": _p(0.15, 0.60, 0.075),
    "gpt-4.1": _p(2.00, 8.00, 0.50),
    "gpt-4.1-mini": _p(0.40, 1.60, 0.10),
    "gpt-4.1-nano": _p(0.10, 0.40, 0.025),
    "o1": _p(15.00, 60.00, 7.50),
    "o3": _p(2.00, 8.00, 0.50),
    "o3-mini": _p(1.10, 4.40, 0.55),
    "o4-mini": _p(1.10, 4.40, 0.275),
    "gpt-5": _p(1.25, 10.00, 0.125),
    "gpt-5-mini": _p(0.25, 2.00, 0.025),
    "gpt-5-nano": _p(0.05, 0.40, 0.005),
    "gpt-5.1": _p(1.25, 10.00, 0.125),
    "gpt-5.2": _p(1.75, 14.00, 0.175),
    "gpt-5.4": _p(2.50, 15.00, 0.25),
    "gpt-5.4-mini": _p(0.75, 4.50, 0.075),
    "gpt-5.4-nano": _p(0.20, 1.25, 0.02),
    "gpt-5.5": _p(5.00, 30.00, 0.50),
    # Anthropic (cached_input = cache reads)
    "claude-opus-4-7": _p(5.00, 25.00, 0.50),
    "claude-opus-4-6": _p(5.00, 25.00, 0.50),
    "claude-opus-4-5": _p(5.00, 25.00, 0.50),
    "claude-opus-4-1": _p(15.00, 75.00, 1.50),
    "claude-opus-4": _p(15.00, 75.00, 1.50),
    "claude-opus-4-0": _p(15.00, 75.00, 1.50),
    "claude-sonnet-4-6": _p(3.00, 15.00, 0.30),
    "claude-sonnet-4-5": _p(3.00, 15.00, 0.30),
    "claude-sonnet-4": _p(3.00, 15.00, 0.30),
    "claude-sonnet-4-0": _p(3.00, 15.00, 0.30),
    "claude-3-7-sonnet": _p(3.00, 15.00, 0.30),
    "claude-3-5-sonnet": _p(3.00, 15.00, 0.30),
    "claude-haiku-4-5": _p(1.00, 5.00, 0.10),
    "claude-3-5-haiku": _p(0.80, 4.00, 0.08),
    "claude-3-haiku": _p(0.25, 1.25, 0.03),
}

# -2024-07-18, -20241022, -latest
_SUFFIX = re.compile(r"(-\d{4}-\d{2}-\d{2}|-\d{8}|-latest)$")


def normalize_model_name(name: str) -> str:
    """Lower-case ``name`` and drop a date or ``-latest`` suffix."""
    lowered = name.strip().lower()
    while True:
        stripped = _SUFFIX.sub("", lowered)
        if stripped == lowered:
            return lowered
        lowered = stripped


def _model_part(provider: str, name: str) -> str:
    # openai-compatible names carry their base URL: "llama3.1@http://host/v1".
    return name.partition("@")[0] if provider == "openai-compatible" else name


def find_price(provider: str, name: str, overrides: Mapping[str, Price]) -> Price | None:
    """Return the price for a model, or ``None`` when it is not known.

    Args:
        provider: The spec's provider.
        name: The spec's model name.
        overrides: ``Settings.pricing``; wins over the built-in table.
    """
    model = _model_part(provider, name)
    normalized = normalize_model_name(model)
    for key in (f"{provider}:{name}", f"{provider}:{model}", model, normalized):
        if key in overrides:
            return overrides[key]
    lowered = {k.lower(): v for k, v in overrides.items()}
    if normalized in lowered:
        return lowered[normalized]
    if provider in FREE_PROVIDERS:
        return Price(input=0.0, output=0.0)
    return PRICES.get(normalized)


def recorded_cost(response_metadata: Mapping[str, Any]) -> tuple[bool, float | None]:
    """The recorded cost a replayed answer carries (see :data:`RECORDED_USAGE_KEY`).

    Returns:
        ``(True, cost)`` when the answer is replayed (``cost`` is ``None`` when the recording
        had no price either), else ``(False, None)``.
    """
    usage = response_metadata.get(RECORDED_USAGE_KEY)
    if not isinstance(usage, Mapping) or "cost_usd" not in usage:
        return False, None
    cost = usage["cost_usd"]
    if isinstance(cost, int | float) and not isinstance(cost, bool):
        return True, float(cost)
    return True, None


def call_cost(
    provider: str, name: str, usage: Mapping[str, Any] | None, settings: Settings
) -> float | None:
    """USD cost of one call from its ``usage_metadata``; ``None`` when the price is unknown.

    Cache reads are charged at the cached-input price when the model has one.
    """
    price = find_price(provider, name, settings.pricing)
    if price is None:
        return None
    if not usage:
        return 0.0
    input_tokens = int(usage.get("input_tokens") or 0)
    output_tokens = int(usage.get("output_tokens") or 0)
    details = usage.get("input_token_details") or {}
    cached = min(int(details.get("cache_read") or 0), input_tokens)
    cached_price = price.input if price.cached_input is None else price.cached_input
    total = (
        (input_tokens - cached) * price.input + cached * cached_price + output_tokens * price.output
    )
    return total / 1_000_000

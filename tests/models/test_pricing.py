from __future__ import annotations

import pytest

from agentcore.config import Price, Settings
from agentcore.models import PRICES, call_cost, find_price
from agentcore.models._pricing import normalize_model_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("GPT-4.1", "gpt-4.1"),
        ("o3", "o3"),
    ],
)
def test_normalize_model_name(name: str, expected: str) -> None:
    assert normalize_model_name(name) == expected


def test_dated_names_match_their_family() -> None:
    assert find_price("openai", "gpt-4o-mini-2024-07-18", {}) == PRICES["gpt-4o-mini"]
    assert find_price("anthropic", "claude-haiku-4-5-20251001", {}) == PRICES["claude-haiku-4-5"]
    # ...but a different model with a shared prefix does not.
    assert find_price("openai", "gpt-4o-mini-transcribe", {}) is None


def test_overrides_by_spec_or_name_win() -> None:
    cheap = Price(input=0.01, output=0.02)
    assert find_price("openai", "gpt-4o", {"openai:gpt-4o": cheap}) == cheap
    assert find_price("openai", "gpt-4o-2024-08-06", {"gpt-4o": cheap}) == cheap
    assert find_price("azure", "gpt-4o", {}) == PRICES["gpt-4o"]  # plugin providers use the table


def test_local_and_scripted_models_are_free_unless_priced() -> None:
    assert find_price("scripted", "echo", {}) == Price(input=0, output=0)
    assert find_price("replay", "runs/abc.jsonl", {}) == Price(input=0, output=0)
    url_spec = "qwen2.5@http://localhost:8000/v1"
    assert find_price("openai-compatible", url_spec, {}) == Price(input=0, output=0)
    priced = Price(input=0.5, output=1.0)
    assert find_price("openai-compatible", url_spec, {"qwen2.5": priced}) == priced


def test_call_cost() -> None:
    settings = Settings()
    usage = {"input_tokens": 2_000_000, "output_tokens": 1_000_000}
    assert call_cost("openai", "gpt-4o-mini", usage, settings) == pytest.approx(0.30 + 0.60)
    assert call_cost("openai", "gpt-unknown", usage, settings) is None
    assert call_cost("scripted", "echo", usage, settings) == 0.0
    assert call_cost("openai", "gpt-4o-mini", None, settings) == 0.0


def test_cache_reads_use_the_cached_price() -> None:
    usage = {
        "input_tokens": 1_000_000,
        "output_tokens": 0,
        "input_token_details": {"cache_read": 800_000},
    }
    # claude-sonnet-4-6: $3 input, $0.30 cache read.
    cost = call_cost("anthropic", "claude-sonnet-4-6", usage, Settings())
    assert cost == pytest.approx(0.2 * 3.0 + 0.8 * 0.30)
    # A price with no cached rate charges cache reads at the input price.
    settings = Settings(pricing={"m": Price(input=1.0, output=1.0)})
    assert call_cost("x", "m", usage, settings) == pytest.approx(1.0)

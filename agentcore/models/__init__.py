"""Models: ``"provider:model"`` strings to chat models, and the one client that calls them.

Providers are registered through the ``register_models`` plugin hook; built in are ``openai``,
``anthropic``, ``openai-compatible`` (``MODEL@BASE_URL``: Ollama, vLLM, llama.cpp, LM Studio),
``scripted`` and ``replay``. :class:`ModelClient` retries transient failures (429, 5xx,
timeouts, connection errors) honouring ``Retry-After``, falls back to other models, and
reports tokens and estimated cost for every call.

``ModelClient`` and its result types import langchain-core, so they load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentcore.models._pricing import PRICES, call_cost, find_price
from agentcore.models._spec import (
    DEFAULT_ANTHROPIC_MODEL,
    DEFAULT_OPENAI_MODEL,
    ModelFactory,
    ModelSpec,
    choose_model,
    parse_model_spec,
)

if TYPE_CHECKING:
    from agentcore.models._client import CallUsage, ModelClient, ModelReply, Sleep

__all__ = [
    "DEFAULT_ANTHROPIC_MODEL",
    "DEFAULT_OPENAI_MODEL",
    "PRICES",
    "CallUsage",
    "ModelClient",
    "ModelFactory",
    "ModelReply",
    "ModelSpec",
    "Sleep",
    "call_cost",
    "choose_model",
    "find_price",
    "parse_model_spec",
]

_LAZY = frozenset({"CallUsage", "ModelClient", "ModelReply", "Sleep"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from agentcore.models import _client

        return getattr(_client, name)
    raise AttributeError(f"module 'agentcore.models' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY)

"""Model spec strings (``"provider:model"``): parsing, the factory protocol, the default model."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from agentcore.errors import UserError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from agentcore.config import Settings
    from agentcore.plugins import Registry

__all__ = [
    "DEFAULT_ANTHROPIC_MODEL",
    "DEFAULT_OPENAI_MODEL",
    "ModelFactory",
    "ModelSpec",
    "choose_model",
    "parse_model_spec",
]

DEFAULT_OPENAI_MODEL = "openai:gpt-4o-mini"
DEFAULT_ANTHROPIC_MODEL = "anthropic:claude-sonnet-4-6"

_EXAMPLES = (
    "openai:gpt-4o-mini, anthropic:claude-sonnet-4-6, "
    "openai-compatible:llama3.1@http://localhost:11434/v1, scripted:echo"
)

# Bare model names people type without a provider, and the provider they mean.
_NAME_PREFIXES: tuple[tuple[str, str], ...] = (
    ("gpt-", "openai"),
    ("chatgpt-", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("claude", "anthropic"),
)


class ModelFactory(Protocol):
    """Builds a chat model for one provider; registered with ``register_models``.

    A plugin registers one per provider name::

        @hookimpl
        def register_models(register):
            register("myprovider", make_my_model)

    and ``"myprovider:some-model"`` then calls ``make_my_model("some-model", settings)``.
    """

    def __call__(self, name: str, settings: Settings) -> BaseChatModel:
        """Return a chat model for ``name`` (the part of the spec after the first colon)."""
        ...


@dataclass(frozen=True, kw_only=True, slots=True)
class ModelSpec:
    """A parsed ``"provider:name"`` model spec.

    Attributes:
        provider: The registered provider, e.g. ``openai``.
        name: Everything after the first colon, e.g. ``gpt-4o-mini`` or
            ``llama3.1@http://localhost:11434/v1``.
    """

    provider: str
    name: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.name}"


def _guess_provider(name: str) -> str | None:
    lowered = name.lower()
    for prefix, provider in _NAME_PREFIXES:
        if lowered.startswith(prefix):
            return provider
    return None


def parse_model_spec(spec: str, *, registry: Registry | None = None) -> ModelSpec:
    """Split a ``"provider:name"`` string, checking the provider when a registry is given.

    Args:
        spec: The model spec, e.g. ``"openai:gpt-4o-mini"``.
        registry: When given, the provider must be one of ``registry.models``.

    Returns:
        The parsed spec.

    Raises:
        UserError: The spec has no colon, an empty provider or name, or an unknown provider.
    """
    text = spec.strip()
    provider, colon, name = text.partition(":")
    provider, name = provider.strip(), name.strip()
    if not colon:
        guess = _guess_provider(text)
        hint = (
            f"did you mean '{guess}:{text}'?"
            if guess
            else f"write it as provider:model, e.g. {_EXAMPLES}"
        )
        raise UserError(f"model '{spec}' has no provider (expected 'provider:model')", hint=hint)
    if not provider:
        raise UserError(f"model '{spec}' has an empty provider", hint=f"e.g. {_EXAMPLES}")
    if not name:
        raise UserError(
            f"model '{spec}' has an empty model name after '{provider}:'",
            hint=f"e.g. {_EXAMPLES}",
        )
    if registry is not None and provider not in registry.models:
        known = sorted(registry.models)
        close = difflib.get_close_matches(provider, known, n=1)
        suggestion = f"did you mean '{close[0]}:{name}'? " if close else ""
        raise UserError(
            f"unknown model provider '{provider}' in '{spec}'",
            hint=(
                f"{suggestion}registered providers: {', '.join(known) or 'none'}; "
                "for an offline try use 'scripted:echo' or run `agentcore demo`"
            ),
        )
    return ModelSpec(provider=provider, name=name)


def choose_model(cli_model: str | None, settings: Settings, environ: Mapping[str, str]) -> str:
    """Pick the model spec for a run.

    Precedence: ``--model`` > ``settings.model`` (``AGENTCORE_MODEL`` or a config file) >
    a default for whichever provider key is set (``OPENAI_API_KEY``, then
    ``ANTHROPIC_API_KEY``).

    Args:
        cli_model: The ``--model`` flag, if given.
        settings: Loaded settings.
        environ: The environment to look for provider keys in.

    Returns:
        A model spec string (not yet validated; see :func:`parse_model_spec`).

    Raises:
        UserError: No model was given and no provider key is set.
    """
    for candidate in (cli_model, settings.model):
        if candidate and candidate.strip():
            return candidate.strip()
    if environ.get("OPENAI_API_KEY", "").strip():
        return DEFAULT_OPENAI_MODEL
    if environ.get("ANTHROPIC_API_KEY", "").strip():
        return DEFAULT_ANTHROPIC_MODEL
    raise UserError(
        "no model configured and no provider API key found",
        hint=(
            "pass --model (or set AGENTCORE_MODEL) to one of: openai:gpt-4o-mini (needs "
            "OPENAI_API_KEY), anthropic:claude-sonnet-4-6 (needs ANTHROPIC_API_KEY), "
            "openai-compatible:MODEL@URL (e.g. a local Ollama at http://localhost:11434/v1), "
            "scripted:echo (offline); or try `agentcore demo`"
        ),
    )

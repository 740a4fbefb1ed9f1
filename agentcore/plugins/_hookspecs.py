"""The hooks a plugin may implement. Each receives a ``register`` callback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("agentcore")
hookimpl = pluggy.HookimplMarker("agentcore")


@hookspec
def register_tools(register: Callable[[Any], None]) -> None:
    """Register tools: ``register(tool)`` with a langchain-core ``BaseTool``."""


@hookspec
def register_models(register: Callable[[str, Any], None]) -> None:
    """Register model providers: ``register(provider_name, factory)``.

    ``factory(model_name, settings) -> BaseChatModel`` builds a chat model for a
    ``"provider:model_name"`` string (see ``agentcore.models.ModelFactory``).
    """


@hookspec
def register_sandboxes(register: Callable[[str, Any], None]) -> None:
    """Register sandbox backends: ``register(name, backend_class)``."""


@hookspec
def register_embedders(register: Callable[[str, Any], None]) -> None:
    """Register embedders: ``register(name, factory)``."""


@hookspec
def register_scorers(register: Callable[[str, Any], None]) -> None:
    """Register eval scorers: ``register(name, scorer)``."""


@hookspec
def register_commands(register: Callable[[str, Any], None]) -> None:
    """Register CLI commands: ``register(name, typer_app_or_function)``."""

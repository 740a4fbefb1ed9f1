"""Built-in model providers, registered through the same hook as third-party plugins.

Provider SDKs and ``agentcore.testing`` are imported inside the factories, so loading the
registry (e.g. for ``agentcore --help``) stays cheap.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from agentcore.errors import MissingKeyError, UserError
from agentcore.plugins import hookimpl

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from agentcore.config import Settings

__all__ = [
    "API_KEY_ENV",
    "anthropic_model",
    "openai_compatible_model",
    "openai_model",
    "register_models",
    "replay_model",
    "scripted_model",
]

# The variable to check when a provider rejects its key (HTTP 401).
API_KEY_ENV: dict[str, str] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "openai-compatible": "OPENAI_COMPATIBLE_API_KEY",
}

# Local servers (Ollama, vLLM, llama.cpp, LM Studio) ignore the key, but the SDK wants one.
_PLACEHOLDER_KEY = "not-needed"
_COMPATIBLE = re.compile(r"^(?P<model>.+?)@(?P<url>https?://\S+)$")
_COMPATIBLE_EXAMPLE = "openai-compatible:llama3.1@http://localhost:11434/v1"


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _require_key(provider: str) -> str:
    var = API_KEY_ENV[provider]
    key = _env(var)
    if key is None:
        raise MissingKeyError(provider, var)
    return key


def openai_model(name: str, settings: Settings) -> BaseChatModel:
    """``openai:MODEL``: OpenAI Chat Completions (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``)."""
    key = _require_key("openai")
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    return ChatOpenAI(
        model=name,
        api_key=SecretStr(key),
        base_url=_env("OPENAI_BASE_URL"),
        timeout=settings.retries.request_timeout_s,
        max_retries=0,  # ModelClient retries, honouring Retry-After
        stream_usage=True,
    )


def anthropic_model(name: str, settings: Settings) -> BaseChatModel:
    """``anthropic:MODEL``: Anthropic Messages (``ANTHROPIC_API_KEY``, ``ANTHROPIC_BASE_URL``)."""
    key = _require_key("anthropic")
    from langchain_anthropic import ChatAnthropic
    from pydantic import SecretStr

    return ChatAnthropic(
        model=name,
        api_key=SecretStr(key),
        base_url=_env("ANTHROPIC_BASE_URL"),
        timeout=settings.retries.request_timeout_s,
        max_retries=0,
        stream_usage=True,
    )


def openai_compatible_model(name: str, settings: Settings) -> BaseChatModel:
    """``openai-compatible:MODEL@BASE_URL``: any server speaking OpenAI Chat Completions.

    The key comes from ``OPENAI_COMPATIBLE_API_KEY``; local servers need none.
    """
    match = _COMPATIBLE.match(name)
    if match is None:
        problem = (
            "the base URL after '@' must start with http:// or https://"
            if "@" in name
            else "is missing '@BASE_URL'"
        )
        raise UserError(
            f"model 'openai-compatible:{name}' {problem}",
            hint=f"write it as openai-compatible:MODEL@BASE_URL, e.g. {_COMPATIBLE_EXAMPLE}",
        )
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    return ChatOpenAI(
        model=match["model"],
        api_key=SecretStr(_env("OPENAI_COMPATIBLE_API_KEY") or _PLACEHOLDER_KEY),
        base_url=match["url"],
        timeout=settings.retries.request_timeout_s,
        max_retries=0,
        stream_usage=True,
    )


def _testing() -> Any:
    # agentcore.testing imports langchain-core's fake models; keep it off the import path.
    return importlib.import_module("agentcore.testing")


def scripted_model(name: str, settings: Settings) -> BaseChatModel:
    """``scripted:NAME_OR_FILE``: a built-in script (e.g. ``echo``) or a script file."""
    return cast("BaseChatModel", _testing().load_script_model(name))


def replay_model(name: str, settings: Settings) -> BaseChatModel:
    """``replay:FILE``: plays back a cassette (``agentcore eval --record``, ``.jsonl`` or
    ``.jsonl.gz``; told apart by its first line) or the model calls of a run trace."""
    from pathlib import Path

    from agentcore.errors import SpecError
    from agentcore.evals._cassette import is_cassette

    if not Path(name).is_file():
        raise SpecError(
            "replay file does not exist",
            path=name,
            hint="pass a cassette (agentcore eval SUITE --record FILE) or a run trace "
            "(<data_dir>/runs/<run_id>.jsonl, written by `agentcore run`)",
        )
    if is_cassette(name):
        from agentcore.evals._cassette_model import CassetteChatModel

        return CassetteChatModel.from_file(name)
    return cast("BaseChatModel", _testing().ReplayChatModel.from_trace(name))


@hookimpl
def register_models(register: Callable[[str, Any], None]) -> None:
    """Register the built-in providers."""
    register("openai", openai_model)
    register("anthropic", anthropic_model)
    register("openai-compatible", openai_compatible_model)
    register("scripted", scripted_model)
    register("replay", replay_model)

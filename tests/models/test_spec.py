from __future__ import annotations

import subprocess
import sys

import pytest

from agentcore.config import Settings
from agentcore.errors import MissingKeyError, UserError
from agentcore.models import (
    DEFAULT_ANTHROPIC_MODEL,
    DEFAULT_OPENAI_MODEL,
    ModelClient,
    ModelSpec,
    choose_model,
    parse_model_spec,
)
from agentcore.plugins import Registry


def test_registry_has_the_builtin_providers(registry: Registry) -> None:
    assert {"openai", "anthropic", "openai-compatible", "scripted", "replay"} <= set(
        registry.models
    )
    assert registry.owners["models"]["openai"] == "builtin:models"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("openai:gpt-4o-mini", ModelSpec(provider="openai", name="gpt-4o-mini")),
        (
            " anthropic:claude-sonnet-4-6 ",
            ModelSpec(provider="anthropic", name="claude-sonnet-4-6"),
        ),
        (
            "openai-compatible:llama3.1@http://localhost:11434/v1",
            ModelSpec(provider="openai-compatible", name="llama3.1@http://localhost:11434/v1"),
        ),
        # Only the first colon splits: fine-tuned OpenAI names contain colons.
        (
            "openai:ft:gpt-4o-mini:acme::abc",
            ModelSpec(provider="openai", name="ft:gpt-4o-mini:acme::abc"),
        ),
    ],
)
def test_parse_model_spec(spec: str, expected: ModelSpec, registry: Registry) -> None:
    assert parse_model_spec(spec, registry=registry) == expected
    assert str(expected) == spec.strip()


def test_spec_without_colon_suggests_the_provider() -> None:
    with pytest.raises(UserError, match="no provider") as info:
        parse_model_spec("gpt-4o")
    assert info.value.hint == "did you mean 'openai:gpt-4o'?"
    with pytest.raises(UserError) as info:
        parse_model_spec("claude-haiku-4-5")
    assert info.value.hint == "did you mean 'anthropic:claude-haiku-4-5'?"
    with pytest.raises(UserError) as info:
        parse_model_spec("mystery")
    assert "provider:model" in (info.value.hint or "")


@pytest.mark.parametrize("spec", ["openai:", "openai:   ", ":gpt-4o"])
def test_spec_with_empty_part(spec: str) -> None:
    with pytest.raises(UserError, match="empty"):
        parse_model_spec(spec)


def test_unknown_provider_lists_registered_ones(registry: Registry) -> None:
    with pytest.raises(UserError, match="unknown model provider 'opnai'") as info:
        parse_model_spec("opnai:gpt-4o", registry=registry)
    hint = info.value.hint or ""
    assert "did you mean 'openai:gpt-4o'" in hint
    for provider in ("anthropic", "openai", "openai-compatible", "replay", "scripted"):
        assert provider in hint
    assert "scripted:echo" in hint
    assert "agentcore demo" in hint


def test_unknown_provider_is_fine_without_a_registry() -> None:
    assert parse_model_spec("someplugin:model").provider == "someplugin"


def test_choose_model_precedence() -> None:
    keys = {"OPENAI_API_KEY": "sk-x", "ANTHROPIC_API_KEY": "sk-ant"}
    configured = Settings(model="anthropic:claude-haiku-4-5")
    assert choose_model("scripted:echo", configured, keys) == "scripted:echo"
    assert choose_model(None, configured, keys) == "anthropic:claude-haiku-4-5"
    assert choose_model(None, Settings(), keys) == DEFAULT_OPENAI_MODEL
    assert choose_model(None, Settings(), {"ANTHROPIC_API_KEY": "sk-ant"}) == (
        DEFAULT_ANTHROPIC_MODEL
    )
    # Empty values count as unset.
    assert choose_model("", Settings(), {"OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": "k"}) == (
        DEFAULT_ANTHROPIC_MODEL
    )


def test_choose_model_without_anything_explains_the_options() -> None:
    with pytest.raises(UserError, match="no model configured") as info:
        choose_model(None, Settings(), {})
    hint = info.value.hint or ""
    for option in ("openai:", "anthropic:", "openai-compatible:MODEL@URL", "scripted:echo"):
        assert option in hint
    assert "agentcore demo" in hint


@pytest.mark.parametrize(
    ("spec", "var"),
    [
        ("openai:gpt-4o-mini", "OPENAI_API_KEY"),
        ("anthropic:claude-sonnet-4-6", "ANTHROPIC_API_KEY"),
    ],
)
def test_missing_key_names_the_variable(
    spec: str, var: str, settings: Settings, registry: Registry
) -> None:
    with pytest.raises(MissingKeyError) as info:
        ModelClient.from_specs(spec, settings=settings, registry=registry)
    assert info.value.env_var == var
    assert var in str(info.value)


def test_missing_key_of_a_fallback_is_reported_early(
    settings: Settings, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    with pytest.raises(MissingKeyError, match="ANTHROPIC_API_KEY"):
        ModelClient.from_specs(
            "openai:gpt-4o-mini",
            fallbacks=["anthropic:claude-haiku-4-5"],
            settings=settings,
            registry=registry,
        )


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("openai-compatible:llama3.1", "missing '@BASE_URL'"),
        ("openai-compatible:llama3.1@localhost:11434", "must start with http"),
    ],
)
def test_openai_compatible_needs_a_base_url(
    spec: str, problem: str, settings: Settings, registry: Registry
) -> None:
    with pytest.raises(UserError, match=problem) as info:
        ModelClient.from_specs(spec, settings=settings, registry=registry)
    assert "openai-compatible:llama3.1@http://localhost:11434/v1" in (info.value.hint or "")


def test_client_specs_and_deduplicated_fallbacks(
    settings: Settings, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    client = ModelClient.from_specs(
        "openai:gpt-4o-mini",
        fallbacks=["openai:gpt-4.1-mini", "openai:gpt-4o-mini"],
        settings=settings,
        registry=registry,
    )
    assert client.spec == "openai:gpt-4o-mini"
    assert client.specs == ("openai:gpt-4o-mini", "openai:gpt-4.1-mini")


def test_openai_factory_configures_the_sdk(
    settings: Settings, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    model = registry.models["openai"]("gpt-4o-mini", settings)
    assert model.max_retries == 0
    assert model.stream_usage is True
    assert model.request_timeout == settings.retries.request_timeout_s
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")
    claude = registry.models["anthropic"]("claude-haiku-4-5", settings)
    assert claude.max_retries == 0
    assert claude.default_request_timeout == settings.retries.request_timeout_s


def test_loading_providers_imports_no_sdk() -> None:
    code = (
        "import sys, agentcore.models, agentcore.models._builtin\n"
        "heavy = [m for m in ('openai', 'anthropic', 'langchain_openai', 'langchain_anthropic',"
        " 'langgraph', 'agentcore.testing', 'tenacity') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"

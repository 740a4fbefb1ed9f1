from __future__ import annotations

from collections.abc import Iterator

import pytest
from provider_wire import FakeProvider, serving

from agentcore.config import RetrySettings, Settings
from agentcore.models import Sleep
from agentcore.plugins import Registry, load_registry
from agentcore.testing import PROVIDER_ENV


@pytest.fixture(autouse=True)
def _clean_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in PROVIDER_ENV:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def server() -> Iterator[FakeProvider]:
    with serving() as provider:
        yield provider


@pytest.fixture
def settings() -> Settings:
    return Settings(retries=RetrySettings(max_attempts=3, max_wait_s=30.0, request_timeout_s=10.0))


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def fake_sleep(sleeps: list[float]) -> Sleep:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return sleep


@pytest.fixture
def openai_env(server: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
    return server


@pytest.fixture
def anthropic_env(server: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    return server

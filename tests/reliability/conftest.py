"""Fault-injection fixtures: a team with fault-prone tools, a fake clock for retries, and a
ledger of faults injected and runs survived (``fault_table.py`` turns it into the README table).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel

from agentcore import Team
from agentcore.config import load_settings
from agentcore.models import ModelClient
from agentcore.plugins import Registry, hookimpl, load_registry
from agentcore.result import RunResult
from agentcore.testing import PROVIDER_ENV, FaultyHTTPServer
from agentcore.tools import tool

LEDGER_ENV = "AGENTCORE_FAULT_LEDGER"
"""When set, every fault test appends one JSON line per run to this file."""
# Read now: the agentcore pytest plugin clears AGENTCORE_* variables for each test.
_LEDGER_PATH = os.environ.get(LEDGER_ENV)


@tool()
def add(a: int, b: int) -> str:
    """Add two whole numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return str(a + b)


@tool()
def explode(reason: str) -> str:
    """Raise an exception (a tool with a bug).

    Args:
        reason: The message.
    """
    raise RuntimeError(reason)


@tool(timeout_s=0.2)
async def hang() -> str:
    """Never returns in time (an async tool that hangs)."""
    await asyncio.sleep(30)
    return "late"


@tool(timeout_s=0.2)
def hang_sync() -> str:
    """Never returns in time (a blocking tool that hangs)."""
    time.sleep(1.0)
    return "late"


class _Tools:
    @hookimpl
    def register_tools(self, register: Callable[[Any], None]) -> None:
        for t in (add, explode, hang, hang_sync):
            register(t)


class _Models:
    def __init__(self, models: dict[str, BaseChatModel]) -> None:
        self.models = models

    @hookimpl
    def register_models(self, register: Callable[[str, Any], None]) -> None:
        register("test", lambda name, settings: self.models[name])


TESTER = """---
name: tester
description: Calls the tools under test.
tools: [add, explode, hang, hang_sync, think]
---
You are tester. Do your step and reply with a short summary.
"""


@pytest.fixture(autouse=True)
def _clean_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in PROVIDER_ENV:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait a ModelClient asked for between retries; nobody really waits."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    original = ModelClient.from_specs.__func__  # type: ignore[attr-defined]

    def from_specs(cls: type[ModelClient], /, spec: str, **kwargs: Any) -> ModelClient:
        kwargs["sleep"] = sleep
        result: ModelClient = original(cls, spec, **kwargs)
        return result

    monkeypatch.setattr(ModelClient, "from_specs", classmethod(from_specs))
    return waits


@pytest.fixture
def make_team(tmp_data_dir: Path, tmp_path: Path, sleeps: list[float]) -> Callable[..., Team]:
    """A Team with the ``tester`` agent; ``model`` is a chat model (served as ``test:main``)
    or omitted for a real provider spec passed to ``arun``."""

    def make(model: BaseChatModel | None = None, **settings: Any) -> Team:
        extra: list[tuple[str, object]] = [("fault-tools", _Tools())]
        if model is not None:
            extra.append(("fault-models", _Models({"main": model})))
        registry: Registry = load_registry(extra=extra)
        agent_dir = tmp_path / "agents"
        agent_dir.mkdir(exist_ok=True)
        (agent_dir / "tester.md").write_text(TESTER)
        cfg: dict[str, Any] = {"agent_dirs": [str(agent_dir)], **settings}
        if model is not None:
            cfg["model"] = "test:main"
        return Team.load(settings=load_settings(cfg), registry=registry)

    return make


@pytest.fixture
def server() -> Iterator[FaultyHTTPServer]:
    with FaultyHTTPServer() as running:
        yield running


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """One run with faults injected: what was injected and whether the run survived."""

    fault: str
    layer: str
    handling: str
    injected: int
    survived: bool
    status: str
    test: str


class Ledger:
    """Records each run's outcome (to ``$AGENTCORE_FAULT_LEDGER`` when set)."""

    def __init__(self, test: str) -> None:
        self.test = test
        self.outcomes: list[Outcome] = []

    def record(
        self,
        result: RunResult,
        *,
        fault: str,
        layer: str,
        handling: str,
        injected: int,
        statuses: tuple[str, ...] = ("completed",),
    ) -> bool:
        """Record a run; it survived when it ended in one of ``statuses`` with an answer and
        every step it started has a result. Returns whether it survived."""
        survived = (
            injected > 0
            and result.status in statuses
            and bool(result.answer.strip())
            and all(s.summary.strip() for s in result.steps if s.status != "pending")
        )
        outcome = Outcome(
            fault=fault,
            layer=layer,
            handling=handling,
            injected=injected,
            survived=survived,
            status=result.status,
            test=self.test,
        )
        self.outcomes.append(outcome)
        if _LEDGER_PATH:
            with open(_LEDGER_PATH, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(asdict(outcome)) + "\n")
        return survived


@pytest.fixture
def ledger(request: pytest.FixtureRequest) -> Ledger:
    return Ledger(request.node.nodeid)


def types_of(result: RunResult) -> list[str]:
    """The run's trace record types, in order."""
    return [str(r["type"]) for r in result.trace]


def records(result: RunResult, kind: str) -> list[dict[str, Any]]:
    """The run's trace records of one type."""
    return [r for r in result.trace if r["type"] == kind]

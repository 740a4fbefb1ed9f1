from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel

from agentcore import Team
from agentcore.config import load_settings
from agentcore.plugins import hookimpl, load_registry
from agentcore.tools import ToolContext, tool


class ModelProvider:
    """Registers provider ``test`` so that ``test:NAME`` resolves to a given model object."""

    def __init__(self, models: dict[str, BaseChatModel]) -> None:
        self.models = models

    @hookimpl
    def register_models(self, register: Callable[[str, Any], None]) -> None:
        register("test", lambda name, settings: self.models[name])


@tool(risk="writes")
def record(ctx: ToolContext, item: str) -> str:
    """Append an item to the workspace's ledger (a side effect tests can count).

    Args:
        item: What to record.
    """
    with ctx.resolve("ledger.txt").open("a") as fh:
        fh.write(item + "\n")
    return f"recorded {item}"


@tool(timeout_s=0.2)
async def hang() -> str:
    """Never returns in time."""
    import asyncio

    await asyncio.sleep(30)
    return "late"


@tool()
def explode(reason: str) -> str:
    """Raise an exception.

    Args:
        reason: The message.
    """
    raise RuntimeError(reason)


class ExtraTools:
    @hookimpl
    def register_tools(self, register: Callable[[Any], None]) -> None:
        for t in (record, hang, explode):
            register(t)


AGENT_MD = """---
name: {name}
description: {desc}
tools: [{tools}]
---
You are {name}. Do your step and reply with a short summary.
"""


@pytest.fixture
def make_team(tmp_data_dir: Path, tmp_path: Path) -> Callable[..., Team]:
    """Build a Team whose ``test:main`` model is the given chat model."""

    def make(
        model: BaseChatModel, *, settings: dict[str, Any] | None = None, extra_agents: bool = True
    ) -> Team:
        models = {"main": model}
        registry = load_registry(
            extra=[("test-models", ModelProvider(models)), ("test-tools", ExtraTools())]
        )
        agent_dir = tmp_path / "agents"
        agent_dir.mkdir(exist_ok=True)
        if extra_agents:
            (agent_dir / "tester.md").write_text(
                AGENT_MD.format(
                    name="tester",
                    desc="Tests tool behaviour.",
                    tools="record, hang, explode, think",
                )
            )
        cfg = {"model": "test:main", "agent_dirs": [str(agent_dir)], **(settings or {})}
        return Team.load(settings=load_settings(cfg), registry=registry)

    return make


def plan(*steps: tuple[str, str, list[str]]) -> dict[str, Any]:
    """A scripted planner turn: submit_plan with (id, agent, depends_on) steps."""
    return {
        "tool_calls": [
            {
                "name": "submit_plan",
                "args": {
                    "steps": [
                        {"id": i, "agent": a, "instruction": f"do {i}", "depends_on": d}
                        for i, a, d in steps
                    ]
                },
            }
        ]
    }


def call(name: str, **args: Any) -> dict[str, Any]:
    return {"tool_calls": [{"name": name, "args": args}]}


def say(text: str) -> dict[str, Any]:
    return {"content": text}

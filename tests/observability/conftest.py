"""A team with a tool that logs, two steps that call it, and a scripted model."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agentcore import Team
from agentcore.config import load_settings
from agentcore.plugins import hookimpl, load_registry
from agentcore.tools import tool


@tool()
def noisy(word: str) -> str:
    """Log a line through the standard library and one through structlog, then echo.

    Args:
        word: What to echo.
    """
    import structlog

    logging.getLogger("tests.noisy").warning("stdlib line from the tool %s", word)
    structlog.get_logger("tests.noisy").warning("structlog line from the tool", word=word)
    return f"echo {word}"


class NoisyTools:
    @hookimpl
    def register_tools(self, register: Callable[[Any], None]) -> None:
        register(noisy)


AGENT = """---
name: talker
description: Calls the noisy tool.
tools: [noisy, think]
---
You are talker. Call noisy, then reply.
"""

SCRIPT: dict[str, Any] = {
    "agents": {
        "planner": [
            {
                "tool_calls": [
                    {
                        "name": "submit_plan",
                        "args": {
                            "steps": [
                                {"id": "s1", "agent": "talker", "instruction": "say a"},
                                {
                                    "id": "s2",
                                    "agent": "talker",
                                    "instruction": "say b",
                                    "depends_on": ["s1"],
                                },
                            ]
                        },
                    }
                ]
            }
        ],
        "talker": [
            {"tool_calls": [{"name": "noisy", "args": {"word": "hello"}}]},
            "said it",
            {"tool_calls": [{"name": "noisy", "args": {"word": "hello"}}]},
            "said it",
        ],
        "synthesis": ["both said it"],
    },
    "repeat_last": True,
}


@pytest.fixture
def make_team(tmp_data_dir: Path, tmp_path: Path) -> Callable[..., Team]:
    """A team with the ``talker`` agent; ``settings`` are added to the configuration."""

    def make(**settings: Any) -> Team:
        agents = tmp_path / "agents"
        agents.mkdir(exist_ok=True)
        (agents / "talker.md").write_text(AGENT)
        cfg = {"agent_dirs": [str(agents)], **settings}
        registry = load_registry(extra=[("noisy-tools", NoisyTools())])
        return Team.load(settings=load_settings(cfg), registry=registry)

    return make


@pytest.fixture
def model(tmp_path: Path) -> str:
    """``scripted:FILE`` for :data:`SCRIPT` (JSON is YAML)."""
    path = tmp_path / "talk.yaml"
    path.write_text(json.dumps(SCRIPT))
    return f"scripted:{path}"

"""Fixtures for the chat tests: a hermetic home for the REPL, and a plugin model that mirrors."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from chat_term import ChatTerm, SpawnChat, chat_env, spawn_chat

from agentcore import Team
from agentcore.config import load_settings
from agentcore.plugins import hookimpl, load_registry

MIRROR_MODULE = '''
"""A test plugin with two stateless model providers (so a resumed run behaves the same):

* ``mirror`` answers with what the planner was told before the task (earlier turns);
* ``writer`` plans one coder step that writes ``first.txt``, then reports and answers.
"""

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agentcore.plugins import hookimpl
from agentcore.testing import FunctionChatModel, find_task


def _reply(messages, info):
    human = next((m for m in messages if isinstance(m, HumanMessage)), None)
    text = human.text if human is not None else ""
    before = " ".join(text.split("Task:", 1)[0].split()) if "Task:" in text else ""
    answer = f"[{find_task(messages)}] earlier: {before[:600] or 'none'}"
    if "final_answer" in info.tools and info.tool_choice != "none":
        call = {"name": "final_answer", "args": {"answer": answer}, "id": f"c{info.call_index}"}
        return AIMessage(content="", tool_calls=[call])
    return answer


def _call(name, args, info):
    call = {"name": name, "args": args, "id": f"{info.agent}{info.call_index}"}
    return AIMessage(content="", tool_calls=[call])


def _writer(messages, info):
    if info.agent == "planner":
        step = {"id": "s1", "agent": "coder", "instruction": "Write first.txt."}
        return _call("submit_plan", {"steps": [step]}, info)
    if info.agent == "coder":
        if any(isinstance(m, ToolMessage) for m in messages):
            return "Wrote first.txt (or was not allowed to)."
        return _call("write_file", {"path": "first.txt", "content": "one"}, info)
    return f"Done: {find_task(messages)}"


@hookimpl
def register_models(register):
    register("mirror", lambda name, settings: FunctionChatModel(_reply, script_name="mirror"))
    register("writer", lambda name, settings: FunctionChatModel(_writer, script_name="writer"))
'''


@pytest.fixture(scope="session")
def mirror_plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder that, on PYTHONPATH, installs the ``mirror`` plugin the way a real one is:
    a module plus a distribution with an entry point in group ``agentcore``."""
    root = tmp_path_factory.mktemp("mirror-plugin")
    (root / "chat_mirror_plugin.py").write_text(textwrap.dedent(MIRROR_MODULE), encoding="utf-8")
    dist = root / "chat_mirror_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: chat-mirror-plugin\nVersion: 0.1\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        "[agentcore]\nchat-mirror = chat_mirror_plugin\n", encoding="utf-8"
    )
    return root


@pytest.fixture
def plugin_env(mirror_plugin_path: Path) -> dict[str, str]:
    """The environment that makes the test plugin's models available to the chat."""
    parts = [str(mirror_plugin_path), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(p for p in parts if p)}


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    """The chat's working directory (no agentcore.toml unless a test writes one)."""
    work = tmp_path / "work"
    work.mkdir()
    return work


@pytest.fixture
def chat(tmp_data_dir: Path, work_dir: Path) -> Iterator[SpawnChat]:
    """Start ``agentcore chat ARGS...`` in a pty; every started chat is killed at the end."""
    started: list[ChatTerm] = []

    def start(*args: str, env: dict[str, str] | None = None) -> ChatTerm:
        term = spawn_chat(args, cwd=work_dir, env=chat_env(tmp_data_dir, env))
        started.append(term)
        return term

    yield start
    for term in started:
        term.close()


# --- in-process teams ----------------------------------------------------------------


class Models:
    """Registers provider ``test`` so that ``test:NAME`` resolves to a given model object."""

    def __init__(self, models: dict[str, Any]) -> None:
        self.models = models

    @hookimpl
    def register_models(self, register: Callable[[str, Any], None]) -> None:
        register("test", lambda name, settings: self.models[name])


@pytest.fixture
def make_team(tmp_data_dir: Path) -> Callable[..., Team]:
    """A team whose ``test:NAME`` models are the given chat models, in a fresh data dir."""

    def make(settings: dict[str, Any] | None = None, **models: Any) -> Team:
        registry = load_registry(extra=[("chat-test-models", Models(models))])
        return Team.load(settings=load_settings(settings or {}), registry=registry)

    return make


@pytest.fixture
def team(make_team: Callable[..., Team]) -> Team:
    return make_team()

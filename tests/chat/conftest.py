"""Fixtures for the chat tests: a hermetic home for the REPL, and a plugin model that mirrors."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from chat_term import ChatTerm, chat_env, spawn_chat

SCRIPTS = Path(__file__).parent / "scripts"

MIRROR_MODULE = '''
"""A test plugin: model provider ``mirror``, which answers with what the planner was told."""

from langchain_core.messages import AIMessage, HumanMessage

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


@hookimpl
def register_models(register):
    register("mirror", lambda name, settings: FunctionChatModel(_reply, script_name="mirror"))
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
def work_dir(tmp_path: Path) -> Path:
    """The chat's working directory (no agentcore.toml unless a test writes one)."""
    work = tmp_path / "work"
    work.mkdir()
    return work


SpawnChat = Callable[..., ChatTerm]


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

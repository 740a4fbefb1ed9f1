"""MCP tools in a team: frontmatter names, a scripted run end to end, failures, bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from mcp_servers import broken_server, stdio_server

from agentcore import Team
from agentcore.config import load_settings
from agentcore.errors import PluginError, SpecError
from agentcore.injection import unmark
from agentcore.plugins import hookimpl, load_registry
from agentcore.testing import CallInfo, FunctionChatModel
from agentcore.tools import tool
from tests.graph.conftest import ModelProvider

AGENT = """---
name: docs_reader
description: Answers questions from the deployment guide
tools: [{tools}]
---
You answer from the deployment guide. Cite what the tool returned.
"""


def _agents(tmp_path: Path, tools: str) -> Path:
    folder = tmp_path / "agents"
    folder.mkdir(exist_ok=True)
    (folder / "docs_reader.md").write_text(AGENT.format(tools=tools))
    return folder


def _team(
    tmp_path: Path,
    tools: str,
    servers: list[dict[str, Any]],
    respond: Callable[[list[BaseMessage], CallInfo], AIMessage] | None = None,
    extra: list[tuple[str, object]] | None = None,
) -> Team:
    models = ModelProvider({"main": FunctionChatModel(respond or _respond)})
    registry = load_registry(extra=[("test-models", models), *(extra or [])])
    settings = load_settings(
        {
            "model": "test:main",
            "agent_dirs": [str(_agents(tmp_path, tools))],
            "mcp": {"servers": servers},
        }
    )
    return Team.load(settings=settings, registry=registry)


def _plan() -> AIMessage:
    step = {
        "id": "s1",
        "agent": "docs_reader",
        "instruction": "How do I roll back a release?",
        "depends_on": [],
    }
    return AIMessage(
        content="", tool_calls=[{"name": "submit_plan", "id": "p", "args": {"steps": [step]}}]
    )


def _respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
    if info.agent == "planner":
        return _plan()
    if info.agent == "docs_reader":
        if info.call_index == 0:
            assert "docs__search" in info.tools  # the provider-safe name
            call = {"name": "docs__search", "id": "c1", "args": {"query": "rollback"}}
            return AIMessage(content="", tool_calls=[call])
        found = next(m for m in messages if isinstance(m, ToolMessage))
        return AIMessage(content=f"The guide says: {found.content}")
    prompt = str(messages[-1].content)  # synthesis keeps the agent's result
    start = prompt.index("The guide says:")
    return AIMessage(content=prompt[start : prompt.index(")", start) + 1])


def test_an_agent_calls_an_mcp_tool_and_the_result_reaches_the_answer(
    tmp_data_dir: Path, tmp_path: Path
) -> None:
    team = _team(tmp_path, "think, docs/search", [stdio_server(risk="read_only")])
    assert team.agents["docs_reader"].tools == ("think", "docs__search")
    assert team.registry.owners["tools"]["docs__search"] == "mcp:docs"
    result = team.run("How do I roll back a release?")
    assert result.status == "completed", result.error
    assert "deploy rollback --to TAG" in result.answer
    outputs = [t for t in result.trace if t["type"] == "tool_result"]
    assert outputs[0]["tool"] == "docs__search" and not outputs[0]["is_error"]


def test_a_wildcard_gives_every_allowed_tool(tmp_data_dir: Path, tmp_path: Path) -> None:
    team = _team(tmp_path, "docs/*", [stdio_server(tools=["search", "pid"])])
    assert team.agents["docs_reader"].tools == ("docs__search", "docs__pid")


def test_a_server_that_fails_to_start_gives_the_agent_a_tool_error(
    tmp_data_dir: Path, tmp_path: Path
) -> None:
    seen: list[str] = []

    def respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        if info.agent == "planner":
            return _plan()
        if info.agent == "docs_reader":
            if info.call_index == 0:
                calls = [
                    {"name": "broken__search", "id": "c1", "args": {"query": "rollback"}},
                    {"name": "think", "id": "c2", "args": {"thought": "still here"}},
                ]
                return AIMessage(content="", tool_calls=calls)
            seen.extend(unmark(str(m.content)) for m in messages if isinstance(m, ToolMessage))
            return AIMessage(content="The guide is unavailable.")
        return AIMessage(content="The guide is unavailable right now.")

    team = _team(tmp_path, "think, broken/search", [broken_server(risk="read_only")], respond)
    assert "currently unavailable" in team.registry.tools["broken__search"].description
    result = team.run("How do I roll back a release?")
    assert result.status == "completed", result.error
    assert seen[0].startswith("Error: MCP server 'broken' failed to start")
    assert "cannot start: DOCS_INDEX is not set" in seen[0]
    assert seen[1] == "Thought recorded. Continue with your next action."  # others still work


def test_a_crash_during_a_run_is_a_tool_error_and_the_run_goes_on(
    tmp_data_dir: Path, tmp_path: Path
) -> None:
    seen: list[str] = []

    def respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        if info.agent == "planner":
            return _plan()
        if info.agent == "docs_reader":
            if info.call_index == 0:
                return AIMessage(
                    content="", tool_calls=[{"name": "docs__crash", "id": "c1", "args": {}}]
                )
            if info.call_index == 1:
                call = {"name": "docs__search", "id": "c2", "args": {"query": "rollback"}}
                return AIMessage(content="", tool_calls=[call])
            seen.extend(unmark(str(m.content)) for m in messages if isinstance(m, ToolMessage))
            return AIMessage(content="done")
        return AIMessage(content="done")

    team = _team(tmp_path, "docs/*", [stdio_server(risk="read_only")], respond)
    result = team.run("How do I roll back a release?")
    assert result.status == "completed", result.error
    assert "closed the connection during the call to docs/crash" in seen[0]
    assert "deploy rollback" in seen[1]  # started again for the next call


def test_risk_from_config_feeds_the_approval_policy(tmp_data_dir: Path, tmp_path: Path) -> None:
    asked: list[str] = []

    def approve(request: Any) -> str:
        asked.append(f"{request.tool} {request.risk}: {request.reason}")
        return "deny"

    team = _team(tmp_path, "docs/search", [stdio_server()])  # risk defaults to network
    result = team.run("How do I roll back a release?", approve=approve)
    assert asked == ["docs__search network: docs__search reaches the network"]
    assert result.status == "completed"
    team = _team(tmp_path, "docs/search", [stdio_server()])
    never = {"approvals": {"tools": {"docs/search": "never"}}}
    assert load_settings(never).approvals.tools == {"docs__search": "never"}


def test_an_unknown_mcp_tool_names_the_file_and_line(tmp_data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(SpecError) as err:
        _team(tmp_path, "think, docs/serch", [stdio_server()])
    text = str(err.value)
    assert "docs_reader.md:4" in text and "unknown tool 'docs/serch'" in text
    assert "did you mean 'docs/search'" in text


def test_an_undeclared_server_says_how_to_declare_it(tmp_data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"declare it under \[\[mcp.servers\]\]"):
        _team(tmp_path, "wiki/search", [stdio_server()])


@tool()
def docs__search(query: str) -> str:
    """A plugin tool whose name is what the model would see for docs/search.

    Args:
        query: Anything.
    """
    return query


class ClashingPlugin:
    @hookimpl
    def register_tools(self, register: Callable[[Any], None]) -> None:
        register(docs__search)


def test_a_name_clash_with_a_plugin_tool_names_both(tmp_data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(PluginError) as err:
        _team(tmp_path, "docs/search", [stdio_server()], extra=[("clash", ClashingPlugin())])
    assert str(err.value).startswith(
        "tool name 'docs__search' is registered by both plugin 'clash' and MCP server 'docs'"
    )


def test_the_run_closes_its_connections_at_the_end(tmp_data_dir: Path, tmp_path: Path) -> None:
    pids: list[int] = []

    def respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        if info.agent == "planner":
            return _plan()
        if info.agent == "docs_reader" and info.call_index < 2:
            call = {"name": "docs__pid", "id": f"c{info.call_index}", "args": {}}
            return AIMessage(content="", tool_calls=[call])
        pids.extend(int(unmark(str(m.content))) for m in messages if isinstance(m, ToolMessage))
        return AIMessage(content="done")

    team = _team(tmp_path, "docs/pid", [stdio_server(risk="read_only")], respond)
    assert team.run("Which process?").status == "completed"
    assert len(set(pids)) == 1  # both calls used one connection
    assert not Path(f"/proc/{pids[0]}").exists() or _zombie(pids[0])


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True

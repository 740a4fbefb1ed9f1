"""The plugin registry, through the real installed distributions (agentcore-files and the
example plugin under tests/fixtures/example_plugin) and in-process plugins."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint
from typing import Any

import pytest
from agentcore_example.plugin import EchoUpperChatModel

from agentcore.errors import PluginError, UserError
from agentcore.plugins import ALLOWLIST_ENV, _registry, hookimpl, load_registry
from agentcore.tools import tool

FILE_TOOLS = {"list_files", "read_file", "write_file", "search_files"}


@pytest.fixture(autouse=True)
def _no_allowlist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOWLIST_ENV, raising=False)


def make_tool(name: str) -> Any:
    @tool(name=name)
    def _fn(x: int) -> int:
        """Return x."""
        return x

    return _fn


class ToolPlugin:
    """An in-process plugin registering the given tools."""

    def __init__(self, *names: str) -> None:
        self.tools = [make_tool(n) for n in names]

    @hookimpl
    def register_tools(self, register: Callable[[Any], None]) -> None:
        for t in self.tools:
            register(t)


class ModelPlugin:
    """An in-process plugin registering model providers by name."""

    def __init__(self, *names: str) -> None:
        self.names = names

    @hookimpl
    def register_models(self, register: Callable[[str, Any], None]) -> None:
        for n in self.names:
            register(n, lambda name, settings: None)


def names(registry: _registry.Registry) -> list[str]:
    return [p.name for p in registry.plugins]


# --- discovery through real entry points --------------------------------------------------


def test_installed_plugins_are_discovered_through_entry_points() -> None:
    registry = load_registry()

    by_name = {p.name: p for p in registry.plugins}
    assert by_name["example"].distribution == "agentcore-example-plugin"
    assert by_name["example"].version == "0.0.1"
    assert by_name["files"].distribution == "agentcore-files"
    assert not by_name["example"].builtin and by_name["builtin:tools"].builtin
    assert all(p.error is None for p in registry.plugins)

    assert registry.owners["tools"]["shout"] == "example"
    assert registry.owners["tools"]["think"] == "builtin:tools"
    for name in FILE_TOOLS:
        assert registry.owners["tools"][name] == "files"
    assert registry.owners["models"]["echo-upper"] == "example"


def test_builtins_come_first_then_entry_points_then_extras() -> None:
    registry = load_registry(extra=[("mine", ToolPlugin("mine_tool"))])

    assert names(registry) == [
        "builtin:models",
        "builtin:tools",
        "builtin:sandboxes",
        "builtin:embedders",
        "builtin:scorers",
        "code",
        "e2b",
        "example",
        "files",
        "ml",
        "rag",
        "search",
        "sql",
        "mine",
    ]
    tools = list(registry.tools)
    assert tools[0] == "think"
    assert tools.index("shout") < tools.index("list_files") < tools.index("mine_tool")


async def test_example_plugin_tool_and_model_provider_work() -> None:
    registry = load_registry()

    assert await registry.get("tools", "shout").ainvoke({"text": "hey"}) == "HEY!"
    model = registry.get("models", "echo-upper")("loud", None)
    assert isinstance(model, EchoUpperChatModel)
    assert (await model.ainvoke("quiet please")).content == "QUIET PLEASE"


async def test_third_party_provider_is_reachable_through_a_model_spec() -> None:
    from langchain_core.messages import HumanMessage

    from agentcore.config import Settings
    from agentcore.models import ModelClient

    client = ModelClient.from_specs(
        "echo-upper:loud", settings=Settings(), registry=load_registry()
    )
    reply = await client.ainvoke([HumanMessage("hello from a plugin")])
    assert reply.message.content == "HELLO FROM A PLUGIN"
    assert reply.model == "echo-upper:loud"


def test_get_unknown_name_lists_what_exists() -> None:
    registry = load_registry()

    with pytest.raises(UserError, match="unknown tool 'nope'") as info:
        registry.get("tools", "nope")
    assert "shout" in str(info.value) and "think" in str(info.value)


# --- AGENTCORE_PLUGINS allowlist ---------------------------------------------------------


def test_allowlist_loads_only_the_named_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOWLIST_ENV, "files")
    registry = load_registry()

    assert names(registry) == [
        "builtin:models",
        "builtin:tools",
        "builtin:sandboxes",
        "builtin:embedders",
        "builtin:scorers",
        "files",
    ]
    assert "shout" not in registry.tools
    assert "echo-upper" not in registry.models
    assert set(registry.tools) >= FILE_TOOLS


def test_allowlist_is_comma_separated_and_forgiving_about_spaces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ALLOWLIST_ENV, " example , files ,")
    assert {"example", "files"} <= set(names(load_registry()))


@pytest.mark.parametrize("value", ["", " ", ","])
def test_empty_allowlist_loads_builtins_only(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(ALLOWLIST_ENV, value)
    registry = load_registry()

    assert names(registry) == [
        "builtin:models",
        "builtin:tools",
        "builtin:sandboxes",
        "builtin:embedders",
        "builtin:scorers",
    ]
    assert list(registry.tools) == ["think", "remember", "recall"]
    assert "openai" in registry.models


def test_unset_allowlist_loads_everything() -> None:
    assert {"example", "files"} <= set(names(load_registry()))


def test_allowlist_does_not_filter_in_process_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOWLIST_ENV, "")
    registry = load_registry(extra=[("mine", ToolPlugin("mine_tool"))])
    assert "mine_tool" in registry.tools


# --- name clashes ------------------------------------------------------------------------


def test_duplicate_tool_name_names_both_plugins() -> None:
    with pytest.raises(PluginError) as info:
        load_registry(extra=[("alpha", ToolPlugin("dup")), ("beta", ToolPlugin("dup"))])
    message = str(info.value)
    assert "tool name 'dup'" in message
    assert "'alpha'" in message and "'beta'" in message
    assert ALLOWLIST_ENV in message  # the hint says how to get out of it


def test_duplicate_model_provider_names_both_plugins() -> None:
    with pytest.raises(PluginError) as info:
        load_registry(extra=[("alpha", ModelPlugin("dup")), ("beta", ModelPlugin("dup"))])
    assert "model provider name 'dup'" in str(info.value)
    assert "'alpha'" in str(info.value) and "'beta'" in str(info.value)


def test_clash_with_an_installed_plugin_names_it_first() -> None:
    with pytest.raises(PluginError, match="both plugin 'example' and plugin 'mine'"):
        load_registry(extra=[("mine", ModelPlugin("echo-upper"))])


def test_clash_with_a_builtin_names_the_builtin() -> None:
    with pytest.raises(PluginError, match="both plugin 'builtin:tools' and plugin 'mine'"):
        load_registry(extra=[("mine", ToolPlugin("think"))])


def test_clash_is_a_user_error() -> None:
    # The CLI prints UserErrors on one line and exits 2, with no traceback.
    with pytest.raises(UserError):
        load_registry(extra=[("a", ToolPlugin("dup")), ("b", ToolPlugin("dup"))])


# --- broken plugins ----------------------------------------------------------------------


def test_plugin_that_fails_to_import_is_reported_and_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = _registry.entry_points
    broken = EntryPoint(name="broken", value="agentcore_no_such_module.plugin", group="agentcore")
    monkeypatch.setattr(_registry, "entry_points", lambda group: [*real(group=group), broken])
    registry = load_registry()

    info = {p.name: p for p in registry.plugins}["broken"]
    assert info.error is not None
    assert info.error.startswith("ModuleNotFoundError:")
    assert "agentcore_no_such_module" in info.error
    assert {"shout", "think", *FILE_TOOLS} <= set(registry.tools)  # the others still load


def test_entry_point_whose_load_raises_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    class Exploding:
        name = "exploding"
        dist = None

        def load(self) -> Any:
            raise RuntimeError("bad plugin module")

    monkeypatch.setattr(_registry, "entry_points", lambda group: [Exploding()])
    registry = load_registry()

    info = {p.name: p for p in registry.plugins}["exploding"]
    assert info.error == "RuntimeError: bad plugin module"
    assert info.distribution == "?"
    assert list(registry.tools) == ["think", "remember", "recall"]


def test_broken_plugin_outside_the_allowlist_is_not_even_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = EntryPoint(name="broken", value="agentcore_no_such_module.plugin", group="agentcore")
    monkeypatch.setattr(_registry, "entry_points", lambda group: [broken])
    monkeypatch.setenv(ALLOWLIST_ENV, "files")
    assert "broken" not in names(load_registry())


class FailingPlugin:
    """Registers one tool, then raises; also has a models hook that must not run."""

    def __init__(self) -> None:
        self.models_called = False

    @hookimpl
    def register_tools(self, register: Callable[[Any], None]) -> None:
        register(make_tool("half_done"))
        raise RuntimeError("boom")

    @hookimpl
    def register_models(self, register: Callable[[str, Any], None]) -> None:
        self.models_called = True
        register("failing-provider", lambda name, settings: None)


def test_plugin_whose_hook_raises_is_reported_and_all_its_names_dropped() -> None:
    failing = FailingPlugin()
    registry = load_registry(extra=[("failing", failing), ("fine", ToolPlugin("fine_tool"))])

    info = {p.name: p for p in registry.plugins}
    assert info["failing"].error == "RuntimeError: boom"
    assert info["fine"].error is None
    assert "half_done" not in registry.tools  # all or nothing
    assert "failing-provider" not in registry.models
    assert not failing.models_called
    assert {"fine_tool", "shout", "think"} <= set(registry.tools)


def test_registering_a_plain_function_as_a_tool_is_reported() -> None:
    class PlainFunction:
        @hookimpl
        def register_tools(self, register: Callable[[Any], None]) -> None:
            def not_a_tool() -> None: ...

            register(not_a_tool)

    registry = load_registry(extra=[("plain", PlainFunction())])
    error = {p.name: p for p in registry.plugins}["plain"].error
    assert error is not None
    assert "expects a langchain-core BaseTool, got function" in error
    assert "@agentcore.tools.tool" in error

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import pluggy
from langchain_core.tools import BaseTool

from agentcore.errors import PluginError, UserError
from agentcore.plugins import _hookspecs

GROUP = "agentcore"
ALLOWLIST_ENV = "AGENTCORE_PLUGINS"
KINDS = ("tools", "models", "sandboxes", "embedders", "scorers", "commands")
_SINGULAR = {
    "tools": "tool",
    "models": "model provider",
    "sandboxes": "sandbox backend",
    "embedders": "embedder",
    "scorers": "scorer",
    "commands": "command",
}

# Built-ins register through the same hooks as third-party plugins.
BUILTIN_MODULES: dict[str, str] = {
    "models": "agentcore.models._builtin",
    "tools": "agentcore.tools._builtin",
    "sandboxes": "agentcore.sandbox._builtin",
    "embedders": "agentcore.memory._builtin",
    "scorers": "agentcore.evals.scorers._builtin",
}


@dataclass(kw_only=True, slots=True, frozen=True)
class PluginInfo:
    """What ``agentcore plugins list`` shows about one plugin."""

    name: str
    distribution: str
    version: str
    builtin: bool
    error: str | None = None


@dataclass(kw_only=True, slots=True)
class Registry:
    """Everything the loaded plugins contributed, by kind and name.

    ``owners[kind][name]`` is the plugin that registered it.
    """

    items: dict[str, dict[str, Any]] = field(default_factory=lambda: {k: {} for k in KINDS})
    owners: dict[str, dict[str, str]] = field(default_factory=lambda: {k: {} for k in KINDS})
    plugins: list[PluginInfo] = field(default_factory=list)

    def add(self, kind: str, name: str, obj: Any, plugin: str) -> None:
        """Add one item; a name already taken by another plugin is a ``PluginError``."""
        if not name or not isinstance(name, str):
            raise PluginError(f"plugin '{plugin}' registered a {_SINGULAR[kind]} with no name")
        if name in self.items[kind]:
            other = self.owners[kind][name]
            raise PluginError(
                f"{_SINGULAR[kind]} name '{name}' is registered by both plugin '{other}' and "
                f"plugin '{plugin}'",
                hint=f"uninstall one of them, or leave one out of {ALLOWLIST_ENV}",
            )
        self.items[kind][name] = obj
        self.owners[kind][name] = plugin

    def discard(self, plugin: str) -> None:
        """Remove everything ``plugin`` registered (used when its hook fails midway)."""
        for kind in KINDS:
            for name in [n for n, p in self.owners[kind].items() if p == plugin]:
                del self.items[kind][name]
                del self.owners[kind][name]

    @property
    def tools(self) -> dict[str, Any]:
        """Tools by name (langchain-core ``BaseTool`` objects)."""
        return self.items["tools"]

    @property
    def models(self) -> dict[str, Any]:
        """Model provider factories by provider name."""
        return self.items["models"]

    def get(self, kind: str, name: str) -> Any:
        """Return one registered item, or raise a ``UserError`` listing what exists."""
        try:
            return self.items[kind][name]
        except KeyError:
            known = ", ".join(sorted(self.items[kind])) or "none"
            raise UserError(
                f"unknown {_SINGULAR[kind]} '{name}'", hint=f"registered {kind}: {known}"
            ) from None


def _allowlist() -> set[str] | None:
    raw = os.environ.get(ALLOWLIST_ENV)
    if raw is None:
        return None
    return {p.strip() for p in raw.split(",") if p.strip()}


def _discover(allow: set[str] | None) -> Iterable[tuple[str, str, str, Callable[[], Any]]]:
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        if allow is not None and ep.name not in allow:
            continue
        dist = ep.dist
        yield (
            ep.name,
            dist.name if dist else "?",
            dist.version if dist else "?",
            ep.load,
        )


def _register_fn(registry: Registry, kind: str, plugin: str) -> Callable[..., None]:
    """The ``register`` callback one plugin's hook receives for one kind."""
    if kind == "tools":

        def register_tool(obj: Any) -> None:
            if not isinstance(obj, BaseTool):
                raise TypeError(
                    f"register_tools expects a langchain-core BaseTool, got "
                    f"{type(obj).__name__}; decorate the function with @agentcore.tools.tool"
                )
            registry.add("tools", obj.name, obj, plugin)

        return register_tool

    def register(name: str, obj: Any) -> None:
        registry.add(kind, name, obj, plugin)

    return register


def load_registry(extra: Iterable[tuple[str, ModuleType | object]] = ()) -> Registry:
    """Load built-ins and entry-point plugins and collect what they register.

    Args:
        extra: Additional ``(name, plugin_object)`` pairs, registered after entry points
            (useful in tests and for programmatic plugins).

    A plugin that fails to import or to register is recorded with its error and skipped;
    a name clash between two plugins raises ``PluginError``.
    """
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(_hookspecs)
    registry = Registry()
    from agentcore import __version__

    for name, module in BUILTIN_MODULES.items():
        pm.register(importlib.import_module(module), name=f"builtin:{name}")
        registry.plugins.append(
            PluginInfo(
                name=f"builtin:{name}",
                distribution="agentcore",
                version=__version__,
                builtin=True,
            )
        )
    for name, dist, version, load in _discover(_allowlist()):
        try:
            pm.register(load(), name=name)
        except Exception as exc:  # a broken plugin must not break the others
            registry.plugins.append(
                PluginInfo(
                    name=name,
                    distribution=dist,
                    version=version,
                    builtin=False,
                    error=f"{type(exc).__name__}: {exc}",
                )
            )
            continue
        registry.plugins.append(
            PluginInfo(name=name, distribution=dist, version=version, builtin=False)
        )
    for name, obj in extra:
        pm.register(obj, name=name)
        registry.plugins.append(
            PluginInfo(name=name, distribution="(in-process)", version="", builtin=False)
        )

    failed: dict[str, str] = {}
    for kind in KINDS:
        caller = getattr(pm.hook, f"register_{kind}")
        # get_hookimpls() is in registration order (built-ins, entry points, extras); pluggy
        # would *call* them last-first. Calling each one here keeps built-ins first and tells
        # us which plugin every name comes from.
        for impl in caller.get_hookimpls():
            plugin = impl.plugin_name
            if plugin in failed:
                continue
            try:
                impl.function(register=_register_fn(registry, kind, plugin))
            except PluginError:
                raise
            except Exception as exc:  # a broken plugin must not break the others
                failed[plugin] = f"{type(exc).__name__}: {exc}"
                registry.discard(plugin)  # all or nothing: drop what it registered so far
    if failed:
        registry.plugins = [
            replace(p, error=failed[p.name]) if p.name in failed else p for p in registry.plugins
        ]
    return registry

from __future__ import annotations

import importlib
import inspect
import os
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from types import FunctionType, MethodType, ModuleType
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


# One discovered entry point: (name, distribution, version, load).
_Found = tuple[str, str, str, Callable[[], Any]]

# Entry-point discovery reads the metadata of every installed distribution (a few ms with a
# few hundred of them), and a process that builds several teams would do it on every
# ``load_registry()``. It is done once per *installed set*, which the key tells apart:
#
# - ``sys.path``, entry by entry, with the modification time of each directory on it:
#   installing or removing a distribution adds or removes its ``*.dist-info`` directory, which
#   changes the time of the directory that holds it (the rule ``importlib.metadata`` itself
#   uses to cache its directory listings);
# - the ``entry_points`` function in use (tests replace it);
# - the working directory, which relative entries of ``sys.path`` (``''``) depend on.
#
# ``AGENTCORE_PLUGINS`` is not part of the key: it is applied to the cached list on every load,
# so a changed value counts at once. Nothing is imported here: entry points load afterwards.
_DISCOVERED: tuple[object, list[_Found]] | None = None
_DISCOVER_LOCK = threading.Lock()


def _installed_key() -> object:
    cwd = os.getcwd()
    stamps: list[tuple[str, int | None]] = []
    for entry in sys.path:
        try:
            stamp: int | None = os.stat(os.path.join(cwd, entry)).st_mtime_ns
        except (OSError, ValueError, TypeError):
            stamp = None
        stamps.append((entry, stamp))
    return (entry_points, cwd, tuple(stamps))


def _entry_points() -> list[_Found]:
    """Every entry point in group ``agentcore``, by name; cached per installed set."""
    global _DISCOVERED
    key = _installed_key()
    cached = _DISCOVERED
    if cached is not None and cached[0] == key:
        return cached[1]
    with _DISCOVER_LOCK:
        found: list[_Found] = []
        for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
            dist = ep.dist
            found.append(
                (ep.name, dist.name if dist else "?", dist.version if dist else "?", ep.load)
            )
        _DISCOVERED = (key, found)
    return found


def clear_discovery_cache() -> None:
    """Forget the entry points found so far: the next ``load_registry()`` looks again."""
    global _DISCOVERED
    _DISCOVERED = None


def _discover(allow: set[str] | None) -> Iterable[_Found]:
    for found in _entry_points():
        if allow is None or found[0] in allow:
            yield found


# What pluggy can take a hook implementation from (see ``pluggy``'s ``_static_hook_attr``).
_HOOKABLE = (FunctionType, MethodType, classmethod, staticmethod)


class _PluginManager(pluggy.PluginManager):
    """pluggy's manager, quicker to register a module with many names.

    ``register`` asks :meth:`parse_hookimpl_opts` about every name in ``dir(plugin)``; for a
    module, a name whose value is no function (a class, a constant, a tool object, another
    module) cannot be a hook implementation, and is skipped without pluggy's static lookup.
    """

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        if inspect.ismodule(plugin):
            value = plugin.__dict__.get(name, _HOOKABLE)
            if value is not _HOOKABLE and not isinstance(value, _HOOKABLE):
                return None
        return super().parse_hookimpl_opts(plugin, name)


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
    pm = _PluginManager(GROUP)
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

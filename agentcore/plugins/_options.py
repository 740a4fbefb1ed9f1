"""Reading a plugin's ``[plugins.NAME]`` settings table: unknown keys refused, results cached."""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from agentcore.errors import ConfigError

T = TypeVar("T")
_CACHE: dict[tuple[str, str, str], Any] = {}
_CACHE_SIZE = 128
_LOCK = threading.Lock()


def plugin_options(
    settings: Mapping[str, Mapping[str, Any]],
    plugin: str,
    cls: type[T],
    read: Callable[[Mapping[str, Any]], T],
) -> T:
    """The plugin's settings as ``cls`` (a dataclass), through ``read``.

    Keys that are not fields of ``cls`` are refused first. A tool reads its settings on every
    call, so a table already read (from the same directory: paths in it may be relative) is
    answered from a small cache.

    Args:
        settings: The plugin settings a tool receives (``ToolContext.settings``).
        plugin: The plugin's name: its table is ``[plugins.<plugin>]``.
        cls: The dataclass the table describes.
        read: Checks the table's values and builds ``cls``; raises ``ConfigError``.

    Raises:
        ConfigError: An unknown key, or whatever ``read`` refuses.
    """
    raw = settings.get(plugin, {})
    key = (plugin, os.getcwd(), repr(raw))
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"[plugins.{plugin}] has unknown setting(s): {', '.join(unknown)}",
            hint=f"known settings: {', '.join(sorted(known))}",
        )
    value = read(raw)
    with _LOCK:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = value
    return value

"""The plugin registry: pluggy hooks, entry points in group ``agentcore``, an allowlist.

A plugin is any importable object (usually a module) with hook implementations::

    from agentcore.plugins import hookimpl

    @hookimpl
    def register_tools(register):
        register(my_tool)

Expose it with an entry point in group ``agentcore``. When ``AGENTCORE_PLUGINS`` is set, only
the entry points it names (comma-separated) load; set but empty, only built-ins load.

Entry points are discovered once per process and installed set: again when ``sys.path`` or a
directory on it changes (a distribution installed or removed), never for a changed
``AGENTCORE_PLUGINS``, which applies to what was found at every load.
"""

from agentcore.plugins._hookspecs import hookimpl, hookspec
from agentcore.plugins._registry import ALLOWLIST_ENV, PluginInfo, Registry, load_registry

__all__ = ["ALLOWLIST_ENV", "PluginInfo", "Registry", "hookimpl", "hookspec", "load_registry"]

"""Sandboxed code execution with E2B's interface.

``Sandbox.create()`` picks the backend from config: ``local`` (bubblewrap namespaces, seccomp,
an unprivileged uid, rlimits; the default), ``e2b`` (the E2B cloud, from the ``agentcore-e2b``
plugin) or ``unsafe-subprocess`` (no isolation; opt-in only). Backends register through the
``register_sandboxes`` plugin hook.
"""

from agentcore.sandbox._base import Commands, Filesystem, Sandbox
from agentcore.sandbox._isolation import Isolation, describe_isolation
from agentcore.sandbox._types import (
    CommandResult,
    Context,
    EntryInfo,
    Execution,
    ExecutionError,
    Logs,
    OutputMessage,
    Result,
)

__all__ = [
    "CommandResult",
    "Commands",
    "Context",
    "EntryInfo",
    "Execution",
    "ExecutionError",
    "Filesystem",
    "Isolation",
    "Logs",
    "OutputMessage",
    "Result",
    "Sandbox",
    "describe_isolation",
]

"""The ``ml`` plugin's hook implementations (entry point ``ml`` in group ``agentcore``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentcore.plugins import hookimpl
from agentcore_ml import TOOLS


@hookimpl
def register_tools(register: Callable[[Any], None]) -> None:
    """Register the ML specialist's tools."""
    for tool in TOOLS:
        register(tool)

"""The ``search`` plugin's hook implementations (entry point ``search`` in group ``agentcore``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentcore.plugins import hookimpl
from agentcore_search import web_search


@hookimpl
def register_tools(register: Callable[[Any], None]) -> None:
    """Register ``web_search``."""
    register(web_search)

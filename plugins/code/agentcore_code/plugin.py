"""The ``code`` plugin's hook implementations (entry point ``code`` in group ``agentcore``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentcore.plugins import hookimpl
from agentcore_code import run_python


@hookimpl
def register_tools(register: Callable[[Any], None]) -> None:
    """Register ``run_python``."""
    register(run_python)

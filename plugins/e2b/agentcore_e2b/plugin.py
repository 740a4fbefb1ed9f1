"""The ``e2b`` plugin's hook implementations (entry point ``e2b`` in group ``agentcore``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentcore.plugins import hookimpl
from agentcore_e2b import E2BSandbox


@hookimpl
def register_sandboxes(register: Callable[[str, Any], None]) -> None:
    """Register the ``e2b`` sandbox backend."""
    register(E2BSandbox.backend_name, E2BSandbox)

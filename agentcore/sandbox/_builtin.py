"""Built-in sandbox backends, registered through the same hook as third-party ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentcore.plugins import hookimpl


@hookimpl
def register_sandboxes(register: Callable[[str, Any], None]) -> None:
    """Register ``local`` (bubblewrap) and ``unsafe-subprocess`` (no isolation)."""
    from agentcore.sandbox._local._backend import LocalSandbox
    from agentcore.sandbox._unsafe import UnsafeSubprocessSandbox

    register("local", LocalSandbox)
    register("unsafe-subprocess", UnsafeSubprocessSandbox)

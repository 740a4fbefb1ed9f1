"""agentcore: a multi-agent agentic AI framework with a plugin tool system.

The public API is imported lazily so that ``import agentcore`` (and ``agentcore --help``) stays
fast and does not pull in langgraph or any provider SDK.
"""

from __future__ import annotations

__version__ = "0.1.0"

# Not `from typing import TYPE_CHECKING`: importing typing costs about as much as a bare
# interpreter start, and this module is on the path of `agentcore --help`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from agentcore.api import Team
    from agentcore.config import Limits, Settings
    from agentcore.events import RunEvent
    from agentcore.result import RunResult

__all__ = ["Limits", "RunEvent", "RunResult", "Settings", "Team", "__version__"]

_LAZY = {
    "Team": "agentcore.api",
    "RunResult": "agentcore.result",
    "RunEvent": "agentcore.events",
    "Limits": "agentcore.config",
    "Settings": "agentcore.config",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agentcore' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)

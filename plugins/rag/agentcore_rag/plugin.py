"""The ``rag`` plugin's hook implementations (entry point ``rag`` in group ``agentcore``).

Importing this module stays cheap: LanceDB, pypdf and BeautifulSoup load only when a
command or the tool runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentcore.plugins import hookimpl
from agentcore_rag._cli import app
from agentcore_rag._tool import rag_search


@hookimpl
def register_tools(register: Callable[[Any], None]) -> None:
    """Register ``rag_search``."""
    register(rag_search)


@hookimpl
def register_commands(register: Callable[[str, Any], None]) -> None:
    """Register ``agentcore rag`` (ingest, search, list, drop)."""
    register("rag", app)

"""The ``files`` plugin's hook implementations (entry point ``files`` in group ``agentcore``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentcore.plugins import hookimpl
from agentcore_files import list_files, read_file, search_files, write_file


@hookimpl
def register_tools(register: Callable[[Any], None]) -> None:
    """Register the workspace file tools."""
    for file_tool in (list_files, read_file, write_file, search_files):
        register(file_tool)

"""The ``sql`` plugin's hook implementations (entry point ``sql`` in group ``agentcore``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentcore.plugins import hookimpl
from agentcore_sql._tools import sql_load, sql_query, sql_schema


@hookimpl
def register_tools(register: Callable[[Any], None]) -> None:
    """Register ``sql_load``, ``sql_schema`` and ``sql_query``."""
    for sql_tool in (sql_load, sql_schema, sql_query):
        register(sql_tool)

"""Calling tools the way the graph does, outside a run: for testing tools and plugins."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from agentcore.tools import ToolContext

Events = list[tuple[str, dict[str, Any]]]

_run_ids = itertools.count(1)


def tool_context_factory(
    *,
    workspace: Path,
    data_dir: Path,
    events: Events,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    agent: str = "coder",
) -> Callable[..., ToolContext]:
    """Return ``make(run_id=None, ws=None) -> ToolContext`` for tool tests.

    Each context records what the tool emits in ``events``; each call without ``run_id`` is a
    new run (``run-1``, ``run-2``, ...), and ``ws`` overrides the workspace.

    Example:
        ```python
        events = []
        make = tool_context_factory(workspace=tmp_path, data_dir=tmp_path / "d", events=events)
        result = await my_tool.ainvoke({"x": 1}, config=config_with_context(make()))
        ```
    """

    def emit(kind: str, data: Mapping[str, Any]) -> None:
        events.append((kind, dict(data)))

    def make(run_id: str | None = None, ws: Path | None = None) -> ToolContext:
        return ToolContext(
            run_id=run_id or f"run-{next(_run_ids)}",
            agent=agent,
            workspace=ws or workspace,
            data_dir=data_dir,
            settings=settings if settings is not None else {},  # the caller's dict, live
            emit=emit,
        )

    return make

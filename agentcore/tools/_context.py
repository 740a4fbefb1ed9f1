from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig

from agentcore.config import Settings
from agentcore.errors import ToolError

CONTEXT_KEY = "agentcore_tool_context"


@dataclass(kw_only=True, slots=True, frozen=True)
class ToolContext:
    """What a tool receives at run time besides its arguments.

    Attributes:
        run_id: The run (and LangGraph thread) id.
        agent: The agent calling the tool.
        workspace: The run's workspace directory; the only place tools may write.
        data_dir: agentcore's data directory.
        settings: Plugin settings from config (``[plugins.NAME]`` tables), by plugin name.
        emit: Sends a progress event to the run's event stream.
        defer: Registers a callback to run once when the run ends (however it ends), e.g.
            to stop a sandbox the tool started for this run.
        agentcore_settings: The run's agentcore settings (e.g. ``[sandbox]``), when the tool
            runs inside a team; ``None`` when called on its own.
    """

    run_id: str
    agent: str
    workspace: Path
    data_dir: Path
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    emit: Callable[[str, Mapping[str, Any]], None] = field(default=lambda kind, data: None)
    defer: Callable[[Callable[[], object]], None] = field(default=lambda callback: None)
    agentcore_settings: Settings | None = None

    def new_file_owner(self) -> tuple[int, int] | None:
        """The ``(uid, gid)`` files a tool creates in the workspace must get, or ``None``.

        When agentcore runs as root, the local sandbox runs code as the workspace's owner, an
        unprivileged uid; what the host writes there must stay writable by that code.
        """
        if os.geteuid() != 0:
            return None
        st = self.workspace.stat()
        return None if st.st_uid == 0 else (st.st_uid, st.st_gid)

    def resolve(self, path: str) -> Path:
        """Resolve ``path`` inside the workspace, refusing anything that escapes it.

        Relative paths are taken from the workspace root; an absolute path is accepted only if
        it lies inside the workspace. Symbolic links are followed before the check.

        Raises:
            ToolError: If the path leaves the workspace (``..``, absolute paths, symlinks) or
                cannot be resolved.
        """
        root = self.workspace.resolve()
        try:
            candidate = (root / path).resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # NUL bytes, symlink loops
            raise ToolError(f"path '{path}' cannot be used: {exc}") from None
        if candidate == root or root in candidate.parents:
            return candidate
        lexical = Path(os.path.normpath(root / path))
        if lexical == root or root in lexical.parents:
            raise ToolError(
                f"path '{path}' is a symbolic link to a place outside the run workspace; "
                "tools can only use files inside the workspace"
            )
        raise ToolError(
            f"path '{path}' is outside the run workspace; use a path relative to the "
            "workspace root, without '..' (for example 'data/input.csv')"
        )


def context_from_config(config: RunnableConfig | None) -> ToolContext:
    """Fetch the ``ToolContext`` that the graph (or ``agentcore tools call``) put in the config.

    Raises:
        ToolError: If the tool was called outside an agentcore run.
    """
    ctx = ((config or {}).get("configurable") or {}).get(CONTEXT_KEY)
    if not isinstance(ctx, ToolContext):
        raise ToolError("this tool needs an agentcore run context; call it through agentcore")
    return ctx


def config_with_context(ctx: ToolContext, config: RunnableConfig | None = None) -> RunnableConfig:
    """Return a copy of ``config`` that carries ``ctx`` for tools."""
    base: RunnableConfig = dict(config or {})  # type: ignore[assignment]
    base["configurable"] = {**(base.get("configurable") or {}), CONTEXT_KEY: ctx}
    return base

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from langchain_core.tools import BaseTool

from agentcore.tools import ToolContext, config_with_context

#: The real local sandbox when bubblewrap is here; the unsafe backend only as a fallback.
BACKEND = "local" if shutil.which("bwrap") else "unsafe-subprocess"
_run_ids = itertools.count(1)


def penguins_csv() -> Path:
    """palmerpenguins' data file, found without importing the package."""
    spec = importlib.util.find_spec("palmerpenguins")
    assert spec is not None and spec.submodule_search_locations, "palmerpenguins is a dev dep"
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "penguins.csv"


def clean_env() -> dict[str, str | None]:
    """Environment changes for a hermetic test: no developer config, no MLflow, our backend."""
    changes: dict[str, str | None] = {
        var: None for var in os.environ if var.startswith(("AGENTCORE_", "MLFLOW_"))
    }
    changes["AGENTCORE_SANDBOX_BACKEND"] = BACKEND
    changes["MLFLOW_DISABLE_TELEMETRY"] = "true"
    return changes


@dataclass
class Lab:
    """A workspace, a data dir and a way to call the ML tools as the graph does."""

    workspace: Path
    data_dir: Path
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    run_id: str = field(default_factory=lambda: f"run-{next(_run_ids)}")

    def ctx(self, settings: Mapping[str, Mapping[str, Any]] | None = None) -> ToolContext:
        return ToolContext(
            run_id=self.run_id,
            agent="ml_specialist",
            workspace=self.workspace,
            data_dir=self.data_dir,
            settings=settings or {},
            emit=lambda kind, data: self.events.append((kind, dict(data))),
        )

    def call(self, tool: BaseTool, **args: Any) -> str:
        result = asyncio.run(tool.ainvoke(args, config=config_with_context(self.ctx())))
        assert isinstance(result, str)
        return result

    def write(self, name: str, frame: pd.DataFrame) -> str:
        path = self.workspace / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".parquet"):
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        return name

    def artifacts(self) -> list[str]:
        return [data["path"] for kind, data in self.events if kind == "artifact"]


def make_lab(root: Path) -> Lab:
    workspace = root / "workspace"
    workspace.mkdir(parents=True)
    shutil.copy(penguins_csv(), workspace / "penguins.csv")
    return Lab(workspace=workspace, data_dir=root / "data-dir")


def model_id_of(answer: str) -> str:
    first = answer.splitlines()[0]
    assert first.startswith("Trained model "), answer
    return first.split()[2]

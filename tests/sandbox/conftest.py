from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agentcore.config import load_settings
from agentcore.sandbox import Sandbox

needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap is not installed (make install adds it)"
)

# Small limits keep the adversarial tests quick; the defaults are larger.
TEST_LIMITS = {
    "memory_mb": 2048,
    "cpu_s": 60,
    "max_file_mb": 32,
    "max_processes": 64,
    "tmpfs_mb": 64,
    "workspace_quota_mb": 96,
    "output_limit_kb": 256,
    "pool_size": 0,
}


@pytest.fixture
def local_factory(tmp_path: Path) -> Callable[..., Sandbox]:
    settings = load_settings({"data_dir": str(tmp_path / "data"), "sandbox": TEST_LIMITS})
    made: list[Sandbox] = []

    def make(workspace: Path | None = None, **kwargs: Any) -> Sandbox:
        sbx = Sandbox.create(backend="local", settings=settings, workspace=workspace, **kwargs)
        made.append(sbx)
        return sbx

    yield make
    for sbx in made:
        sbx.kill()

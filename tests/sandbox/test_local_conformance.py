"""The local bubblewrap backend passes the conformance suite every backend runs."""

from __future__ import annotations

import pytest

from agentcore.testing.sandbox_conformance import SandboxConformance
from tests.sandbox.conftest import needs_bwrap


@needs_bwrap
class TestLocalSandbox(SandboxConformance):
    @pytest.fixture
    def sandbox_factory(self, local_factory):
        return local_factory


@needs_bwrap
def test_warm_pool_hands_out_started_sandboxes(tmp_path):
    import time

    from agentcore.config import load_settings
    from agentcore.sandbox import Sandbox
    from agentcore.sandbox._local._pool import close_pools

    settings = load_settings({"data_dir": str(tmp_path), "sandbox": {"pool_size": 2}})
    try:
        first = Sandbox.create(backend="local", settings=settings)  # cold; starts the filler
        deadline = time.monotonic() + 30
        from agentcore.sandbox._local._pool import _pools

        pool = _pools[settings.sandbox]
        while len(pool._ready) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(pool._ready) == 2
        warm = Sandbox.create(backend="local", settings=settings)
        assert warm.run_code("6 * 7").text == "42"
        assert warm is not first and warm.is_running()
        # A sandbox with a workspace or its own envs never comes from the pool.
        with Sandbox.create(backend="local", settings=settings, workspace=tmp_path / "ws") as own:
            assert own.run_code("import os; os.getcwd()").text == "'/workspace'"
        first.kill()
        warm.kill()
    finally:
        close_pools()

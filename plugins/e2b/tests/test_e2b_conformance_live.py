"""The sandbox conformance suite, run live against E2B when E2B_API_KEY is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentcore.sandbox import Sandbox
from agentcore.testing.sandbox_conformance import SandboxConformance, SandboxFactory

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not os.environ.get("E2B_API_KEY"), reason="E2B_API_KEY is not set"),
]


class TestE2BConformance(SandboxConformance):
    # The workspace is uploaded at start, not shared (see test_e2b_live.py for upload + pull).
    workspace_is_shared = False

    @pytest.fixture
    def sandbox_factory(self) -> SandboxFactory:
        def start(workspace: Path | None = None) -> Sandbox:
            return Sandbox.create(backend="e2b", timeout=600, workspace=workspace)

        return start

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from agentcore_e2b import E2BSandbox

from agentcore.plugins import load_registry
from agentcore.sandbox import Sandbox


def test_the_entry_point_registers_the_e2b_backend() -> None:
    registry = load_registry()

    assert registry.get("sandboxes", "e2b") is E2BSandbox
    assert registry.owners["sandboxes"]["e2b"] == "e2b"
    info = next(p for p in registry.plugins if p.name == "e2b")
    assert (info.distribution, info.error) == ("agentcore-e2b", None)


def test_the_allowlist_can_leave_the_plugin_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTCORE_PLUGINS", "files")

    assert "e2b" not in load_registry().items["sandboxes"]


def test_loading_the_plugin_does_not_import_the_sdk() -> None:
    code = textwrap.dedent(
        """
        import sys
        from agentcore.plugins import load_registry
        assert "e2b" in load_registry().items["sandboxes"]
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("e2b", "e2b_code_interpreter")))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert out.stdout.strip() == "[]"


def test_it_is_a_sandbox_backend_named_e2b() -> None:
    assert issubclass(E2BSandbox, Sandbox)
    assert E2BSandbox.backend_name == "e2b"

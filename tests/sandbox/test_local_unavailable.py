"""Without bubblewrap the local sandbox refuses, saying how to install it; runs go on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agentcore.config import load_settings
from agentcore.errors import SandboxUnavailableError, ToolError
from agentcore.sandbox import Sandbox, describe_isolation
from agentcore.tools import ToolContext, config_with_context


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch) -> None:
    real = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name, *a, **k: None if name == "bwrap" else real(name, *a, **k)
    )


def test_create_refuses_with_the_install_command(no_bwrap: None, tmp_path: Path) -> None:
    settings = load_settings({"data_dir": str(tmp_path)})
    with pytest.raises(SandboxUnavailableError) as info:
        Sandbox.create(backend="local", settings=settings)
    assert "bwrap" in info.value.message
    assert "apt-get install bubblewrap" in (info.value.hint or "")
    assert info.value.exit_code == 2


def test_doctor_reports_the_sandbox_unavailable(no_bwrap: None) -> None:
    iso = describe_isolation("local")
    assert iso.level == "unavailable" and "bubblewrap" in iso.detail


async def test_run_python_tells_the_model_instead_of_crashing(
    no_bwrap: None, tmp_path: Path
) -> None:
    from agentcore.plugins import load_registry

    run_python = load_registry().tools["run_python"]
    ctx = ToolContext(
        run_id="no-bwrap",
        agent="coder",
        workspace=tmp_path,
        data_dir=tmp_path,
        agentcore_settings=load_settings({"data_dir": str(tmp_path)}),
    )
    with pytest.raises(ToolError) as info:
        await run_python.ainvoke({"code": "print(1)"}, config=config_with_context(ctx))
    assert "bubblewrap" in info.value.message or "bwrap" in info.value.message


def test_unsafe_backend_is_only_used_when_asked(tmp_path: Path) -> None:
    assert describe_isolation("unsafe-subprocess").level == "none"
    assert load_settings({"data_dir": str(tmp_path)}).sandbox.backend == "local"

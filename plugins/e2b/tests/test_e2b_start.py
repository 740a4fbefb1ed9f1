"""Starting an E2B sandbox: the key check, the SDK check, config, and what goes over the wire."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from agentcore_e2b import E2BSandbox
from e2b_stubs import FakeE2B

from agentcore.config import Settings
from agentcore.errors import (
    ConfigError,
    MissingDependencyError,
    MissingKeyError,
    SandboxError,
    UserError,
)
from agentcore.sandbox import Sandbox


@pytest.mark.parametrize("value", [None, "", "  "])
def test_a_missing_key_is_a_user_error_naming_the_variable(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is not None:
        monkeypatch.setenv("E2B_API_KEY", value)

    with pytest.raises(MissingKeyError) as info:
        Sandbox.create(backend="e2b", settings=settings)

    assert (info.value.provider, info.value.env_var) == ("e2b", "E2B_API_KEY")
    assert "E2B_API_KEY" in str(info.value)


def test_a_missing_sdk_names_the_extra_to_install(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("E2B_API_KEY", "e2b_test_key")
    monkeypatch.setitem(sys.modules, "e2b_code_interpreter", None)  # import now fails

    with pytest.raises(MissingDependencyError) as info:
        Sandbox.create(backend="e2b", settings=settings)

    assert (info.value.package, info.value.extra) == ("e2b_code_interpreter", "e2b")
    assert "agentcore[e2b]" in str(info.value)


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ({"max_upload_mb": 0}, "max_upload_mb"),
        ({"workdir": "relative/dir"}, "workdir"),
        ({"tempalte": "x"}, "tempalte"),
    ],
)
def test_bad_plugin_settings_are_a_config_error_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: dict[str, object], field: str
) -> None:
    monkeypatch.setenv("E2B_API_KEY", "e2b_test_key")
    settings = Settings(data_dir=tmp_path, plugins={"e2b": table})

    with pytest.raises(ConfigError, match=rf"\[plugins\.e2b\] {field}"):
        Sandbox.create(backend="e2b", settings=settings)


def test_create_sends_the_timeout_envs_and_network_choice(
    fake_e2b: FakeE2B, settings: Settings
) -> None:
    sbx = Sandbox.create(
        backend="e2b",
        settings=settings,
        timeout=90.5,
        envs={"MODE": "test"},
        allow_internet_access=True,
    )
    with sbx:
        assert isinstance(sbx, E2BSandbox)
        assert sbx.sandbox_id == "sbx-fake"
        assert sbx.is_running()

    [create] = fake_e2b.seen("POST", "/v2/sandboxes")
    body = create.json()
    assert body["timeout"] == 91  # whole seconds, rounded up
    assert body["envVars"] == {"MODE": "test"}
    assert body["allow_internet_access"] is True
    assert body["templateID"] == "code-interpreter-v1"
    assert body["metadata"] == {"client": "agentcore"}
    assert create.headers["x-api-key"] == "e2b_test_key"
    assert fake_e2b.dirs == ["/home/user/workspace"]  # the workdir, made at start
    assert fake_e2b.seen("DELETE", "/sandboxes/sbx-fake")  # the context manager killed it


def test_the_internet_is_off_by_default_and_the_template_comes_from_config(
    fake_e2b: FakeE2B, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, plugins={"e2b": {"template": "my-template"}})

    Sandbox.create(backend="e2b", settings=settings).kill()

    body = fake_e2b.seen("POST", "/v2/sandboxes")[0].json()
    assert body["allow_internet_access"] is False
    assert body["templateID"] == "my-template"


def test_a_rejected_key_is_a_user_error_naming_the_variable(
    fake_e2b: FakeE2B, settings: Settings
) -> None:
    fake_e2b.create_status, fake_e2b.create_message = 401, "Invalid API key"

    with pytest.raises(UserError) as info:
        Sandbox.create(backend="e2b", settings=settings)

    assert "E2B_API_KEY" in str(info.value)
    assert "Invalid API key" in str(info.value)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (429, "rate limit"),
        (503, "busy"),
        (500, "E2B failed"),
    ],
)
def test_service_failures_are_sandbox_errors_with_the_sdk_message(
    fake_e2b: FakeE2B, settings: Settings, status: int, words: str
) -> None:
    fake_e2b.create_status, fake_e2b.create_message = status, "team quota details"

    with pytest.raises(SandboxError) as info:
        Sandbox.create(backend="e2b", settings=settings)

    assert words in str(info.value)
    assert "team quota details" in str(info.value)


def test_an_unreachable_service_is_a_sandbox_error(
    fake_e2b: FakeE2B, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("E2B_API_URL", "http://127.0.0.1:9")  # discard port: refused
    monkeypatch.setattr("e2b.api.client_sync.connection_retries", 0)  # read at SDK import

    with pytest.raises(SandboxError, match="cannot reach E2B"):
        Sandbox.create(backend="e2b", settings=settings)


def test_the_workspace_is_uploaded_to_the_workdir_without_links_or_tooling(
    fake_e2b: FakeE2B, settings: Settings, tmp_path: Path
) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("password")
    ws = tmp_path / "ws"
    (ws / "data").mkdir(parents=True)
    (ws / "data" / "sales.csv").write_text("region,amount\nnorth,10\n")
    (ws / "notes.md").write_bytes(b"\x89PNG binary too")
    (ws / ".git").mkdir()
    (ws / ".git" / "HEAD").write_text("ref")
    (ws / "leak.txt").symlink_to(outside)
    (ws / "leakdir").symlink_to(tmp_path)

    with Sandbox.create(backend="e2b", settings=settings, workspace=ws):
        pass

    assert fake_e2b.files == {
        "/home/user/workspace/data/sales.csv": b"region,amount\nnorth,10\n",
        "/home/user/workspace/notes.md": b"\x89PNG binary too",
    }


def test_an_oversized_workspace_is_refused_before_a_sandbox_starts(
    fake_e2b: FakeE2B, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "big.bin").write_bytes(b"x" * (2 * 1024 * 1024))
    settings = Settings(data_dir=tmp_path, plugins={"e2b": {"max_upload_mb": 1}})

    with pytest.raises(UserError, match=r"big\.bin") as info:
        Sandbox.create(backend="e2b", settings=settings, workspace=ws)

    assert "max_upload_mb" in str(info.value)
    assert fake_e2b.requests == []


def test_too_many_files_are_refused_too(fake_e2b: FakeE2B, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    for i in range(4):
        (ws / f"f{i}.txt").write_text("x")
    settings = Settings(data_dir=tmp_path, plugins={"e2b": {"max_upload_files": 3}})

    with pytest.raises(UserError, match="4 files"):
        Sandbox.create(backend="e2b", settings=settings, workspace=ws)


def test_a_failed_upload_kills_the_new_sandbox(
    fake_e2b: FakeE2B, settings: Settings, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.txt").write_text("a")
    fake_e2b.upload_status = 507

    with pytest.raises(SandboxError, match="uploading the workspace"):
        Sandbox.create(backend="e2b", settings=settings, workspace=ws)

    assert fake_e2b.seen("DELETE", "/sandboxes/sbx-fake")

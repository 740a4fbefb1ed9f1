"""Fixtures for the e2b backend's offline tests.

Two stand-ins for the E2B cloud, both driven through the real SDK classes:

* ``fake_e2b``: a loopback HTTP server speaking E2B's wire format (the control-plane API's
  ``POST /v2/sandboxes``, the code interpreter's ``/execute`` NDJSON stream and ``/contexts``,
  envd's ``/files`` and its ListDir / MakeDir calls), with the real
  ``e2b_code_interpreter.Sandbox`` pointed at it through ``E2B_API_URL`` / ``E2B_SANDBOX_URL``.
* ``sdk_stub``: a small object in place of the SDK sandbox instance (e2b_stubs.py), for
  envd's streaming command API, which the fake does not speak, and for raising the SDK's own
  exceptions on cue. It returns the SDK's own model classes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from agentcore_e2b import E2BOptions, E2BSandbox
from e2b_stubs import FakeE2B, StubSDKSandbox, handler

from agentcore.config import Settings


def pytest_configure(config: pytest.Config) -> None:
    # The network guard and the clean environment, also when only plugins/e2b is collected
    # (tests/conftest.py registers the same plugin for a whole-repo run).
    config.pluginmanager.import_plugin("agentcore.testing.pytest_plugin")


@pytest.fixture
def fake_e2b(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeE2B]:
    """A loopback E2B; the real SDK talks to it (and nowhere else) for the test."""
    fake = FakeE2B()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("E2B_API_KEY", "e2b_test_key")
    monkeypatch.setenv("E2B_API_URL", fake.url)
    monkeypatch.setenv("E2B_SANDBOX_URL", fake.url)
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


# --- the SDK-instance stand-in ---------------------------------------------------------------


@pytest.fixture
def sdk_stub() -> StubSDKSandbox:
    return StubSDKSandbox()


@pytest.fixture
def stub_sandbox(sdk_stub: StubSDKSandbox, tmp_path: Path) -> Iterator[E2BSandbox]:
    """Our real backend around the stand-in, with a host workspace and a 1 KB output cap."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    sbx = E2BSandbox(
        sdk_stub, timeout=60, options=E2BOptions(), output_limit_kb=1, workspace=workspace
    )
    yield sbx
    sbx.kill()

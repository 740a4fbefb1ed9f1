"""commands.run and files on the SDK's command and filesystem APIs (through a stand-in)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from agentcore_e2b import E2BSandbox
from e2b import CommandResult as SDKCommandResult
from e2b import FileType, SandboxNotRunningException
from e2b_stubs import StubSDKSandbox, entry, sdk_exit

from agentcore.errors import SandboxError, UserError
from agentcore.sandbox import CommandResult, EntryInfo


def test_a_command_runs_under_a_kill_timer_in_the_workdir(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox
) -> None:
    sdk_stub.commands.outcome = SDKCommandResult(stdout="hi\n", stderr="", exit_code=0, error=None)

    result = stub_sandbox.commands.run("echo hi", envs={"A": "1"}, timeout=5)

    assert result == CommandResult(stdout="hi\n", stderr="", exit_code=0)
    [call] = sdk_stub.commands.calls
    assert call["cmd"] == f"timeout -s KILL 5 /bin/sh -c {shlex.quote('echo hi')}"
    assert call["cwd"] == "/home/user/workspace"
    assert call["envs"] == {"A": "1"}
    assert call["timeout"] > 5  # the SDK's deadline leaves room for the kill timer


def test_a_non_zero_exit_is_a_result_not_an_exception(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox
) -> None:
    sdk_stub.commands.outcome = sdk_exit(3, stdout="partial\n", stderr="no such file\n")

    result = stub_sandbox.commands.run("cat missing", cwd="data")

    assert result == CommandResult(stdout="partial\n", stderr="no such file\n", exit_code=3)
    assert sdk_stub.commands.calls[0]["cwd"] == "/home/user/workspace/data"


def test_a_command_killed_at_its_limit_reports_the_timeout(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sdk_stub.commands.outcome = sdk_exit(137, stdout="working\n")
    clock = iter([100.0, 102.5])
    monkeypatch.setattr("agentcore_e2b._backend.time.monotonic", lambda: next(clock))

    result = stub_sandbox.commands.run("sleep 60", timeout=2)

    assert result.exit_code == -9
    assert result.error == "timed out after 2 s"
    assert result.stdout == "working\n"


def test_a_137_before_the_limit_is_the_commands_own_exit(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox
) -> None:
    sdk_stub.commands.outcome = sdk_exit(137)

    result = stub_sandbox.commands.run("kill -9 $$", timeout=60)

    assert (result.exit_code, result.error) == (137, None)


def test_command_output_is_capped(sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox) -> None:
    sdk_stub.commands.outcome = SDKCommandResult(
        stdout="y" * 5000, stderr="", exit_code=0, error=None
    )

    result = stub_sandbox.commands.run("yes | head -c 5000")

    assert result.stdout.startswith("y" * 1024)
    assert result.stdout.endswith("[output truncated: 3976 more characters]\n")


def test_stdin_goes_through_a_temporary_file(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox
) -> None:
    stub_sandbox._command("wc -c", cwd=None, envs={}, timeout=10, stdin=b"12345")

    [(path, data)] = sdk_stub.files.data.items()
    assert path.startswith("/tmp/agentcore-stdin-")
    assert data == b"12345"
    cmd = sdk_stub.commands.calls[0]["cmd"]
    assert f"< {path}" in cmd
    assert f"rm -f {path}" in cmd


def test_a_gone_sandbox_fails_the_command_with_a_sandbox_error(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox
) -> None:
    sdk_stub.commands.outcome = SandboxNotRunningException("was not found")

    with pytest.raises(SandboxError, match="gone"):
        stub_sandbox.commands.run("true")

    assert not stub_sandbox.is_running()


def test_files_map_to_the_sdk_with_paths_in_the_workdir(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox
) -> None:
    files = stub_sandbox.files
    files.write("data/a.csv", "x,y\n")
    files.write("/tmp/raw.bin", b"\x00\x01")

    assert sdk_stub.files.data == {
        "/home/user/workspace/data/a.csv": b"x,y\n",
        "/tmp/raw.bin": b"\x00\x01",
    }
    assert files.read("data/a.csv") == "x,y\n"
    assert files.read("/workspace/data/a.csv") == "x,y\n"
    assert files.read("/tmp/raw.bin", format="bytes") == b"\x00\x01"
    assert files.exists("data/a.csv")
    assert not files.exists("data/b.csv")
    files.remove("data/a.csv")
    files.remove("data/a.csv")  # already gone: not an error, like rm -rf
    assert not files.exists("data/a.csv")


def test_listing_maps_entry_infos_and_reports_links_as_files(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox
) -> None:
    sdk_stub.files.entries = [
        entry("/home/user/workspace/data", kind=FileType.DIR),
        entry("/home/user/workspace/a.csv", size=12),
        entry("/home/user/workspace/link", kind=FileType.SYMLINK, size=7),
    ]

    listing = stub_sandbox.files.list()

    assert listing == [
        EntryInfo(name="data", path="/home/user/workspace/data", type="dir", size=0),
        EntryInfo(name="a.csv", path="/home/user/workspace/a.csv", type="file", size=12),
        EntryInfo(name="link", path="/home/user/workspace/link", type="file", size=7),
    ]
    assert sdk_stub.files.list_calls == [("/home/user/workspace", 1)]


def test_a_missing_file_is_a_sandbox_error_naming_it(stub_sandbox: E2BSandbox) -> None:
    with pytest.raises(SandboxError, match=r"/home/user/workspace/nope\.txt"):
        stub_sandbox.files.read("nope.txt")


def test_pull_workspace_copies_back_new_and_changed_files_only(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox
) -> None:
    workspace = stub_sandbox._workspace
    assert workspace is not None
    sdk_stub.files.data["/home/user/workspace/input.csv"] = b"old"
    stub_sandbox._upload([])  # takes the snapshot, as at start
    sdk_stub.files.data.update(
        {
            "/home/user/workspace/input.csv": b"changed",
            "/home/user/workspace/out/model.pkl": b"\x80\x04",
            "/home/user/workspace/.cache/matplotlib/fontlist.json": b"{}",
            "/home/user/workspace/__pycache__/m.pyc": b"",
        }
    )

    pulled = stub_sandbox.pull_workspace()

    assert pulled == [workspace / "input.csv", workspace / "out" / "model.pkl"]
    assert (workspace / "out" / "model.pkl").read_bytes() == b"\x80\x04"
    assert (workspace / "input.csv").read_bytes() == b"changed"
    assert not (workspace / ".cache").exists()
    assert stub_sandbox.pull_workspace() == []  # nothing new since


def test_pull_workspace_needs_a_workspace(sdk_stub: StubSDKSandbox) -> None:
    with pytest.raises(UserError, match="workspace"):
        E2BSandbox(sdk_stub, timeout=60).pull_workspace()


def test_pull_workspace_never_writes_outside_the_workspace(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox, tmp_path: Path
) -> None:
    workspace = stub_sandbox._workspace
    assert workspace is not None
    (workspace / "escape").symlink_to(tmp_path)
    sdk_stub.files.data["/home/user/workspace/escape/owned.txt"] = b"x"
    sdk_stub.files.data["/home/userx/other.txt"] = b"x"

    assert stub_sandbox.pull_workspace() == []
    assert not (tmp_path / "owned.txt").exists()

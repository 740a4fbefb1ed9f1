"""The unsafe-subprocess backend: no isolation, but the Sandbox interface and a clean env."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agentcore.config import SandboxSettings, Settings
from agentcore.errors import SandboxError
from agentcore.sandbox import Sandbox
from agentcore.sandbox._unsafe import WARNING, UnsafeSubprocessSandbox
from agentcore.testing.sandbox_conformance import SandboxConformance

pytestmark = pytest.mark.filterwarnings("ignore:unsafe-subprocess")

SETTINGS = Settings(sandbox=SandboxSettings(backend="unsafe-subprocess", output_limit_kb=1))


def create(**kwargs: object) -> Sandbox:
    return UnsafeSubprocessSandbox.create(settings=SETTINGS, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def sbx(tmp_path: Path) -> Iterator[Sandbox]:
    with create(workspace=tmp_path / "ws", envs={"GREETING": "hello"}) as sandbox:
        yield sandbox


def test_run_code_keeps_state(sbx: Sandbox) -> None:
    assert sbx.backend_name == "unsafe-subprocess"
    sbx.run_code("x = 20")
    execution = sbx.run_code("print('hi')\nx * 2 + 2")
    assert execution.text == "42"
    assert execution.logs.stdout == ["hi\n"]
    assert execution.error is None


def test_errors_are_returned_not_raised(sbx: Sandbox) -> None:
    seen = []
    execution = sbx.run_code("1 / 0", on_error=seen.append)
    assert execution.error is not None and execution.error.name == "ZeroDivisionError"
    assert seen == [execution.error]


def test_contexts_are_isolated(sbx: Sandbox) -> None:
    sbx.run_code("x = 'default'")
    other = sbx.create_code_context()
    assert sbx.run_code("x", context=other).error is not None
    sbx.run_code("x = 'other'", context=other)
    assert sbx.run_code("x").text == "'default'"
    assert sbx.run_code("x", context=other).text == "'other'"
    sbx.restart_code_context(other)
    assert sbx.run_code("'x' in dir()", context=other).text == "False"
    sbx.remove_code_context(other)
    with pytest.raises(SandboxError, match="does not exist"):
        sbx.run_code("1", context=other)


def test_code_runs_in_the_workspace(sbx: Sandbox, tmp_path: Path) -> None:
    sbx.run_code("open('made.txt', 'w').write('by code')")
    assert (tmp_path / "ws" / "made.txt").read_text() == "by code"
    assert sbx.files.read("/workspace/made.txt") == "by code"
    sub = sbx.create_code_context(cwd="/workspace/sub")
    assert sbx.run_code("import os; os.getcwd()", context=sub).text == repr(
        str(tmp_path / "ws" / "sub")
    )


def test_files_api(sbx: Sandbox, tmp_path: Path) -> None:
    sbx.files.write("/workspace/dir/a.txt", "alpha")
    sbx.files.write("b.bin", b"\x00\xff")
    assert (tmp_path / "ws" / "dir" / "a.txt").read_text() == "alpha"
    assert sbx.files.read("dir/a.txt") == "alpha"
    assert sbx.files.read("/workspace/b.bin", format="bytes") == b"\x00\xff"
    entries = {e.name: e for e in sbx.files.list("/workspace")}
    assert entries["dir"].type == "dir"
    assert (entries["b.bin"].type, entries["b.bin"].size) == ("file", 2)
    assert entries["b.bin"].path == "/workspace/b.bin"
    assert sbx.files.exists("/workspace/dir/a.txt")
    sbx.files.remove("/workspace/dir")
    assert not sbx.files.exists("/workspace/dir/a.txt")
    with pytest.raises(SandboxError):
        sbx.files.read("/workspace/missing.txt")


def test_commands(sbx: Sandbox, tmp_path: Path) -> None:
    result = sbx.commands.run("echo out; echo err >&2; exit 3")
    assert (result.stdout, result.stderr, result.exit_code, result.error) == (
        "out\n",
        "err\n",
        3,
        None,
    )
    (tmp_path / "ws" / "sub").mkdir()
    result = sbx.commands.run(
        "pwd; echo $GREETING $EXTRA", cwd="/workspace/sub", envs={"EXTRA": "x"}
    )
    assert result.stdout == f"{tmp_path / 'ws' / 'sub'}\nhello x\n"
    assert sbx.commands.run("python -c 'print(6 * 7)'").stdout == "42\n"


def test_command_timeout_kills_the_whole_group(sbx: Sandbox) -> None:
    result = sbx.commands.run("sleep 60 & echo $! > bg.pid; sleep 60", timeout=0.3)
    assert result.exit_code == -9
    assert result.error == "timed out after 0.3 s"
    bg = int(sbx.files.read("bg.pid"))
    assert not _running(bg)


def test_command_output_is_capped(sbx: Sandbox) -> None:
    result = sbx.commands.run("head -c 100000 /dev/zero | tr '\\0' a")
    assert result.stdout.startswith("a" * 1024 + "\n[output truncated: 98976 bytes dropped]")


def test_run_code_output_is_capped(sbx: Sandbox) -> None:
    execution = sbx.run_code("print('z' * 5000)")
    assert "".join(execution.logs.stdout) == "z" * 1024
    assert execution.logs.stderr == ["[output truncated: 3977 bytes dropped]\n"]


def test_timeout_then_the_context_restarts(sbx: Sandbox) -> None:
    sbx.run_code("x = 1")
    execution = sbx.run_code("while True:\n    pass", timeout=0.2)
    assert execution.error is not None and execution.error.name == "TimeoutError"
    assert sbx.run_code("x").text == "1"
    died = sbx.run_code("import os\nos._exit(1)")
    assert died.error is not None and died.error.name == "WorkerDied"
    assert sbx.run_code("'x' in dir()").text == "False"  # a fresh interpreter


def test_host_secrets_are_not_visible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-for-sandboxes-1234567890")
    with create(workspace=tmp_path, envs={"MINE": "given"}) as sandbox:
        code = "import os\nsorted(os.environ)"
        names = eval(sandbox.run_code(code).text or "[]")
        assert "OPENAI_API_KEY" not in names
        assert "MINE" in names
        assert set(names) <= {"PATH", "HOME", "LANG", "MPLBACKEND", "MINE", "LC_CTYPE"}
        out = sandbox.commands.run("env").stdout
        assert "OPENAI_API_KEY" not in out
        assert "sk-test" not in out
        assert f"HOME={tmp_path}" in out


def test_warns_on_every_run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="agentcore.sandbox")
    with pytest.warns(UserWarning, match="unsafe-subprocess: code runs on the host"):
        sandbox = create(workspace=tmp_path)
    try:
        for _ in range(2):
            with pytest.warns(UserWarning, match="with your user's rights and network"):
                sandbox.run_code("1")
            with pytest.warns(UserWarning, match="use the local backend"):
                sandbox.commands.run("true")
    finally:
        sandbox.kill()
    assert [r.getMessage() for r in caplog.records].count(WARNING) == 5


def test_docstring_says_it_is_not_a_sandbox() -> None:
    assert "not a sandbox" in (UnsafeSubprocessSandbox.__doc__ or "").lower()


def test_kill_cleans_up(tmp_path: Path) -> None:
    before = _children()
    sandbox = create()
    workspace = sandbox.workspace  # type: ignore[attr-defined]
    assert workspace.is_dir()
    pid = int(
        sandbox.run_code("import subprocess\nsubprocess.Popen(['sleep', '60']).pid").text or "0"
    )
    sandbox.run_code("1", context=sandbox.create_code_context())
    assert len(_children() - before) == 2
    sandbox.kill()
    sandbox.kill()
    assert not sandbox.is_running()
    assert _children() == before
    assert not _running(pid)
    assert not workspace.exists()
    with pytest.raises(SandboxError, match="not running"):
        sandbox.run_code("1")


def test_given_workspace_is_kept(tmp_path: Path) -> None:
    with create(workspace=tmp_path) as sandbox:
        sandbox.files.write("/workspace/keep.txt", "k")
    assert (tmp_path / "keep.txt").read_text() == "k"


def _children() -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # it just exited
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == os.getpid() and state != "Z":
            found.add(int(entry))
    return found


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class TestUnsafeConformance(SandboxConformance):
    @pytest.fixture
    def sandbox_factory(self) -> Callable[..., Sandbox]:
        return lambda workspace=None, **kwargs: create(workspace=workspace, **kwargs)

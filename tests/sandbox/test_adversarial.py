"""Adversarial suite: hostile code against the local sandbox.

Every attack must be contained, leave the host unaffected, and leave the sandbox able to run
the next call in a fresh context. The README's table lists these attacks and how each ends.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from agentcore.sandbox._local._uids import uid_processes
from tests.sandbox.conftest import needs_bwrap

pytestmark = needs_bwrap

LIBC = (
    "import ctypes, ctypes.util\n"
    "libc = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)\n"
)


def run(sbx, code: str, timeout: float = 20.0):
    return sbx.run_code(code, timeout=timeout)


def assert_recovers(sbx) -> None:
    """The next call in a fresh context works."""
    ctx = sbx.create_code_context()
    assert sbx.run_code("1 + 1", context=ctx).text == "2"


def test_cannot_read_etc_shadow_or_the_host_home(local_factory):
    sbx = local_factory()
    shadow = run(sbx, "open('/etc/shadow').read()")
    assert shadow.error is not None and shadow.error.name == "FileNotFoundError"
    listing = run(sbx, "import os; sorted(os.listdir('/root')), os.path.exists('/home')")
    # /root holds only the read-only Python runtime, bound at its own path; no host files.
    assert listing.text == "(['.pyenv'], False)" or listing.text == "([], False)"
    assert run(sbx, "import os; os.path.exists('/root/.bash_history')").text == "False"
    assert_recovers(sbx)


def test_host_environment_and_api_keys_are_not_inside(local_factory, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-planted-secret-0123456789abcdef")
    monkeypatch.setenv("AGENTCORE_PROBE_SECRET", "host-only")
    sbx = local_factory()
    env = run(sbx, "import os; sorted(os.environ)").text
    assert "OPENAI_API_KEY" not in env and "AGENTCORE_PROBE_SECRET" not in env
    scan = run(
        sbx,
        "import glob\nfound = []\n"
        "for p in glob.glob('/proc/*/environ'):\n"
        "    try:\n        found.append(open(p, 'rb').read())\n    except OSError:\n        pass\n"
        "any(b'planted' in e or b'host-only' in e for e in found)",
    )
    assert scan.text == "False"
    assert_recovers(sbx)


def test_cannot_write_outside_the_workspace(local_factory, tmp_path):
    marker = f"agentcore-escape-{os.getpid()}"
    sbx = local_factory(workspace=tmp_path)
    for target in ("/usr/" + marker, f"/work/{marker}", f"/{marker}", "/proc/sys/kernel/hostname"):
        result = run(sbx, f"open({target!r}, 'w').write('x')")
        assert result.error is not None, target
    run(sbx, f"open('/tmp/{marker}', 'w').write('private tmp')")  # the sandbox's own tmpfs
    assert not Path("/tmp", marker).exists()
    assert not Path("/usr", marker).exists()
    assert not Path("/work", marker).exists() and not Path("/", marker).exists()
    assert_recovers(sbx)


def test_symlinks_in_the_workspace_do_not_reach_host_files(local_factory, tmp_path):
    sbx = local_factory(workspace=tmp_path)
    run(sbx, "import os; os.symlink('/etc/shadow', 'shadow'); os.symlink('/root', 'roothome')")
    inside = run(sbx, "open('shadow').read()")
    assert inside.error is not None  # resolved inside the sandbox: there is no /etc/shadow
    # The host's own tools refuse to follow them out of the workspace.
    from agentcore.errors import ToolError
    from agentcore.tools import ToolContext

    ctx = ToolContext(run_id="r", agent="a", workspace=tmp_path, data_dir=tmp_path)
    with pytest.raises(ToolError):
        ctx.resolve("shadow")
    with pytest.raises(ToolError):
        ctx.resolve("roothome/.bashrc")
    assert_recovers(sbx)


def test_no_network_inet_sockets_dns_or_host_loopback(local_factory):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    accepted: list[object] = []
    server.settimeout(3)

    def accept() -> None:
        with contextlib.suppress(OSError):
            accepted.append(server.accept())

    listener = threading.Thread(target=accept)
    listener.start()
    try:
        sbx = local_factory()
        inet = run(sbx, "import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM)")
        assert inet.error is not None and inet.error.name == "PermissionError"
        inet6 = run(sbx, "import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)")
        assert inet6.error is not None
        dns = run(sbx, "import socket; socket.getaddrinfo('pypi.org', 443)")
        assert dns.error is not None
        loop = run(sbx, f"import socket; socket.create_connection(('127.0.0.1', {port}), 2)")
        assert loop.error is not None
        assert_recovers(sbx)
    finally:
        listener.join()
        server.close()
    assert accepted == []


def test_fork_bomb_is_contained(local_factory):
    sbx = local_factory()
    bomb = run(
        sbx,
        "import os\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
        "            import time; time.sleep(60); os._exit(0)\n        n += 1\n"
        "except OSError as e:\n    print('stopped at', n, e)",
        timeout=15,
    )
    assert "stopped at" in "".join(bomb.logs.stdout) or bomb.error is not None
    uid = sbx._lease.uid  # type: ignore[attr-defined]
    sbx.kill()
    if uid != os.getuid():
        assert uid_processes(uid) == []


def test_memory_bomb_hits_the_address_space_limit(local_factory):
    sbx = local_factory()
    result = run(sbx, "blocks = []\nwhile True:\n    blocks.append(bytearray(64 * 1024 * 1024))")
    assert result.error is not None and result.error.name in ("MemoryError", "WorkerDied")
    assert_recovers(sbx)


def test_cpu_spin_is_stopped_at_the_time_limit(local_factory):
    sbx = local_factory()
    result = run(sbx, "while True:\n    pass", timeout=1.5)
    assert result.error is not None and result.error.name == "TimeoutError"
    assert_recovers(sbx)


def test_ignoring_the_interrupt_gets_the_context_killed(local_factory):
    sbx = local_factory()
    result = run(
        sbx,
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
        timeout=1.0,
    )
    assert result.error is not None and result.error.name == "TimeoutError"
    assert_recovers(sbx)


def test_filling_the_disk_is_stopped(local_factory, tmp_path):
    sbx = local_factory(workspace=tmp_path)
    tmp = run(sbx, "f = open('/tmp/fill', 'wb')\nwhile True:\n    f.write(b'x' * 1048576)")
    assert tmp.error is not None and tmp.error.name == "OSError"  # ENOSPC: a 64 MB tmpfs
    big = run(sbx, "f = open('big', 'wb')\nwhile True:\n    f.write(b'x' * 1048576)\n    f.flush()")
    assert big.error is not None  # EFBIG: RLIMIT_FSIZE (32 MB here)
    many = run(
        sbx,
        "i = 0\nwhile True:\n    open(f'part{i}', 'wb').write(b'x' * 30 * 1048576)\n    i += 1",
        timeout=60,
    )
    assert many.error is not None and many.error.name in ("ResourceLimitError", "OSError")
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) < 400 * 1048576
    assert_recovers(sbx)


def test_flooding_stdout_is_capped(local_factory):
    sbx = local_factory()
    result = run(sbx, "while True:\n    print('x' * 1000)", timeout=2)
    total = sum(len(chunk) for chunk in result.logs.stdout)
    assert total <= 300 * 1024
    assert "truncated" in "".join(result.logs.stderr) or result.error is not None
    assert_recovers(sbx)


def test_ptrace_mount_and_user_namespaces_are_refused(local_factory):
    sbx = local_factory()
    ptrace = run(sbx, LIBC + "libc.ptrace(0, 0, None, None), ctypes.get_errno()")  # TRACEME
    assert ptrace.text is not None and ptrace.text.startswith("(-1,")
    mount = run(sbx, LIBC + "libc.mount(b'none', b'/tmp', b'tmpfs', 0, None), ctypes.get_errno()")
    assert mount.text is not None and mount.text.startswith("(-1,")
    userns = run(sbx, LIBC + "libc.unshare(0x10000000), ctypes.get_errno()")  # CLONE_NEWUSER
    assert userns.text is not None and userns.text.startswith("(-1,")
    cmd = sbx.commands.run("unshare -U true")
    assert cmd.exit_code != 0
    assert_recovers(sbx)


def test_host_processes_are_invisible_and_unreachable(local_factory):
    sbx = local_factory()
    pids = run(sbx, "import os; sorted(int(p) for p in os.listdir('/proc') if p.isdigit())")
    assert pids.text is not None and len(eval(pids.text)) <= 4  # only the sandbox's own
    host_pid = os.getpid()
    kill = run(sbx, f"import os, signal; os.kill({host_pid}, signal.SIGTERM)")
    assert kill.error is not None and kill.error.name == "ProcessLookupError"
    assert_recovers(sbx)


def test_nothing_keeps_running_after_a_timeout_or_kill(local_factory, tmp_path):
    sbx = local_factory(workspace=tmp_path)
    run(
        sbx,
        "import subprocess, threading, time\n"
        "subprocess.Popen(['/bin/sh', '-c', 'while true; do date >> beat.txt; sleep 0.1; done'])\n"
        "def spin():\n    while True:\n        time.sleep(0.05)\n"
        "threading.Thread(target=spin, daemon=True).start()",
    )
    run(sbx, "while True:\n    pass", timeout=0.5)
    uid = sbx._lease.uid  # type: ignore[attr-defined]
    sbx.kill()
    beat = tmp_path / "beat.txt"
    size = beat.stat().st_size if beat.exists() else 0
    time.sleep(0.5)
    assert (beat.stat().st_size if beat.exists() else 0) == size  # the writer is gone
    if uid != os.getuid():
        assert uid_processes(uid) == []

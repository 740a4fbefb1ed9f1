"""The seccomp filter: its bytes, its logic (run by a tiny BPF interpreter) and the real kernel."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import struct
import subprocess
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from agentcore.errors import SandboxUnavailableError
from agentcore.sandbox._local import _seccomp
from agentcore.sandbox._local._seccomp import (
    AUDIT_ARCH,
    DENIED_SYSCALLS,
    SYSCALL_NUMBERS,
    build_filter,
    describe,
    native_arch,
)

ARCHES = ("x86_64", "aarch64")

RET_ALLOW = 0x7FFF0000
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000
EPERM, EACCES, ENOSYS = 1, 13, 38

CLONE_NEWUSER = 0x10000000
THREAD_FLAGS = 0x3D0F00  # what glibc's pthread_create passes to clone


# --- a minimal classic-BPF interpreter (just what a seccomp filter of ours may use) -------------


def decode(program: bytes) -> list[tuple[int, int, int, int]]:
    return [struct.unpack_from("=HBBI", program, i) for i in range(0, len(program), 8)]


def run_bpf(program: bytes, data: bytes) -> int:
    insns = decode(program)
    acc = 0
    pc = 0
    while True:
        assert 0 <= pc < len(insns), f"fell off the program at {pc}"
        code, jt, jf, k = insns[pc]
        pc += 1
        if code == 0x20:  # BPF_LD | BPF_W | BPF_ABS
            assert k % 4 == 0 and k + 4 <= len(data), f"bad load offset {k}"
            (acc,) = struct.unpack_from("=I", data, k)
        elif code == 0x15:  # BPF_JMP | BPF_JEQ | BPF_K
            pc += jt if acc == k else jf
        elif code == 0x35:  # BPF_JMP | BPF_JGE | BPF_K
            pc += jt if acc >= k else jf
        elif code == 0x45:  # BPF_JMP | BPF_JSET | BPF_K
            pc += jt if acc & k else jf
        elif code == 0x06:  # BPF_RET | BPF_K
            return k
        else:
            raise AssertionError(f"unexpected opcode {code:#x} at {pc - 1}")


def seccomp_data(nr: int, arch: int, args: Sequence[int] = ()) -> bytes:
    full = [*args, 0, 0, 0, 0, 0, 0][:6]
    return struct.pack("=iIQ6Q", nr, arch, 0x401000, *full)


def verdict(arch: str, syscall: str | int, *args: int, audit: int | None = None) -> int:
    nr = SYSCALL_NUMBERS[arch][syscall] if isinstance(syscall, str) else syscall
    data = seccomp_data(nr, AUDIT_ARCH[arch] if audit is None else audit, args)
    return run_bpf(build_filter(arch), data)


# --- structure -----------------------------------------------------------------------------------


@pytest.mark.parametrize("arch", ARCHES)
def test_program_shape(arch: str) -> None:
    program = build_filter(arch)
    assert len(program) % 8 == 0
    insns = decode(program)
    assert len(insns) <= 4096
    assert insns[0] == (0x20, 0, 0, 4)  # load seccomp_data.arch
    assert insns[1] == (0x15, 1, 0, AUDIT_ARCH[arch])
    assert insns[2] == (0x06, 0, 0, RET_KILL_PROCESS)
    assert insns[3] == (0x20, 0, 0, 0)  # load nr
    assert insns[-1] == (0x06, 0, 0, RET_ALLOW)
    for index, (code, jt, jf, _k) in enumerate(insns):
        if code & 0x07 == 0x05:  # every jump stays inside the program
            assert index + 1 + max(jt, jf) < len(insns)


def test_default_arch_is_the_running_machine() -> None:
    if platform.machine() not in ARCHES:
        pytest.skip(f"running on {platform.machine()}")
    assert build_filter() == build_filter(platform.machine())
    assert native_arch() == platform.machine()


def test_aliases() -> None:
    assert native_arch("amd64") == "x86_64"
    assert native_arch("ARM64") == "aarch64"
    assert build_filter("amd64") == build_filter("x86_64")


@pytest.mark.parametrize("arch", ["riscv64", "s390x", "i686", ""])
def test_unsupported_arch_is_refused(arch: str) -> None:
    with pytest.raises(SandboxUnavailableError, match="architecture"):
        build_filter(arch)
    with pytest.raises(SandboxUnavailableError):
        describe(arch)


def test_unsupported_running_machine_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("platform.machine", lambda: "ppc64le")
    with pytest.raises(SandboxUnavailableError, match="ppc64le"):
        build_filter()


def test_assembler_guards() -> None:
    asm = _seccomp._Assembler()
    asm.jump(0x15, 1, jt="far", jf=0)
    for _ in range(300):
        asm.ret(RET_ALLOW)
    asm.label("far")
    asm.ret(RET_ALLOW)
    with pytest.raises(ValueError, match="8 bits"):
        asm.assemble()

    asm = _seccomp._Assembler()
    for _ in range(4097):
        asm.ret(RET_ALLOW)
    with pytest.raises(ValueError, match="4096"):
        asm.assemble()


def test_describe_names_every_rule() -> None:
    text = "\n".join(describe("x86_64"))
    for name in DENIED_SYSCALLS:
        assert re.search(rf"\b{name}\b", text), name
    for word in ("AF_INET", "AF_INET6", "AF_PACKET", "CLONE_NEW", "clone3", "x32", "kill"):
        assert word in text
    assert "x32" not in "\n".join(describe("aarch64"))


# --- the syscall tables against the kernel headers ----------------------------------------------

HEADERS = {
    "x86_64": Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
    "aarch64": Path("/usr/include/asm-generic/unistd.h"),
}


@pytest.mark.parametrize("arch", ARCHES)
def test_syscall_numbers_match_kernel_headers(arch: str) -> None:
    header = HEADERS[arch]
    if not header.exists():
        pytest.skip(f"{header} is not installed (apt install linux-libc-dev)")
    found = {
        m[0]: int(m[1])
        for m in re.findall(r"^#define __NR(?:3264)?_(\w+)\s+(\d+)\s*$", header.read_text(), re.M)
    }
    table = SYSCALL_NUMBERS[arch]
    assert {name: found.get(name) for name in table} == dict(table)
    assert set(DENIED_SYSCALLS) | {"socket", "socketpair", "clone", "clone3"} <= set(table)


# --- the program's logic, run by the interpreter ------------------------------------------------


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("syscall", DENIED_SYSCALLS)
def test_denied_syscalls_fail_with_eperm(arch: str, syscall: str) -> None:
    assert verdict(arch, syscall) == RET_ERRNO | EPERM


@pytest.mark.parametrize("arch", ARCHES)
def test_socket_rules(arch: str) -> None:
    for call in ("socket", "socketpair"):
        for family in (2, 10, 17):  # AF_INET, AF_INET6, AF_PACKET
            assert verdict(arch, call, family, 1, 0) == RET_ERRNO | EACCES, (call, family)
            # garbage in the upper half of the register does not change the int the kernel sees
            assert verdict(arch, call, (0xDEAD << 32) | family, 1) == RET_ERRNO | EACCES
        for family in (1, 16, 0, 3, 40):  # AF_UNIX, AF_NETLINK, AF_UNSPEC, AF_AX25, AF_VSOCK
            assert verdict(arch, call, family, 1, 0) == RET_ALLOW, (call, family)


@pytest.mark.parametrize("arch", ARCHES)
def test_clone_rules(arch: str) -> None:
    sigchld = 17
    assert verdict(arch, "clone", CLONE_NEWUSER | sigchld) == RET_ERRNO | EPERM
    for flag in _seccomp.NAMESPACE_CLONE_FLAGS.values():
        assert verdict(arch, "clone", THREAD_FLAGS | flag) == RET_ERRNO | EPERM, hex(flag)
    assert verdict(arch, "clone", THREAD_FLAGS) == RET_ALLOW
    assert verdict(arch, "clone", sigchld) == RET_ALLOW  # fork()
    assert verdict(arch, "clone", 0x4111) == RET_ALLOW  # vfork(): CLONE_VM | CLONE_VFORK | SIGCHLD
    assert verdict(arch, "clone3") == RET_ERRNO | ENOSYS


@pytest.mark.parametrize("arch", ARCHES)
def test_ordinary_syscalls_are_allowed(arch: str) -> None:
    for syscall in ("read", "write", "openat", "personality"):
        assert verdict(arch, syscall, 3, 0, 0) == RET_ALLOW, syscall
    assert verdict(arch, 999) == RET_ALLOW  # unknown/new numbers fall through to the kernel


@pytest.mark.parametrize("arch", ARCHES)
def test_foreign_abi_is_killed(arch: str) -> None:
    i386 = 0x40000003
    other = AUDIT_ARCH["aarch64" if arch == "x86_64" else "x86_64"]
    for audit in (i386, other, 0):
        assert verdict(arch, "read", audit=audit) == RET_KILL_PROCESS
        # even a number that is harmless natively
        assert verdict(arch, 0, audit=audit) == RET_KILL_PROCESS


def test_x32_abi_is_refused() -> None:
    x32 = 0x40000000
    assert verdict("x86_64", x32 | 0) == RET_ERRNO | EPERM  # x32 read
    assert verdict("x86_64", x32 | 41, 2) == RET_ERRNO | EPERM  # x32 socket(AF_INET)
    assert verdict("x86_64", -1) == RET_ERRNO | EPERM


# --- for real, under bubblewrap -----------------------------------------------------------------

SYSTEM_PYTHON = "/usr/bin/python3"
UNPRIVILEGED_ID = 61099

# Runs inside the sandbox with the system python (stdlib only) and prints one JSON object.
PROBE = textwrap.dedent(
    """
    import ctypes, errno, json, os, socket, subprocess, sys, threading

    numbers = json.loads(sys.argv[1])
    denied = json.loads(sys.argv[2])
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    out = {}

    def errno_of(fn):
        try:
            fn()
        except OSError as exc:
            return exc.errno
        return 0

    def raw(nr, *args):
        ctypes.set_errno(0)
        rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
        return rc, ctypes.get_errno()

    out["inet"] = errno_of(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close())
    out["inet6"] = errno_of(lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close())
    out["packet"] = errno_of(lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close())
    out["inet_pair"] = errno_of(lambda: socket.socketpair(socket.AF_INET))

    a, b = socket.socketpair(socket.AF_UNIX)
    a.sendall(b"ping")
    out["unix_pair"] = b.recv(4).decode()
    u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    u.bind("\\0agentcore-seccomp-probe")
    u.close()
    out["unix"] = "ok"

    def in_child(fn):
        # A successful PTRACE_TRACEME (the unfiltered control run) would stop the process at its
        # next signal, so anything that may trace runs in a throwaway child.
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.write(w, json.dumps(fn()).encode())
            os._exit(0)
        os.close(w)
        with os.fdopen(r) as f:
            data = f.read()
        os.waitpid(pid, 0)
        return json.loads(data)

    out["unshare_user"] = raw(numbers["unshare"], 0x10000000)
    out["ptrace_traceme"] = in_child(lambda: raw(numbers["ptrace"], 0))
    out["mount"] = (libc.mount(b"none", b"/tmp", b"tmpfs", 0, None), ctypes.get_errno())
    out["keyctl"] = raw(numbers["keyctl"], 0, -3, 0)  # KEYCTL_GET_KEYRING_ID(session)
    out["denied"] = in_child(
        lambda: {name: raw(numbers[name], 0, 0, 0, 0, 0, 0) for name in denied}
    )

    rc, err = raw(numbers["clone"], 0x10000000 | 17, 0, 0, 0, 0)  # CLONE_NEWUSER | SIGCHLD
    if rc == 0:
        os._exit(0)
    if rc > 0:
        os.waitpid(rc, 0)
    out["clone_newuser"] = (rc, err)
    out["clone3"] = raw(numbers["clone3"], 0, 0)

    box = []
    t = threading.Thread(target=lambda: box.append("thread"))
    t.start()
    t.join()
    out["thread"] = box
    out["true"] = subprocess.run(["/bin/true"]).returncode
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    out["fork"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    with open("/proc/self/status") as f:
        out["seccomp"] = [l.split()[1] for l in f if l.startswith("Seccomp:")]
    out["uid"] = os.getuid()
    print(json.dumps(out))
    """
)

BWRAP_ARGS = [
    "--unshare-all",
    "--unshare-user",
    "--disable-userns",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--ro-bind",
    "/usr",
    "/usr",
    "--symlink",
    "usr/lib",
    "/lib",
    "--symlink",
    "usr/lib64",
    "/lib64",
    "--symlink",
    "usr/bin",
    "/bin",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
]


def _user_kwargs(unprivileged: bool) -> dict[str, Any]:
    if not unprivileged or os.geteuid() != 0:
        return {}  # not root: we already are an unprivileged user
    return {"user": UNPRIVILEGED_ID, "group": UNPRIVILEGED_ID, "extra_groups": []}


def _bwrap(
    command: list[str], *, program: bytes | None, unprivileged: bool
) -> subprocess.CompletedProcess[str]:
    bwrap = shutil.which("bwrap")
    assert bwrap is not None
    fds: tuple[int, ...] = ()
    extra: list[str] = []
    if program is not None:
        fd = os.memfd_create("agentcore-seccomp", 0)
        os.write(fd, program)
        os.lseek(fd, 0, os.SEEK_SET)
        fds = (fd,)
        extra = ["--seccomp", str(fd)]
    try:
        return subprocess.run(
            [bwrap, *BWRAP_ARGS, *extra, "--", *command],
            pass_fds=fds,
            capture_output=True,
            text=True,
            cwd="/",
            timeout=60,
            check=False,
            **_user_kwargs(unprivileged),
        )
    finally:
        for fd in fds:
            os.close(fd)


@pytest.fixture(scope="module")
def bwrap_works() -> None:
    if platform.system() != "Linux" or platform.machine() not in ARCHES:
        pytest.skip(f"the seccomp filter targets Linux x86_64/aarch64, not {platform.platform()}")
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (apt install bubblewrap)")
    if not Path(SYSTEM_PYTHON).exists():
        pytest.skip(f"{SYSTEM_PYTHON} (a python reachable under /usr inside bwrap) is missing")
    probe = _bwrap([SYSTEM_PYTHON, "-c", "pass"], program=None, unprivileged=False)
    if probe.returncode != 0:
        pytest.skip(f"bwrap cannot create namespaces here: {probe.stderr.strip()}")


def _probe(*, program: bytes | None, unprivileged: bool) -> dict[str, Any]:
    arch = native_arch()
    argv = [
        SYSTEM_PYTHON,
        "-c",
        PROBE,
        json.dumps(dict(SYSCALL_NUMBERS[arch])),
        json.dumps(list(DENIED_SYSCALLS)),
    ]
    done = _bwrap(argv, program=program, unprivileged=unprivileged)
    if unprivileged and done.returncode != 0 and "namespace" in done.stderr:
        pytest.skip(f"unprivileged user namespaces are disabled here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.usefixtures("bwrap_works")
@pytest.mark.parametrize("unprivileged", [False, True], ids=["root", "uid61099"])
def test_filter_is_enforced_under_bwrap(unprivileged: bool) -> None:
    out = _probe(program=build_filter(), unprivileged=unprivileged)

    assert out["seccomp"] == ["2"]  # SECCOMP_MODE_FILTER
    if unprivileged and os.geteuid() == 0:
        assert out["uid"] == UNPRIVILEGED_ID
    # network families refused by the filter; local ones work
    assert out["inet"] == EACCES
    assert out["inet6"] == EACCES
    assert out["packet"] == EACCES
    assert out["inet_pair"] == EACCES
    assert out["unix_pair"] == "ping"
    assert out["unix"] == "ok"
    # the deny list, each called with zero arguments against the real kernel
    assert out["unshare_user"] == [-1, EPERM]
    assert out["ptrace_traceme"] == [-1, EPERM]
    assert out["mount"] == [-1, EPERM]
    assert out["keyctl"] == [-1, EPERM]
    assert out["denied"] == {name: [-1, EPERM] for name in DENIED_SYSCALLS}
    # namespaces through clone, clone3 hidden
    assert out["clone_newuser"] == [-1, EPERM]
    assert out["clone3"] == [-1, ENOSYS]
    # ordinary process life goes on: threads (clone without NEW flags), fork, fork+exec
    assert out["thread"] == ["thread"]
    assert out["fork"] == 7
    assert out["true"] == 0


@pytest.mark.usefixtures("bwrap_works")
def test_without_the_filter_the_same_calls_succeed() -> None:
    # The control: proves the assertions above measure the filter, not the namespaces.
    out = _probe(program=None, unprivileged=False)
    assert out["seccomp"] == ["0"]
    assert out["inet"] == 0
    assert out["inet6"] == 0
    assert out["ptrace_traceme"][0] == 0
    assert out["keyctl"][0] > 0
    assert out["denied"]["unshare"] == [0, 0]  # unshare(0) is a no-op the kernel allows
    assert sum(v != [-1, EPERM] for v in out["denied"].values()) > len(DENIED_SYSCALLS) // 2
    assert out["clone3"][1] != ENOSYS  # the kernel has clone3; only the filter hides it

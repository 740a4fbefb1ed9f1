"""A seccomp-BPF filter for bubblewrap's ``--seccomp FD``, assembled in pure Python.

bubblewrap reads a raw array of ``struct sock_filter {u16 code; u8 jt; u8 jf; u32 k;}`` in native
byte order from the fd and installs it (with ``no_new_privs``) right before it execs the command,
so the namespaces are already set up when the filter starts to bite. No libseccomp is needed.

The program, in order:

1. Any system call made through a foreign ABI (``seccomp_data.arch`` is not the native one) kills
   the process; on x86_64 the x32 ABI (``nr >= 0x40000000``) fails with ``EPERM``.
2. A deny list (ptrace, mount and the new mount API, bpf, keyrings, perf, namespaces, modules,
   kexec, io_uring, ...) fails with ``EPERM``.
3. ``socket``/``socketpair`` for ``AF_INET``, ``AF_INET6`` and ``AF_PACKET`` fail with ``EACCES``;
   ``AF_UNIX``, ``AF_NETLINK`` and the rest are allowed (the network namespace is empty anyway).
4. ``clone`` with any ``CLONE_NEW*`` flag fails with ``EPERM``; ``clone3`` fails with ``ENOSYS``
   (its flags sit behind a pointer seccomp cannot read; glibc then falls back to ``clone``).
5. Everything else is allowed.

Every deny is a self-contained ``JEQ nr`` / ``RET`` pair, so the 8-bit jump offsets stay tiny;
the small assembler below still checks every offset and the kernel's 4096-instruction limit.

Syscall numbers were taken from ``asm/unistd_64.h`` (x86_64) and ``asm-generic/unistd.h`` (the
table aarch64 uses); ``tests/sandbox/test_seccomp.py`` re-checks them against those headers when
they are installed.
"""

from __future__ import annotations

import functools
import operator
import platform
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from agentcore.errors import SandboxUnavailableError

__all__ = [
    "AUDIT_ARCH",
    "DENIED_SOCKET_FAMILIES",
    "DENIED_SYSCALLS",
    "NAMESPACE_CLONE_FLAGS",
    "SYSCALL_NUMBERS",
    "build_filter",
    "describe",
    "native_arch",
]

# --- classic BPF opcodes (linux/bpf_common.h) ---------------------------------------------------
_BPF_LD_W_ABS = 0x00 | 0x00 | 0x20  # BPF_LD | BPF_W | BPF_ABS
_BPF_JEQ_K = 0x05 | 0x10 | 0x00  # BPF_JMP | BPF_JEQ | BPF_K
_BPF_JGE_K = 0x05 | 0x30 | 0x00  # BPF_JMP | BPF_JGE | BPF_K
_BPF_JSET_K = 0x05 | 0x40 | 0x00  # BPF_JMP | BPF_JSET | BPF_K
_BPF_RET_K = 0x06 | 0x00  # BPF_RET | BPF_K
BPF_MAXINSNS = 4096

# --- seccomp (linux/seccomp.h) --------------------------------------------------------------------
SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

# struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
_OFF_NR = 0
_OFF_ARCH = 4
_OFF_ARG0_LO = 16  # low 32 bits of args[0] on a little-endian machine

# errno values are the generic ones on both supported architectures
EPERM = 1
EACCES = 13
ENOSYS = 38

AUDIT_ARCH: Mapping[str, int] = {
    "x86_64": 0xC000003E,  # EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
    "aarch64": 0xC00000B7,  # EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
}
_X32_SYSCALL_BIT = 0x40000000

_ARCH_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64"}

# Address families refused by socket()/socketpair() (linux/socket.h).
DENIED_SOCKET_FAMILIES: Mapping[str, int] = {"AF_INET": 2, "AF_INET6": 10, "AF_PACKET": 17}

# Every CLONE_NEW* namespace flag (linux/sched.h); CLONE_NEWTIME (0x80) is only valid in clone3
# and unshare, both of which are refused outright.
NAMESPACE_CLONE_FLAGS: Mapping[str, int] = {
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}
_NAMESPACE_MASK = functools.reduce(operator.or_, NAMESPACE_CLONE_FLAGS.values())


@dataclass(frozen=True, kw_only=True, slots=True)
class _DenyGroup:
    why: str
    syscalls: tuple[str, ...]


_DENY_GROUPS: tuple[_DenyGroup, ...] = (
    _DenyGroup(
        why="tracing or reading other processes' memory",
        syscalls=("ptrace", "process_vm_readv", "process_vm_writev"),
    ),
    _DenyGroup(
        why="mounting and changing the root",
        syscalls=(
            "mount",
            "umount2",
            "pivot_root",
            "chroot",
            "fsopen",
            "fsmount",
            "fsconfig",
            "move_mount",
            "open_tree",
            "fspick",
            "mount_setattr",
        ),
    ),
    _DenyGroup(why="creating or joining namespaces", syscalls=("unshare", "setns")),
    _DenyGroup(why="kernel keyrings", syscalls=("keyctl", "add_key", "request_key")),
    _DenyGroup(why="eBPF and perf events", syscalls=("bpf", "perf_event_open")),
    _DenyGroup(
        why="kernel modules, kexec and reboot",
        syscalls=(
            "init_module",
            "finit_module",
            "delete_module",
            "kexec_load",
            "kexec_file_load",
            "reboot",
        ),
    ),
    _DenyGroup(
        why="swap, process accounting and quotas",
        syscalls=("swapon", "swapoff", "acct", "quotactl"),
    ),
    _DenyGroup(
        why="file handles (open files by inode, bypassing path checks)",
        syscalls=("open_by_handle_at", "name_to_handle_at"),
    ),
    _DenyGroup(why="userfaultfd (a common exploit primitive)", syscalls=("userfaultfd",)),
    _DenyGroup(
        why="io_uring (its operations are not seen by seccomp)",
        syscalls=("io_uring_setup", "io_uring_enter", "io_uring_register"),
    ),
    _DenyGroup(why="kernel log and profiling", syscalls=("syslog", "lookup_dcookie")),
)

DENIED_SYSCALLS: tuple[str, ...] = tuple(name for g in _DENY_GROUPS for name in g.syscalls)

# Checked one by one against /usr/include/x86_64-linux-gnu/asm/unistd_64.h.
_X86_64: dict[str, int] = {
    "read": 0,
    "write": 1,
    "socket": 41,
    "socketpair": 53,
    "clone": 56,
    "ptrace": 101,
    "syslog": 103,
    "personality": 135,
    "pivot_root": 155,
    "chroot": 161,
    "acct": 163,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "lookup_dcookie": 212,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "openat": 257,
    "unshare": 272,
    "perf_event_open": 298,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "clone3": 435,
    "mount_setattr": 442,
}

# Checked one by one against /usr/include/asm-generic/unistd.h (arm64 uses the generic table,
# with __ARCH_WANT_SYS_CLONE3 defined).
_AARCH64: dict[str, int] = {
    "lookup_dcookie": 18,
    "umount2": 39,
    "mount": 40,
    "pivot_root": 41,
    "chroot": 51,
    "openat": 56,
    "quotactl": 60,
    "read": 63,
    "write": 64,
    "acct": 89,
    "personality": 92,
    "unshare": 97,
    "kexec_load": 104,
    "init_module": 105,
    "delete_module": 106,
    "syslog": 116,
    "ptrace": 117,
    "reboot": 142,
    "socket": 198,
    "socketpair": 199,
    "add_key": 217,
    "request_key": 218,
    "keyctl": 219,
    "clone": 220,
    "swapon": 224,
    "swapoff": 225,
    "perf_event_open": 241,
    "name_to_handle_at": 264,
    "open_by_handle_at": 265,
    "setns": 268,
    "process_vm_readv": 270,
    "process_vm_writev": 271,
    "finit_module": 273,
    "bpf": 280,
    "userfaultfd": 282,
    "kexec_file_load": 294,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "clone3": 435,
    "mount_setattr": 442,
}

SYSCALL_NUMBERS: Mapping[str, Mapping[str, int]] = {"x86_64": _X86_64, "aarch64": _AARCH64}


def native_arch(arch: str | None = None) -> str:
    """Return the canonical architecture name for ``arch`` (default: this machine).

    Args:
        arch: An architecture name such as ``x86_64``, ``amd64``, ``aarch64`` or ``arm64``;
            ``None`` means the running machine.

    Returns:
        ``"x86_64"`` or ``"aarch64"``.

    Raises:
        SandboxUnavailableError: The architecture is not supported by the filter.

    """
    raw = platform.machine() if arch is None else arch
    name = _ARCH_ALIASES.get(raw.lower(), raw.lower())
    if name not in AUDIT_ARCH:
        supported = ", ".join(sorted(AUDIT_ARCH))
        raise SandboxUnavailableError(
            f"the local sandbox's seccomp filter does not support the {raw or 'unknown'!r} "
            f"architecture (supported: {supported})",
            hint="run on a supported machine, or set sandbox.backend to 'e2b'",
        )
    return name


class _Assembler:
    """Collects instructions with symbolic jump targets and resolves them to 8-bit offsets."""

    def __init__(self) -> None:
        self._insns: list[tuple[int, int | str, int | str, int]] = []
        self._labels: dict[str, int] = {}

    def label(self, name: str) -> None:
        if name in self._labels:
            raise ValueError(f"duplicate BPF label {name!r}")
        self._labels[name] = len(self._insns)

    def load(self, offset: int) -> None:
        self._insns.append((_BPF_LD_W_ABS, 0, 0, offset))

    def jump(self, code: int, k: int, *, jt: int | str = 0, jf: int | str = 0) -> None:
        self._insns.append((code, jt, jf, k))

    def ret(self, value: int) -> None:
        self._insns.append((_BPF_RET_K, 0, 0, value))

    def _offset(self, index: int, target: int | str) -> int:
        off = target if isinstance(target, int) else self._labels[target] - index - 1
        if not 0 <= off <= 0xFF:
            raise ValueError(f"BPF jump offset {off} at instruction {index} does not fit 8 bits")
        return off

    def assemble(self) -> bytes:
        if len(self._insns) > BPF_MAXINSNS:
            raise ValueError(
                f"seccomp program has {len(self._insns)} instructions (max {BPF_MAXINSNS})"
            )
        out = bytearray()
        for i, (code, jt, jf, k) in enumerate(self._insns):
            out += struct.pack("=HBBI", code, self._offset(i, jt), self._offset(i, jf), k)
        return bytes(out)


def _errno(err: int) -> int:
    return SECCOMP_RET_ERRNO | err


def build_filter(arch: str | None = None) -> bytes:
    """Assemble the sandbox's seccomp-BPF program for bubblewrap's ``--seccomp FD``.

    Args:
        arch: ``x86_64`` or ``aarch64`` (aliases ``amd64``/``arm64`` accepted); ``None`` means
            the running machine.

    Returns:
        The raw ``struct sock_filter`` array in native byte order (8 bytes per instruction).

    Raises:
        SandboxUnavailableError: The architecture is not supported.

    """
    name = native_arch(arch)
    nr = SYSCALL_NUMBERS[name]
    asm = _Assembler()

    # 1. Refuse foreign ABIs: their syscall numbers mean different things.
    asm.load(_OFF_ARCH)
    asm.jump(_BPF_JEQ_K, AUDIT_ARCH[name], jt=1, jf=0)
    asm.ret(SECCOMP_RET_KILL_PROCESS)
    asm.load(_OFF_NR)
    if name == "x86_64":
        asm.jump(_BPF_JGE_K, _X32_SYSCALL_BIT, jt=0, jf=1)
        asm.ret(_errno(EPERM))

    # 2. The deny list: one JEQ/RET pair per syscall keeps every jump at most 1.
    for syscall in DENIED_SYSCALLS:
        asm.jump(_BPF_JEQ_K, nr[syscall], jt=0, jf=1)
        asm.ret(_errno(EPERM))
    asm.jump(_BPF_JEQ_K, nr["clone3"], jt=0, jf=1)
    asm.ret(_errno(ENOSYS))

    # 3. socket()/socketpair(): the family is args[0]. The accumulator is overwritten, so the
    # block ends in RETs (nothing after it needs nr).
    asm.jump(_BPF_JEQ_K, nr["socket"], jt="socket", jf=0)
    asm.jump(_BPF_JEQ_K, nr["socketpair"], jt="socket", jf="clone")
    asm.label("socket")
    asm.load(_OFF_ARG0_LO)
    for family in DENIED_SOCKET_FAMILIES.values():
        asm.jump(_BPF_JEQ_K, family, jt="socket_denied", jf=0)
    asm.ret(SECCOMP_RET_ALLOW)
    asm.label("socket_denied")
    asm.ret(_errno(EACCES))

    # 4. clone(): flags are args[0] on both architectures; every CLONE_NEW* bit is in the low word.
    asm.label("clone")
    asm.jump(_BPF_JEQ_K, nr["clone"], jt=0, jf="allow")
    asm.load(_OFF_ARG0_LO)
    asm.jump(_BPF_JSET_K, _NAMESPACE_MASK, jt=0, jf="allow")
    asm.ret(_errno(EPERM))

    # 5. Everything else.
    asm.label("allow")
    asm.ret(SECCOMP_RET_ALLOW)
    return asm.assemble()


def describe(arch: str | None = None) -> list[str]:
    """Say, one line per rule, what the filter blocks (for ``agentcore doctor`` and the docs).

    Args:
        arch: As for :func:`build_filter`; ``None`` means the running machine.

    Returns:
        Human-readable lines, most general rule first.

    Raises:
        SandboxUnavailableError: The architecture is not supported.

    """
    name = native_arch(arch)
    abi = f"system calls from any ABI other than native {name} kill the process"
    if name == "x86_64":
        abi += "; x32 system calls fail with EPERM"
    families = ", ".join(DENIED_SOCKET_FAMILIES)
    lines = [abi]
    lines += [f"{g.why} (EPERM): {', '.join(g.syscalls)}" for g in _DENY_GROUPS]
    lines += [
        f"network sockets: socket/socketpair with {families} fail with EACCES "
        "(AF_UNIX, AF_NETLINK and other local families are allowed)",
        "new namespaces: clone with any CLONE_NEW* flag fails with EPERM",
        "clone3 fails with ENOSYS (its flags cannot be inspected; libc falls back to clone)",
        "every other system call is allowed",
    ]
    return lines

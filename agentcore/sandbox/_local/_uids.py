"""One unprivileged host uid per sandbox (when agentcore runs as root).

A uid is leased by holding an exclusive ``flock`` on ``<lock_dir>/<uid>.lock`` for the
sandbox's lifetime, so concurrent processes never share one. Releasing kills anything still
running as that uid: nothing a sandbox started outlives it.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from agentcore.errors import SandboxError

RANGE = 1000
_PR_SET_CHILD_SUBREAPER = 36


@dataclass(kw_only=True, slots=True)
class UidLease:
    """A uid (and gid of the same number) held by one sandbox."""

    uid: int
    gid: int
    fd: int | None  # the lock file descriptor; None when not root (the user's own uid)

    def release(self) -> None:
        """Kill the uid's leftover processes, then give the uid back."""
        if self.fd is None:
            return
        kill_uid_processes(self.uid)
        os.close(self.fd)
        self.fd = None


def lease_uid(base: int, lock_dir: Path) -> UidLease:
    """Lease a free uid in ``[base, base + 1000)``; as a normal user, the user's own uid.

    Raises:
        SandboxError: If every uid in the range is in use.
    """
    if os.geteuid() != 0:
        return UidLease(uid=os.getuid(), gid=os.getgid(), fd=None)
    lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    start = os.getpid() % RANGE  # spread concurrent processes over the range
    for i in range(RANGE):
        uid = base + (start + i) % RANGE
        fd = os.open(lock_dir / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        if uid_processes(uid):  # a crashed holder left something running: clean up first
            kill_uid_processes(uid)
        return UidLease(uid=uid, gid=uid, fd=fd)
    raise SandboxError(f"all {RANGE} sandbox uids from {base} are in use")


def uid_processes(uid: int, *, zombies: bool = False) -> list[int]:
    """Pids of processes whose real uid is ``uid`` (zombies left out unless asked for)."""
    return [pid for pid, state in _scan(uid) if zombies or state != "Z"]


def _scan(uid: int) -> list[tuple[int, str]]:
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="ascii") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            found.append((int(entry.name), fields.get("State", "?").split()[0]))
    return found


def become_subreaper() -> None:
    """Make orphaned sandbox processes this process's children, so it can reap them.

    Without it they are reparented to pid 1, which in a container often reaps nothing:
    killed sandboxes would stay as zombies, still counted against their uid's process limit.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def kill_uid_processes(uid: int) -> None:
    """SIGKILL every process running as ``uid`` and reap those that were ours.

    Never call it for uid 0 or your own uid.
    """
    if uid in (0, os.getuid()):
        return
    for _ in range(50):  # a fork loop may spawn while we kill: repeat until quiet
        live = uid_processes(uid)
        for pid in live:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in uid_processes(uid, zombies=True):
            with contextlib.suppress(ChildProcessError):  # not our child: pid 1 reaps it
                os.waitpid(pid, os.WNOHANG)
        if not live:
            return
        time.sleep(0.01)

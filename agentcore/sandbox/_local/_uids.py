"""One unprivileged host uid per workspace's sandboxes (when agentcore runs as root).

Sandboxes on the same workspace share its uid (they all write there); sandboxes on different
workspaces never share one, across processes too. Per uid, ``<uid>.users`` is share-locked by
every sandbox holding it, ``<uid>.key`` names the workspace, and ``<uid>.lock`` is a short
mutex for leasing and releasing. When the last sandbox lets go, anything still running as the
uid is killed: nothing a sandbox started outlives it.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from agentcore.errors import SandboxError

RANGE = 1000
_PR_SET_CHILD_SUBREAPER = 36


@dataclass(kw_only=True, slots=True)
class UidLease:
    """A uid (and gid of the same number) held by the sandboxes of one workspace."""

    uid: int
    gid: int
    users_fd: int | None  # shared lock held while the lease lives; None when not root
    lock_dir: Path | None = None

    @property
    def fd(self) -> int | None:
        """The descriptor that keeps the lease (None for a normal user's own uid)."""
        return self.users_fd

    def release(self) -> None:
        """Give the uid back; the last sandbox of the workspace kills what the uid still runs."""
        if self.users_fd is None or self.lock_dir is None:
            return
        with _mutex(self.lock_dir, self.uid):
            os.close(self.users_fd)
            self.users_fd = None
            if not _in_use(self.lock_dir, self.uid):
                kill_uid_processes(self.uid)
                (self.lock_dir / f"{self.uid}.key").unlink(missing_ok=True)


def lease_uid(base: int, lock_dir: Path, key: str) -> UidLease:
    """Lease the uid of workspace ``key``: the one its running sandboxes use, else a free one.

    Every sandbox on one workspace shares one uid, so all of them can write there (a workspace
    is handed to its uid). As a normal user, the lease is the user's own uid.

    Raises:
        SandboxError: If every uid in ``[base, base + 1000)`` is in use.
    """
    if os.geteuid() != 0:
        return UidLease(uid=os.getuid(), gid=os.getgid(), users_fd=None)
    lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for key_file in lock_dir.glob("*.key"):  # join the workspace's running sandboxes
        uid = int(key_file.stem)
        with _mutex(lock_dir, uid):
            if _read_key(lock_dir, uid) == key and _in_use(lock_dir, uid):
                return _join(lock_dir, uid)
    start = os.getpid() % RANGE  # spread concurrent processes over the range
    for i in range(RANGE):
        uid = base + (start + i) % RANGE
        with _mutex(lock_dir, uid):
            if _in_use(lock_dir, uid):
                continue
            if uid_processes(uid):  # a crashed holder left something running
                kill_uid_processes(uid)
            (lock_dir / f"{uid}.key").write_text(key, encoding="utf-8")
            return _join(lock_dir, uid)
    raise SandboxError(f"all {RANGE} sandbox uids from {base} are in use")


@contextlib.contextmanager
def _mutex(lock_dir: Path, uid: int) -> Iterator[None]:
    fd = os.open(lock_dir / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _users_fd(lock_dir: Path, uid: int) -> int:
    return os.open(lock_dir / f"{uid}.users", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def _in_use(lock_dir: Path, uid: int) -> bool:
    """Whether any sandbox holds the uid (call holding the uid's mutex)."""
    fd = _users_fd(lock_dir, uid)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _join(lock_dir: Path, uid: int) -> UidLease:
    fd = _users_fd(lock_dir, uid)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return UidLease(uid=uid, gid=uid, users_fd=fd, lock_dir=lock_dir)


def _read_key(lock_dir: Path, uid: int) -> str | None:
    try:
        return (lock_dir / f"{uid}.key").read_text(encoding="utf-8")
    except OSError:
        return None


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

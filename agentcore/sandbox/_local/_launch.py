"""Build the command line that starts one process inside a local sandbox.

As root, the pipeline is::

    unshare --mount sh -c 'mount --bind SRC STAGE ...; exec setpriv --reuid=UID ... \\
        prlimit --as=... -- bwrap --unshare-all --unshare-user --disable-userns ... CMD'

The private mount namespace lets sources that the sandbox's unprivileged uid cannot reach (the
Python install under ``/root``, a workspace in a 0700 directory) be bind-mounted onto staging
points it can reach; those mounts exist only in that namespace. ``setpriv`` then drops to the
sandbox's own uid with no capabilities and ``no_new_privs``, ``prlimit`` sets the rlimits, and
bubblewrap (running unprivileged) builds the sandbox: every namespace unshared, nested user
namespaces disabled, all capabilities dropped, the seccomp filter loaded.

As a normal user the pipeline is just ``prlimit ... bwrap ...``: the user's own uid is already
unprivileged and can reach its own files.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SANDBOX_HOME = "/workspace"
WORKER_PATH = "/opt/agentcore/worker.py"
MiB = 1024 * 1024


@dataclass(kw_only=True, slots=True, frozen=True)
class Bind:
    """A host path shown inside the sandbox."""

    source: Path
    dest: str
    writable: bool = False


@dataclass(kw_only=True, slots=True, frozen=True)
class Limits:
    """rlimits for every process in the sandbox."""

    memory_mb: int
    cpu_s: int
    max_file_mb: int
    max_processes: int
    tmpfs_mb: int


@dataclass(kw_only=True, slots=True)
class LaunchSpec:
    """Everything needed to start a process in one sandbox."""

    uid: int
    gid: int
    binds: Sequence[Bind]
    limits: Limits
    env: Mapping[str, str]
    stage_dir: Path
    seccomp_fd: int
    data_fds: Mapping[str, int] = field(default_factory=dict)  # dest path -> fd (--ro-bind-data)
    as_root: bool = field(default_factory=lambda: os.geteuid() == 0)

    def fds(self) -> tuple[int, ...]:
        """The descriptors the launched process must inherit."""
        return (self.seccomp_fd, *self.data_fds.values())

    def close_fds(self) -> None:
        """Close this launch's descriptors in the parent once the child has them."""
        for fd in self.fds():
            os.close(fd)


def reachable(path: Path, uid: int, gid: int) -> bool:
    """Whether ``uid`` (not the owner of the ancestors, in no group) can traverse to ``path``."""
    if os.geteuid() != 0:
        return True  # a normal user runs bwrap as itself
    current = Path("/")
    for part in path.resolve().parts[1:]:
        st = current.stat()
        if st.st_uid == uid:
            ok = bool(st.st_mode & 0o100)
        elif st.st_gid == gid:
            ok = bool(st.st_mode & 0o010)
        else:
            ok = bool(st.st_mode & 0o001)
        if not ok:
            return False
        current = current / part
    return True


def _bwrap_args(spec: LaunchSpec, sources: Mapping[Path, str], cwd: str) -> list[str]:
    args = [
        "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--uid",
        str(spec.uid),
        "--gid",
        str(spec.gid),
        "--hostname",
        "sandbox",
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
        "--symlink",
        "usr/sbin",
        "/sbin",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(spec.limits.tmpfs_mb * MiB),
        "--tmpfs",
        "/tmp",
        "--dir",
        "/etc",
    ]
    for etc in ("/etc/localtime", "/etc/fonts", "/etc/ld.so.cache", "/etc/mime.types"):
        if os.path.exists(etc):
            args += ["--ro-bind", etc, etc]
    for dest, fd in spec.data_fds.items():
        args += ["--ro-bind-data", str(fd), dest]
    for bind in spec.binds:
        args += ["--bind" if bind.writable else "--ro-bind", sources[bind.source], bind.dest]
    # Everything but /workspace and the private /tmp is read-only, the root tmpfs included.
    args += ["--remount-ro", "/"]
    args += ["--seccomp", str(spec.seccomp_fd), "--chdir", cwd, "--clearenv"]
    for key, value in spec.env.items():
        args += ["--setenv", key, value]
    return args


def build_argv(spec: LaunchSpec, command: Sequence[str], *, cwd: str = SANDBOX_HOME) -> list[str]:
    """The full argv that runs ``command`` inside the sandbox described by ``spec``."""
    lim = spec.limits
    prlimit = [
        "prlimit",
        f"--as={lim.memory_mb * MiB}",
        f"--cpu={lim.cpu_s}",
        f"--fsize={lim.max_file_mb * MiB}",
        f"--nproc={lim.max_processes}",
        "--core=0",
        "--",
    ]
    if not spec.as_root:
        sources = {b.source: str(b.source) for b in spec.binds}
        return [*prlimit, *_bwrap_args(spec, sources, cwd), *command]

    # As root: stage what the sandbox uid cannot reach, in a private mount namespace.
    sources = {}
    mounts = []
    for i, bind in enumerate(spec.binds):
        if reachable(bind.source, spec.uid, spec.gid):
            sources[bind.source] = str(bind.source)
            continue
        stage = spec.stage_dir / f"m{i}"
        stage.mkdir(mode=0o711, exist_ok=True)
        sources[bind.source] = str(stage)
        flags = "--bind" if bind.writable else "--bind -o ro"
        mounts.append(f"mount {flags} {shlex.quote(str(bind.source))} {shlex.quote(str(stage))}")
    drop = [
        "setpriv",
        f"--reuid={spec.uid}",
        f"--regid={spec.gid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]
    tail = shlex.join([*drop, *prlimit, *_bwrap_args(spec, sources, cwd), *command])
    script = "set -e\n" + "\n".join(mounts) + f"\nexec {tail}\n"
    return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script]

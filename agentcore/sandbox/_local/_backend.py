"""The ``local`` backend: bubblewrap + seccomp + an unprivileged uid + rlimits, on this machine."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from agentcore.errors import SandboxError, SandboxUnavailableError, UserError
from agentcore.sandbox._base import OutputHandler, Sandbox
from agentcore.sandbox._local._interp import Interpreter, Interpreters, Watchdog
from agentcore.sandbox._local._launch import (
    SANDBOX_HOME,
    WORKER_PATH,
    Bind,
    LaunchSpec,
    Limits,
    build_argv,
)
from agentcore.sandbox._local._uids import UidLease, become_subreaper, lease_uid, uid_processes
from agentcore.sandbox._types import CommandResult, Context, Execution

if TYPE_CHECKING:
    from agentcore.config import SandboxSettings, Settings

_WORKER_SOURCE = Path(__file__).with_name("worker_main.py")
INSTALL_HINT = "install bubblewrap: sudo apt-get install bubblewrap (or run: make install)"
_RUNTIME_DIR = Path(os.environ.get("XDG_RUNTIME_DIR") or "/run") / "agentcore"


def check_available() -> None:
    """Raise ``SandboxUnavailableError`` saying how to fix it when bwrap cannot run here."""
    for tool in ("bwrap", "prlimit") + (("unshare", "setpriv") if os.geteuid() == 0 else ()):
        if shutil.which(tool) is None:
            hint = INSTALL_HINT if tool == "bwrap" else "install util-linux"
            raise SandboxUnavailableError(
                f"the local sandbox needs '{tool}', which is not installed", hint=hint
            )


@cache
def _seccomp_program() -> bytes:
    from agentcore.sandbox._local._seccomp import build_filter

    return build_filter()


def _memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name, 0)  # inheritable only through pass_fds
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _runtime_binds(venv: Path, base: Path) -> list[Bind]:
    """The interpreter, read-only at the paths the venv's symlinks point to."""
    binds = [Bind(source=base, dest=str(base))]
    if venv != base:
        binds.append(Bind(source=venv, dest=str(venv)))
    binds.append(Bind(source=_WORKER_SOURCE, dest=WORKER_PATH))
    return binds


def sandbox_env(venv: Path, envs: Mapping[str, str]) -> dict[str, str]:
    """The environment code sees: nothing from the host but what is listed here."""
    return {
        "PATH": f"{venv}/bin:/usr/local/bin:/usr/bin:/bin",
        "HOME": SANDBOX_HOME,
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "XDG_CACHE_HOME": "/tmp/.cache",  # keep font and tool caches out of the workspace
        "XDG_CONFIG_HOME": "/tmp/.config",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTHONUNBUFFERED": "1",
        **envs,
    }


class LocalSandbox(Sandbox):
    """Runs code on this machine inside bubblewrap, as its own unprivileged user, with no network.

    Each code context is a persistent interpreter in its own sandbox (its own PID namespace);
    all contexts and ``commands.run`` share the workspace, mounted read-write at ``/workspace``,
    and the sandbox's uid. Nothing else on the host is writable, the network does not exist
    (a private network namespace, and inet sockets refused by seccomp), and every process is
    limited by rlimits. When agentcore runs as root, each sandbox gets its own host uid; as a
    normal user, sandboxes run as that user, still inside all the namespaces.
    """

    backend_name = "local"

    def __init__(
        self,
        *,
        settings: SandboxSettings,
        workspace: Path,
        own_workspace: bool,
        lease: UidLease,
        envs: dict[str, str],
        timeout: float,
    ) -> None:
        self._settings = settings
        self.workspace = workspace
        self._own_workspace = own_workspace
        self._lease = lease
        self._envs = envs
        self._interps = Interpreters()
        self._stage = Path(tempfile.mkdtemp(prefix="stage-", dir=_ensure_runtime_dir()))
        os.chmod(self._stage, 0o711)
        self._passwd = f"sandbox:x:{lease.uid}:{lease.gid}:sandbox:{SANDBOX_HOME}:/bin/sh\n"
        self._group = f"sandbox:x:{lease.gid}:\n"
        super().__init__(timeout=timeout)

    # --- creation ---------------------------------------------------------------------------

    @classmethod
    def _start(
        cls,
        *,
        timeout: float,
        envs: dict[str, str],
        allow_internet_access: bool,
        workspace: Path | None,
        settings: Settings,
    ) -> Sandbox:
        if allow_internet_access:
            raise UserError(
                "the local sandbox has no network access",
                hint='use [sandbox] backend = "e2b" for code that needs the internet',
            )
        check_available()
        become_subreaper()
        cfg = settings.sandbox
        if workspace is None and not envs and cfg.pool_size > 0:
            from agentcore.sandbox._local._pool import _IDLE_LIFETIME_S, pool_for

            def start_pooled() -> LocalSandbox:
                return cls._start_cold(
                    timeout=_IDLE_LIFETIME_S, envs={}, workspace=None, settings=settings
                )

            pooled = pool_for(cfg, start_pooled).take(timeout)
            if pooled is not None:
                return pooled
        return cls._start_cold(timeout=timeout, envs=envs, workspace=workspace, settings=settings)

    @classmethod
    def _start_cold(
        cls, *, timeout: float, envs: dict[str, str], workspace: Path | None, settings: Settings
    ) -> LocalSandbox:
        cfg = settings.sandbox
        own = workspace is None
        ws = _private_workspace() if workspace is None else workspace.resolve()
        ws.mkdir(parents=True, exist_ok=True)
        lease = lease_uid(cfg.uid_base, _ensure_runtime_dir() / "uids", key=str(ws))
        try:
            _hand_over(ws, lease)
            return cls(
                settings=cfg,
                workspace=ws,
                own_workspace=own,
                lease=lease,
                envs=envs,
                timeout=timeout,
            )
        except BaseException:
            lease.release()
            raise

    # --- the three backend methods ----------------------------------------------------------

    def _execute(
        self,
        code: str,
        context: Context,
        *,
        envs: Mapping[str, str],
        timeout: float,
        on_stdout: OutputHandler | None,
        on_stderr: OutputHandler | None,
    ) -> Execution:
        interp = self._interpreter(context.id)
        return interp.execute(
            code,
            envs=envs,
            timeout=timeout,
            on_stdout=on_stdout,
            on_stderr=on_stderr,
            watchdog=self._disk_watchdog(),
            output_limit=self._settings.output_limit_kb * 1024,
        )

    def _command(
        self,
        cmd: str,
        *,
        cwd: str | None,
        envs: Mapping[str, str],
        timeout: float,
        stdin: bytes | None = None,
    ) -> CommandResult:
        spec = self._spec(envs)
        limit = self._settings.output_limit_kb * 1024
        try:
            proc = subprocess.Popen(
                build_argv(spec, ["/bin/sh", "-c", cmd], cwd=cwd or SANDBOX_HOME),
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=spec.fds(),
                start_new_session=True,
            )
        finally:
            spec.close_fds()
        try:
            out, err = proc.communicate(stdin, timeout=timeout)
            error = None
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            error = f"timed out after {timeout:g} s"
        code = -9 if error else proc.returncode
        return CommandResult(
            stdout=_cap(out, limit), stderr=_cap(err, limit), exit_code=code, error=error
        )

    def kill(self) -> None:
        """Stop every interpreter, kill whatever the sandbox's uid still runs, clean up."""
        with self._interps.lock:
            if self._killed:
                return
            self._mark_killed()
            interps = self._interps.take_all()
        for interp in interps:
            interp.kill()
        self._lease.release()
        shutil.rmtree(self._stage, ignore_errors=True)
        if self._own_workspace:
            shutil.rmtree(self.workspace, ignore_errors=True)

    def _drop_context(self, context_id: str) -> None:
        self._interps.drop(context_id)

    # --- internals --------------------------------------------------------------------------

    def _spec(self, envs: Mapping[str, str]) -> LaunchSpec:
        import sys

        cfg = self._settings
        nproc = cfg.max_processes
        if self._lease.fd is None:  # not root: the limit counts all of the user's processes
            nproc += len(uid_processes(os.getuid()))
        venv, base = Path(sys.prefix), Path(sys.base_prefix)
        return LaunchSpec(
            uid=self._lease.uid,
            gid=self._lease.gid,
            binds=[
                *_runtime_binds(venv, base),
                Bind(source=self.workspace, dest=SANDBOX_HOME, writable=True),
            ],
            limits=Limits(
                memory_mb=cfg.memory_mb,
                cpu_s=cfg.cpu_s,
                max_file_mb=cfg.max_file_mb,
                max_processes=nproc,
                tmpfs_mb=cfg.tmpfs_mb,
            ),
            env=sandbox_env(venv, {**self._envs, **envs}),
            stage_dir=self._stage,
            # Fresh descriptors for every process: a passed fd shares its file offset, so
            # two launches reading one memfd would see a half-read filter.
            seccomp_fd=_memfd("agentcore-seccomp", _seccomp_program()),
            data_fds={
                "/etc/passwd": _memfd("passwd", self._passwd.encode()),
                "/etc/group": _memfd("group", self._group.encode()),
            },
        )

    def _interpreter(self, context_id: str) -> Interpreter:
        return self._interps.get(context_id, self._start_worker, self._check_alive)

    def _start_worker(self) -> Interpreter:
        import sys

        limit = str(self._settings.output_limit_kb * 1024)
        worker = [f"{sys.prefix}/bin/python", "-I", WORKER_PATH, "--output-limit", limit]
        spec = self._spec({})
        try:
            return Interpreter.start(
                build_argv(spec, worker), env={}, cwd=None, pass_fds=spec.fds()
            )
        finally:
            spec.close_fds()

    def _disk_watchdog(self) -> Watchdog:
        quota = self._settings.workspace_quota_mb * 1024 * 1024
        start = _free_bytes(self.workspace)

        def check() -> str | None:
            used = start - _free_bytes(self.workspace)
            if used > quota:
                return (
                    f"the workspace grew by {used // (1024 * 1024)} MB during this execution, "
                    f"over the {quota // (1024 * 1024)} MB quota"
                )
            return None

        return check


def _free_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def _ensure_runtime_dir() -> Path:
    path = (
        _RUNTIME_DIR
        if os.geteuid() == 0
        else Path(tempfile.gettempdir()) / f"agentcore-{os.getuid()}"
    )
    path.mkdir(parents=True, exist_ok=True, mode=0o711)
    return path


def _private_workspace() -> Path:
    return Path(tempfile.mkdtemp(prefix="ws-", dir=_ensure_runtime_dir()))


def _hand_over(workspace: Path, lease: UidLease) -> None:
    """As root, give the workspace to the sandbox's uid so code in it can write there."""
    if lease.fd is None:
        return
    for root, dirs, files in os.walk(workspace):
        for name in (*dirs, *files):
            os.lchown(os.path.join(root, name), lease.uid, lease.gid)
    os.chown(workspace, lease.uid, lease.gid)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _cap(data: bytes, limit: int) -> str:
    text = data[:limit].decode("utf-8", errors="replace")
    if len(data) > limit:
        text += f"\n[output truncated: {len(data) - limit} bytes dropped]"
    return text


__all__ = ["INSTALL_HINT", "LocalSandbox", "SandboxError", "check_available"]

"""What isolation the configured sandbox backend gives, in words (for ``agentcore doctor``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Literal


@dataclass(kw_only=True, slots=True, frozen=True)
class Isolation:
    """The isolation level of a backend on this machine.

    Attributes:
        level: ``strong`` (local sandbox), ``remote`` (a cloud VM), ``none`` (unsafe) or
            ``unavailable`` (the backend cannot run here).
        detail: One line saying what that means, or how to fix it.
    """

    level: Literal["strong", "remote", "none", "unavailable"]
    detail: str


def describe_isolation(backend: str) -> Isolation:
    """Describe the isolation ``backend`` gives here, without starting a sandbox."""
    if backend == "unsafe-subprocess":
        return Isolation(
            level="none",
            detail="unsafe-subprocess: code runs on the host with your rights and network",
        )
    if backend == "e2b":
        key = "set" if os.environ.get("E2B_API_KEY") else "NOT set (export E2B_API_KEY)"
        return Isolation(level="remote", detail=f"E2B cloud sandbox; E2B_API_KEY {key}")
    if backend != "local":
        return Isolation(level="remote", detail=f"plugin backend '{backend}'")
    from agentcore.errors import SandboxUnavailableError
    from agentcore.sandbox._local._backend import check_available
    from agentcore.sandbox._local._seccomp import DENIED_SYSCALLS

    try:
        check_available()
    except SandboxUnavailableError as exc:
        return Isolation(level="unavailable", detail=f"{exc.message}; {exc.hint}")
    bwrap = shutil.which("bwrap") or "bwrap"
    version = subprocess.run(
        [bwrap, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    who = "a separate unprivileged uid per sandbox" if os.geteuid() == 0 else "your own uid"
    return Isolation(
        level="strong",
        detail=(
            f"{version or 'bubblewrap'}: all namespaces, no network, seccomp "
            f"({len(DENIED_SYSCALLS)} syscalls and inet sockets refused), {who}, rlimits"
        ),
    )

"""A warm pool: sandboxes started ahead of time, so ``Sandbox.create()`` returns at once.

Only sandboxes with a private workspace and no custom environment are pooled (a workspace is
bind-mounted when the sandbox starts, so it cannot be swapped in later). The pool refills in a
background thread and is emptied at interpreter exit.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentcore.config import SandboxSettings
    from agentcore.sandbox._local._backend import LocalSandbox

# A pooled sandbox waits at most this long; take() then gives it the caller's timeout.
_IDLE_LIFETIME_S = 3600.0


class WarmPool:
    """Keeps up to ``size`` started sandboxes for one set of sandbox settings."""

    def __init__(self, size: int, start: Callable[[], LocalSandbox]) -> None:
        self._size = size
        self._start = start
        self._ready: list[LocalSandbox] = []
        self._lock = threading.Lock()
        self._filling = False

    def take(self, timeout: float) -> LocalSandbox | None:
        """A ready sandbox (its lifetime reset to ``timeout``), or None if none is ready."""
        with self._lock:
            while self._ready:
                sbx = self._ready.pop()
                if sbx.is_running():
                    break
            else:
                sbx = None
        self.refill()
        if sbx is not None:
            sbx.set_timeout(timeout)
        return sbx

    def refill(self) -> None:
        """Top the pool up in the background (one filler thread at a time)."""
        with self._lock:
            if self._filling or len(self._ready) >= self._size:
                return
            self._filling = True
        threading.Thread(target=self._fill, name="agentcore-sandbox-pool", daemon=True).start()

    def _fill(self) -> None:
        try:
            while True:
                with self._lock:
                    if len(self._ready) >= self._size:
                        return
                sbx = self._start()
                sbx.run_code("None")  # start the default context's interpreter now
                with self._lock:
                    self._ready.append(sbx)
        except Exception:  # a pool that cannot fill just stays empty; create() starts cold
            return
        finally:
            with self._lock:
                self._filling = False

    def close(self) -> None:
        """Kill every pooled sandbox."""
        with self._lock:
            ready, self._ready = self._ready, []
        for sbx in ready:
            sbx.kill()


_pools: dict[SandboxSettings, WarmPool] = {}
_pools_lock = threading.Lock()


def pool_for(settings: SandboxSettings, start: Callable[[], LocalSandbox]) -> WarmPool:
    """The pool for these settings, created on first use."""
    with _pools_lock:
        if settings not in _pools:
            if not _pools:
                atexit.register(close_pools)
            _pools[settings] = WarmPool(settings.pool_size, start)
        return _pools[settings]


def close_pools() -> None:
    """Kill all pooled sandboxes (at exit, and in tests)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


__all__ = ["WarmPool", "close_pools", "pool_for"]

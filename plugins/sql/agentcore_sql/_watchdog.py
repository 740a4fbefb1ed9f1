"""A watchdog that interrupts DuckDB queries which overrun their time limit."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator


class Expiry:
    """Whether a watched call ran out of time."""

    __slots__ = ("fired",)

    def __init__(self) -> None:
        self.fired = False


class Watchdog:
    """Interrupts calls that overrun their deadline, from one background thread."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._armed: dict[int, tuple[Expiry, Callable[[], None]]] = {}
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def deadline(self, seconds: float, on_expiry: Callable[[], None]) -> Iterator[Expiry]:
        """Call ``on_expiry`` if the ``with`` block is still running after ``seconds``."""
        expiry = Expiry()
        ident = next(self._ids)
        with self._cond:
            self._armed[ident] = (expiry, on_expiry)
            heapq.heappush(self._heap, (time.monotonic() + seconds, ident))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="agentcore-sql-watchdog", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        try:
            yield expiry
        finally:
            with self._cond:  # after this, on_expiry will not run
                self._armed.pop(ident, None)

    def _loop(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._armed:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                due, ident = self._heap[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                self._fire(*self._armed.pop(ident))

    @staticmethod
    def _fire(expiry: Expiry, on_expiry: Callable[[], None]) -> None:
        # A function of its own, so that the waiting loop keeps no reference to the session.
        expiry.fired = True
        with contextlib.suppress(Exception):
            on_expiry()


WATCHDOG = Watchdog()

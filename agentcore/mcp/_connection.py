"""Connections to MCP servers: started on first use, shared within a run, closed at its end.

A connection is owned by one asyncio task, which enters the MCP SDK's client (and its
transport: a child process for stdio, an HTTP client for streamable HTTP) and leaves it again:
the SDK's task groups must be left by the task that entered them, while tool calls come from
whichever task runs the agent's step. Calls go through the shared ``Client``; ``close()``
tells the owner to leave, which stops a stdio server (its stdin closes, then it is terminated).

Connections live on one background event loop (a daemon thread) of their own, not on the
loop of the run that uses them: a run's loop is torn down when ``asyncio.run`` returns, which
would cancel the owners half-way through stopping their servers. Callers await
:func:`on_background`, so a cancelled call is cancelled there too.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import re
import threading
from collections.abc import Coroutine, Mapping
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from agentcore.errors import MCPServerError, MissingDependencyError
from agentcore.mcp._config import MCPServerConfig
from agentcore.mcp._names import display_name

if TYPE_CHECKING:
    from mcp import Client
    from mcp.types import CallToolResult, Tool

    from agentcore.tools import ToolContext

__all__ = [
    "Connection",
    "RunConnections",
    "connections_for",
    "describe",
    "on_background",
    "require_sdk",
    "run_background",
]

T = TypeVar("T")

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Leaving a stdio connection waits for the server to exit (the SDK terminates it after ~2 s).
_CLOSE_WAIT_S = 10.0
_STDERR_TAIL_LINES = 4
_STDERR_TAIL_CHARS = 600
_MAX_PAGES = 50


def require_sdk() -> None:
    """Raise ``MissingDependencyError`` (install ``agentcore[mcp]``) if the SDK is missing."""
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise MissingDependencyError("mcp", "mcp") from None


def expand_vars(
    server: str, field: str, values: Mapping[str, str], environ: Mapping[str, str]
) -> dict[str, str]:
    """``values`` with every ``${VAR}`` replaced from ``environ``; a missing one is an error."""

    def one(key: str, value: str) -> str:
        def sub(match: re.Match[str]) -> str:
            var = match.group(1)
            if var not in environ:
                raise MCPServerError(
                    server,
                    f"MCP server '{server}': {field}.{key} uses ${{{var}}}, which is not set "
                    "in the environment",
                )
            return environ[var]

        return _VAR.sub(sub, value)

    return {key: one(key, value) for key, value in values.items()}


def log_file(data_dir: Path, server: str) -> Path:
    """Where a stdio server's stderr goes: ``<data_dir>/mcp/<server>.log``."""
    return data_dir / "mcp" / f"{server}.log"


def describe(exc: BaseException) -> str:
    """One line about ``exc``: exception groups are unwrapped to their first real error."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"command not found: {exc.filename}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}" + (f": {exc.filename}" if exc.filename else "")
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_connection_closed(exc: BaseException) -> bool:
    from mcp.shared.exceptions import MCPError
    from mcp.types import CONNECTION_CLOSED

    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED


class Connection:
    """One open connection to one MCP server.

    Args:
        config: The server.
        data_dir: agentcore's data directory (a stdio server's stderr is logged under it).
        environ: Where ``${VAR}`` in ``env`` and ``headers`` is looked up (default: os.environ).
    """

    def __init__(
        self,
        config: MCPServerConfig,
        *,
        data_dir: Path,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.log_path = log_file(data_dir, config.name)
        self._environ = os.environ if environ is None else environ
        self._client: Client | None = None
        self._closing = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._log_offset = 0
        self._broken = False

    @property
    def alive(self) -> bool:
        """Open, and not closed or broken by a crash."""
        return self._client is not None and not self._broken and not self._closing.is_set()

    async def open(self) -> None:
        """Start the server (stdio) or connect to it (HTTP) and complete the MCP handshake.

        Raises:
            MCPServerError: It did not start, refused the connection, or did not finish the
                handshake within ``connect_timeout_s``; the message names the server and
                ends with the last lines it wrote to stderr.
        """
        require_sdk()
        name, timeout = self.config.name, self.config.connect_timeout_s
        started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._own(started), name=f"agentcore-mcp:{name}")
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(started)
        except TimeoutError:
            self._task.cancel()
            raise MCPServerError(
                name,
                f"MCP server '{name}' did not start within {timeout:g} s "
                f"(connect_timeout_s){self._stderr_tail()}",
            ) from None
        except MCPServerError:
            raise
        except Exception as exc:
            why = (
                "it closed the connection before the MCP handshake (did the program exit?)"
                if _is_connection_closed(exc)
                else describe(exc)
            )
            raise MCPServerError(
                name, f"MCP server '{name}' failed to start: {why}{self._stderr_tail()}"
            ) from None
        except BaseException:  # cancelled while starting: do not leave the server behind
            self._task.cancel()
            raise

    async def _own(self, started: asyncio.Future[None]) -> None:
        """Enter the client, wait for ``close()``, leave it: all in this one task."""
        try:
            async with AsyncExitStack() as stack:
                self._client = await self._enter(stack)
                if not started.done():
                    started.set_result(None)
                await self._closing.wait()
        except asyncio.CancelledError:
            if not started.done():
                started.cancel()
            raise
        except BaseException as exc:
            if not started.done():
                started.set_exception(exc)
            elif not isinstance(exc, Exception):
                raise
            # After the start, an error leaving the connection is not worth more than this.
        finally:
            self._client = None

    async def _enter(self, stack: AsyncExitStack) -> Client:
        from mcp import Client, StdioServerParameters
        from mcp.client.stdio import stdio_client
        from mcp.types import Implementation

        from agentcore import __version__

        cfg = self.config
        transport: Any
        if cfg.kind == "stdio":
            env = expand_vars(cfg.name, "env", cfg.env, self._environ)
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            errlog = stack.enter_context(self.log_path.open("a", encoding="utf-8"))
            self._log_offset = errlog.tell()
            params = StdioServerParameters(
                command=cfg.command or "",
                args=list(cfg.args),
                env=env or None,
                cwd=cfg.cwd,
            )
            transport = stdio_client(params, errlog=errlog)
        else:
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            headers = expand_vars(cfg.name, "headers", cfg.headers, self._environ)
            # The read timeout bounds a response stream; calls are bounded by call_timeout_s.
            timeout = httpx2.Timeout(cfg.connect_timeout_s, read=max(300.0, cfg.call_timeout_s))
            http = await stack.enter_async_context(
                httpx2.AsyncClient(headers=headers, timeout=timeout)
            )
            transport = streamable_http_client(cfg.url or "", http_client=http)
        client = Client(
            transport,
            client_info=Implementation(name="agentcore", version=__version__),
            read_timeout_seconds=cfg.connect_timeout_s,
        )
        return await stack.enter_async_context(client)

    def _stderr_tail(self) -> str:
        """The last lines a stdio server wrote to stderr since this connection started."""
        if self.config.kind != "stdio":
            return ""
        try:
            with self.log_path.open(encoding="utf-8", errors="replace") as fh:
                fh.seek(self._log_offset)
                text = fh.read()
        except OSError:
            return ""
        lines = [ln for ln in text.strip().splitlines() if ln.strip()][-_STDERR_TAIL_LINES:]
        if not lines:
            return ""
        tail = " | ".join(ln.strip() for ln in lines)[-_STDERR_TAIL_CHARS:]
        return f"; its stderr ends: {tail} (full log: {self.log_path})"

    def _require(self) -> Client:
        if self._client is None or self._broken or self._closing.is_set():
            raise MCPServerError(
                self.config.name, f"the connection to MCP server '{self.config.name}' is closed"
            )
        return self._client

    async def list_tools(self) -> list[Tool]:
        """Every tool the server offers (all pages)."""
        client = self._require()
        tools: list[Tool] = []
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            try:
                page = await client.list_tools(cursor=cursor)
            except Exception as exc:
                raise MCPServerError(
                    self.config.name,
                    f"MCP server '{self.config.name}' could not list its tools: "
                    f"{describe(exc)}{self._stderr_tail()}",
                ) from None
            tools.extend(page.tools)
            cursor = page.next_cursor
            if cursor is None:
                break
        return tools

    async def call_tool(self, tool: str, args: dict[str, Any]) -> CallToolResult:
        """Call the server's ``tool`` with ``args``, within ``call_timeout_s``.

        Raises:
            MCPServerError: The call timed out, the server closed the connection (crashed),
                or refused the request (e.g. an unknown tool); the message says which.
        """
        from mcp.shared.exceptions import MCPError
        from mcp.types import REQUEST_TIMEOUT

        client = self._require()
        cfg = self.config
        who = display_name(cfg.name, tool)
        try:
            return await client.call_tool(tool, args, read_timeout_seconds=cfg.call_timeout_s)
        except MCPError as exc:
            if exc.code == REQUEST_TIMEOUT:
                raise MCPServerError(
                    cfg.name,
                    f"{who} did not answer within {cfg.call_timeout_s:g} s (call_timeout_s of "
                    f"MCP server '{cfg.name}'); the call was abandoned",
                ) from None
            if not _is_connection_closed(exc):
                raise MCPServerError(cfg.name, f"{who} failed: {exc.message}") from None
            cause: BaseException = exc
        except Exception as exc:  # transport failures: a dead HTTP server, a broken pipe
            cause = exc
        self._broken = True
        self.close()
        raise MCPServerError(
            cfg.name,
            f"MCP server '{cfg.name}' closed the connection during the call to {who} "
            f"({describe(cause)}): it may have crashed; the next call starts it "
            f"again{self._stderr_tail()}",
        )

    def close(self) -> None:
        """Ask the owner task to leave the connection; returns at once."""
        self._closing.set()

    async def aclose(self) -> None:
        """Leave the connection and wait until it is left (the stdio server has exited)."""
        self.close()
        if self._task is not None and not self._task.done():
            # wait() neither raises what the task raised nor cancels it when we are cancelled
            done, _ = await asyncio.wait({self._task}, timeout=_CLOSE_WAIT_S)
            if not done:
                self._task.cancel()


class RunConnections:
    """The connections of one run: one per server, opened on first use, then reused."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._open: dict[str, Connection] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, config: MCPServerConfig) -> Connection:
        """The open connection to ``config``'s server, started now if there is none.

        A connection a crash broke is replaced by a new one.

        Raises:
            MCPServerError: The server could not be started or reached.
        """
        lock = self._locks.setdefault(config.name, asyncio.Lock())
        async with lock:  # parallel steps calling the same server start it once
            conn = self._open.get(config.name)
            if conn is None or not conn.alive or conn.config != config:
                if conn is not None:
                    conn.close()
                conn = Connection(config, data_dir=self.data_dir)
                await conn.open()
                self._open[config.name] = conn
            return conn

    async def call(
        self, config: MCPServerConfig, tool: str, args: dict[str, Any]
    ) -> CallToolResult:
        """Call ``tool`` on ``config``'s server, connecting first if needed."""
        conn = await self.get(config)
        return await conn.call_tool(tool, args)

    def close(self) -> None:
        """Close every connection (they finish closing in the background)."""
        for conn in self._open.values():
            conn.close()
        self._open.clear()

    async def aclose(self) -> None:
        """Close every connection and wait until they are closed."""
        conns = list(self._open.values())
        self._open.clear()
        await asyncio.gather(*(c.aclose() for c in conns))


_LOOP: asyncio.AbstractEventLoop | None = None
_LOOP_LOCK = threading.Lock()
_RUNS: dict[str, RunConnections] = {}


def _background() -> asyncio.AbstractEventLoop:
    """The event loop connections live on, started on first use."""
    global _LOOP
    with _LOOP_LOCK:
        if _LOOP is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="agentcore-mcp", daemon=True).start()
            atexit.register(_close_all)
            _LOOP = loop
        return _LOOP


async def on_background(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on the connections' loop and wait for it from the caller's loop."""
    loop = _background()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        return await coro
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))


def run_background(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run ``coro`` on the connections' loop and block until it is done (sync callers)."""
    return asyncio.run_coroutine_threadsafe(coro, _background()).result(timeout)


def _close_all() -> None:
    with _LOOP_LOCK:
        pools = list(_RUNS.values())
        _RUNS.clear()
    if pools and _LOOP is not None and _LOOP.is_running():
        with contextlib.suppress(Exception):  # exiting anyway; the servers see EOF on stdin
            run_background(_aclose_pools(pools), timeout=_CLOSE_WAIT_S)


async def _aclose_pools(pools: list[RunConnections]) -> None:
    await asyncio.gather(*(p.aclose() for p in pools))


def connections_for(ctx: ToolContext) -> RunConnections:
    """The connections of the run ``ctx`` belongs to; closed when the run ends.

    The first call in a run registers their closing with ``ctx.defer``, which the run calls
    however it ends (completed, failed, cancelled). Use the result through
    :func:`on_background`.
    """
    with _LOOP_LOCK:
        pool = _RUNS.get(ctx.run_id)
        if pool is not None:
            return pool
        pool = RunConnections(ctx.data_dir)
        _RUNS[ctx.run_id] = pool

    def close() -> None:
        with _LOOP_LOCK:
            if _RUNS.get(ctx.run_id) is pool:
                del _RUNS[ctx.run_id]
        # Wait until the servers are stopped: the run is over, and a process that exits
        # next must not leave them behind.
        with contextlib.suppress(Exception):  # a server that would not stop: the OS's now
            run_background(pool.aclose(), timeout=_CLOSE_WAIT_S + 5)

    ctx.defer(close)
    return pool

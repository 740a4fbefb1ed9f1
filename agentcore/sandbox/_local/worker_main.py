"""The interpreter that runs inside a sandbox: JSON lines in on stdin, JSON lines out on stdout.

Standard library only. It is started as ``python [-I] worker.py [--output-limit BYTES]`` and
never imports agentcore: inside the local sandbox it is bind-mounted alone. The host side is
:mod:`agentcore.sandbox._local._interp`.

Host -> worker, one JSON object per line::

    {"op": "exec", "id": N, "code": "...", "envs": {...}}   queued; run one at a time
    {"op": "interrupt", "id": N}                              SIGINT to the running code, at once
                                                              (also if exec N has not started)
    {"op": "shutdown"}                                        exit now

Worker -> host::

    {"type": "ready", "pid": ..., "python": "3.11.7"}         once, at start
    {"type": "stdout" | "stderr", "text": "..."}             as user code writes (capped)
    {"type": "result", "text": ..., "png": ..., "is_main_result": bool}
    {"type": "error", "name": ..., "value": ..., "traceback": ...}
    {"type": "done", "id": N, "execution_count": K}           last message of an execution

File descriptors 1 and 2 are pipes read by two forwarding threads, so output written by C code
and child processes is captured too. Before ``done`` the worker writes a random sentinel into
each pipe and waits until its forwarder has seen it: every byte written during the execution
is sent before ``done``.
"""

from __future__ import annotations

import ast
import base64
import builtins
import codecs
import contextlib
import faulthandler
import io
import json
import linecache
import os
import queue
import signal
import sys
import threading
import traceback
import types
import warnings
from collections.abc import Iterator
from traceback import TracebackException
from typing import Any, NoReturn, TextIO

DEFAULT_OUTPUT_LIMIT = 1024 * 1024
_CO_COROUTINE = 0x0080  # inspect.CO_COROUTINE, without importing inspect
_SENTINEL_WAIT_S = 5.0
# Looked up as _repr_<format>_ methods, as IPython does.
_RICH_FORMATS = ("html", "markdown", "svg", "png", "jpeg", "pdf", "latex", "json", "javascript")
_BINARY_FORMATS = ("png", "jpeg", "pdf")
_exit = os._exit  # the real one: user code gets a version that forwards its output first


def _high_fd(fd: int) -> int:
    """A close-on-exec duplicate of ``fd`` far above the numbers user code gets from ``open``."""
    import fcntl
    import resource

    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    floor = 10 if soft == resource.RLIM_INFINITY else max(10, min(1000, soft - 32))
    try:
        return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, floor)
    except OSError:
        return os.dup(fd)


class Channel:
    """The protocol channel (the worker's original stdout), shared by several threads."""

    def __init__(self, fd: int, diag_fd: int) -> None:
        self._fd = fd
        self._diag_fd = diag_fd
        self._pid = os.getpid()
        self._lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        if os.getpid() != self._pid:  # a fork of the worker (os.fork in user code) stays quiet
            return
        data = (json.dumps(message) + "\n").encode()
        with self._lock:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self._fd, view) :]
            except OSError:  # the host is gone, or user code closed the channel
                with contextlib.suppress(OSError):
                    os.write(self._diag_fd, b"worker: the protocol channel is closed\n")
                _exit(70)


class Forwarder:
    """Reads one redirected descriptor (1 or 2) and forwards it as stdout/stderr messages."""

    def __init__(
        self, channel: Channel, stream: str, read_fd: int, limit: int, diag: TextIO
    ) -> None:
        self.stream = stream
        self.sentinel: bytes | None = None
        self.seen = threading.Event()
        self.dropped = 0
        self._channel = channel
        self._diag = diag
        self._fd = read_fd
        self._limit = limit
        self._sent = 0
        self._pending = b""
        self._lock = threading.Lock()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        threading.Thread(target=self._run, name=f"forward-{stream}", daemon=True).start()

    def reset(self) -> None:
        """Start a new execution's byte budget."""
        with self._lock:
            self._sent = self.dropped = 0

    def _run(self) -> None:
        while True:
            try:
                data = os.read(self._fd, 65536)
            except OSError:
                return
            if not data:
                return
            try:
                self._feed(data)
            except Exception:  # never let the forwarder die: the execution would hang
                traceback.print_exc(file=self._diag)

    def _feed(self, data: bytes) -> None:
        buf, self._pending = self._pending + data, b""
        sentinel = self.sentinel
        if sentinel is not None:
            at = buf.find(sentinel)
            if at >= 0:
                self._emit(buf[:at], final=True)
                self.sentinel = None
                self.seen.set()
                self._emit(buf[at + len(sentinel) :])  # already the next execution's output
                return
            keep = _prefix_overlap(buf, sentinel)
            if keep:
                buf, self._pending = buf[:-keep], buf[-keep:]
        self._emit(buf)

    def _emit(self, data: bytes, final: bool = False) -> None:
        with self._lock:
            room = max(0, self._limit - self._sent)
            if len(data) > room:
                self.dropped += len(data) - room
                data = data[:room]
            self._sent += len(data)
        text = self._decoder.decode(data, final)
        if final:
            self._decoder.reset()
        if text:
            self._channel.send({"type": self.stream, "text": text})


def _prefix_overlap(buf: bytes, sentinel: bytes) -> int:
    """The length of the longest end of ``buf`` that starts ``sentinel``."""
    for k in range(min(len(sentinel) - 1, len(buf)), 0, -1):
        if buf.endswith(sentinel[:k]):
            return k
    return 0


def _text_stream(fd: int) -> TextIO:
    return open(fd, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False)


class Worker:
    """One persistent Python namespace, driven by the protocol."""

    def __init__(self, output_limit: int) -> None:
        self.pid = os.getpid()
        self.count = 0
        self.executing = False
        self._deferred = False  # SIGINT that came while a protocol message was being written
        self.current: Any = None  # the id of the exec being handled
        self._interrupt_for: Any = None  # an interrupt that came before its exec started
        self._loop: Any = None
        self._inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        # The protocol keeps the original stdin/stdout; user code gets /dev/null and pipes.
        self._in_fd = _high_fd(0)
        diag_fd = _high_fd(2)
        self.channel = Channel(_high_fd(1), diag_fd)
        self._diag = _text_stream(diag_fd)
        faulthandler.enable(file=self._diag, all_threads=True)
        self._devnull = os.open(os.devnull, os.O_RDONLY)
        self._forwarders: list[Forwarder] = []
        self._write_fds: list[int] = []
        for fd, stream in ((1, "stdout"), (2, "stderr")):
            read_fd, write_fd = os.pipe()
            self._write_fds.append(_high_fd(write_fd))
            os.dup2(write_fd, fd)
            os.close(write_fd)
            forwarder = Forwarder(self.channel, stream, read_fd, output_limit, self._diag)
            self._forwarders.append(forwarder)
        self._stdout = _text_stream(1)
        self._stderr = _text_stream(2)
        # User code runs as __main__ (pickle and multiprocessing look classes up there).
        main = types.ModuleType("__main__")
        main.__dict__["__builtins__"] = builtins
        sys.modules["__main__"] = main
        self.ns = main.__dict__
        builtins.display = self.display  # type: ignore[attr-defined]
        self.ns["display"] = self.display
        os._exit = self._exit_after_flush
        self._restore_streams()

    # --- protocol ---------------------------------------------------------------------------

    def serve(self) -> None:
        signal.signal(signal.SIGINT, self._on_sigint)
        threading.Thread(target=self._read_commands, name="commands", daemon=True).start()
        self.channel.send(
            {"type": "ready", "pid": self.pid, "python": ".".join(map(str, sys.version_info[:3]))}
        )
        while True:
            try:
                message = self._inbox.get()
                self.handle(message)
            except BaseException as exc:  # an interrupt that landed outside user code
                self._diag.write(f"worker: {type(exc).__name__} outside user code\n")

    def _read_commands(self) -> None:
        with open(self._in_fd, "rb") as commands:
            for line in commands:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                op = message.get("op") if isinstance(message, dict) else None
                if op == "exec":
                    self._inbox.put(message)
                elif op == "interrupt":
                    self._interrupt_for = message.get("id")
                    os.kill(self.pid, signal.SIGINT)
                elif op == "shutdown":
                    break
        _exit(0)  # shutdown, or the host closed the channel

    def _exit_after_flush(self, status: int) -> NoReturn:
        """``os._exit`` for user code: what it printed before still reaches the host."""
        if os.getpid() == self.pid:  # not in a fork: it has no forwarders
            with contextlib.suppress(BaseException):
                self._flush()
        _exit(status)

    def _on_sigint(self, signum: int, frame: types.FrameType | None) -> None:
        if self.executing:
            raise KeyboardInterrupt
        self._deferred = True

    @contextlib.contextmanager
    def _unbroken(self) -> Iterator[None]:
        """Write a message from user code's time without an interrupt cutting it in half."""
        was, self.executing = self.executing, False
        try:
            yield
        finally:
            self.executing = was
        if was and self._deferred:
            self._deferred = False
            raise KeyboardInterrupt

    def handle(self, message: dict[str, Any]) -> None:
        """Run one ``exec`` message, then report everything and send ``done``."""
        self.count += 1
        self.current = message.get("id")
        self._deferred = False
        envs = message.get("envs") or {}
        saved = {key: os.environ.get(key) for key in envs}
        try:
            os.environ.update({str(k): str(v) for k, v in envs.items()})
            self._restore_streams()
            for forwarder in self._forwarders:
                forwarder.reset()
            error = self._user(self._run, str(message.get("code", "")))
            figure_error = self._user(self._capture_figures)
            error = error or figure_error
            if os.getpid() != self.pid:  # a fork of the worker finished a cell: it must end
                _exit(0)
            if error is not None:
                self.channel.send(_error_message(error))
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            self._flush()
            self.channel.send(
                {"type": "done", "id": message.get("id"), "execution_count": self.count}
            )

    def _user(self, fn: Any, *args: Any) -> BaseException | None:
        """Call ``fn`` with interrupts enabled; return what it raised."""
        self.executing = True
        try:
            if self.current is not None and self._interrupt_for == self.current:
                raise KeyboardInterrupt
            fn(*args)
            return None
        except BaseException as exc:
            return exc
        finally:
            self.executing = False

    def _restore_streams(self) -> None:
        """Undo what the last cell did to stdin/stdout/stderr (closed, replaced, redirected)."""
        for fd, source in ((1, self._write_fds[0]), (2, self._write_fds[1]), (0, self._devnull)):
            with contextlib.suppress(OSError):
                os.dup2(source, fd)
        if self._stdout.closed:
            self._stdout = _text_stream(1)
        if self._stderr.closed:
            self._stderr = _text_stream(2)
        sys.stdout, sys.stderr = self._stdout, self._stderr
        # Libraries that write to sys.__stdout__ get the same line-buffered streams.
        vars(sys).update(__stdout__=self._stdout, __stderr__=self._stderr)
        try:
            ok = sys.stdin is not None and not sys.stdin.closed and sys.stdin.fileno() == 0
        except Exception:
            ok = False
        if not ok:
            sys.stdin = open(0, closefd=False)  # noqa: SIM115
            vars(sys)["__stdin__"] = sys.stdin

    def _flush(self) -> None:
        """Forward everything written so far, then note what the output cap dropped."""
        for stream in (sys.stdout, sys.stderr, self._stdout, self._stderr):
            try:
                stream.flush()
            except Exception:  # None, closed, or a user's object
                continue
        token = b"\x00\x1bagentcore-end-" + os.urandom(12).hex().encode() + b"\x00"
        for forwarder, write_fd in zip(self._forwarders, self._write_fds, strict=True):
            forwarder.seen.clear()
            forwarder.sentinel = token
            try:
                os.write(write_fd, token)
            except OSError:
                forwarder.sentinel = None
                continue
            forwarder.seen.wait(_SENTINEL_WAIT_S)
        dropped = sum(f.dropped for f in self._forwarders)
        if dropped:
            self.channel.send(
                {"type": "stderr", "text": f"[output truncated: {dropped} bytes dropped]\n"}
            )

    # --- running code -----------------------------------------------------------------------

    def _run(self, code: str) -> None:
        cell = f"<cell-{self.count}>"
        linecache.cache[cell] = (len(code), None, code.splitlines(True), cell)
        tree = ast.parse(code, filename=cell)
        last = None
        if tree.body and isinstance(final := tree.body[-1], ast.Expr):
            tree.body.pop()
            last = ast.Expression(final.value)
        flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        self._eval(compile(tree, cell, "exec", flags=flags, dont_inherit=True))
        if last is not None:
            value = self._eval(compile(last, cell, "eval", flags=flags, dont_inherit=True))
            if value is not None:
                self._send_result(value, main=True)

    def _eval(self, code: types.CodeType) -> Any:
        value = eval(code, self.ns)
        if code.co_flags & _CO_COROUTINE:  # top-level await
            if self._loop is None:
                import asyncio

                self._loop = asyncio.new_event_loop()
            value = self._loop.run_until_complete(value)
        return value

    def display(self, *objs: Any, **_: Any) -> None:
        """Show objects as rich results (``display(df)``), as in a notebook."""
        for obj in objs:
            self._send_result(obj, main=False)

    def _send_result(self, obj: Any, *, main: bool) -> None:
        formats = rich_formats(obj)
        with self._unbroken():
            self.channel.send({"type": "result", **formats, "is_main_result": main})

    def _capture_figures(self) -> None:
        """Send each open matplotlib figure as a PNG result, then close them all."""
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is None:
            return
        try:
            numbers = list(plt.get_fignums())
        except Exception:
            return
        try:
            for number in numbers:
                figure = plt.figure(number)
                png, text = _figure_png(figure), repr(figure)
                with self._unbroken():
                    message = {"type": "result", "png": png, "text": text}
                    self.channel.send({**message, "is_main_result": False})
        finally:
            plt.close("all")


def rich_formats(obj: Any) -> dict[str, Any]:
    """``text`` (the repr) plus every format the object's ``_repr_*_`` methods offer."""
    formats: dict[str, Any] = {"text": _safe_repr(obj)}
    if _is_figure(obj):
        formats["png"] = _figure_png(obj)
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            plt.close(obj)
        return formats
    for fmt in _RICH_FORMATS:
        try:
            method = getattr(obj, f"_repr_{fmt}_", None)
            value = method() if callable(method) else None
        except Exception:  # a broken _repr_ must not fail the execution
            continue
        if isinstance(value, tuple) and len(value) == 2:  # (data, metadata)
            value = value[0]
        if fmt in _BINARY_FORMATS and isinstance(value, bytes | bytearray):
            formats[fmt] = base64.b64encode(value).decode("ascii")
        elif fmt == "json" and isinstance(value, dict):
            try:
                json.dumps(value)
            except (TypeError, ValueError):
                continue
            formats[fmt] = value
        elif fmt != "json" and isinstance(value, str):
            formats[fmt] = value
    return formats


def _safe_repr(obj: Any) -> str:
    try:
        return repr(obj)
    except Exception as exc:
        return f"<{type(obj).__name__} object: repr() failed: {type(exc).__name__}>"


def _is_figure(obj: Any) -> bool:
    return type(obj).__module__.startswith("matplotlib.figure") and hasattr(obj, "savefig")


def _figure_png(figure: Any) -> str:
    buf = io.BytesIO()
    figure.savefig(buf, format="png", bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _error_message(exc: BaseException) -> dict[str, Any]:
    """The error message for ``exc``, its traceback trimmed to the user's code."""
    tb = exc.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith("<cell-"):
        tb = tb.tb_next
    try:
        report = traceback.TracebackException(type(exc), exc, tb)
        here = os.path.abspath(__file__)
        chained: TracebackException | None = report
        while chained is not None:  # the worker's own frames (display, the SIGINT handler)
            frames = [f for f in chained.stack if os.path.abspath(f.filename) != here]
            chained.stack = traceback.StackSummary.from_list(frames)
            chained = chained.__cause__ or chained.__context__
        text = "".join(report.format())
    except Exception:
        text = f"{type(exc).__name__}\n"
    try:
        value = str(exc)
    except Exception:
        value = "<str() failed>"
    return {"type": "error", "name": type(exc).__name__, "value": value, "traceback": text}


def _output_limit(argv: list[str]) -> int:
    limit = os.environ.pop("AGENTCORE_OUTPUT_LIMIT", "")
    if "--output-limit" in argv[:-1]:
        limit = argv[argv.index("--output-limit") + 1]
    try:
        return max(0, int(limit)) if limit else DEFAULT_OUTPUT_LIMIT
    except ValueError:
        return DEFAULT_OUTPUT_LIMIT


def main(argv: list[str] | None = None) -> None:
    """Start the worker and serve the protocol until shutdown."""
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("MPLBACKEND", "Agg")
    warnings.filterwarnings("ignore", message=r".*non-interactive, and thus cannot be shown")
    # Like the REPL: the working directory is importable, the worker's own directory is not.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != here]
    sys.path.insert(0, "")
    sys.argv = [""]
    Worker(_output_limit(args)).serve()


if __name__ == "__main__":
    main()

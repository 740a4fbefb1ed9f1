"""FaultyHTTPServer: a loopback server that answers like a model provider, faults included.

Point a real provider SDK at it (``OPENAI_BASE_URL``, ``ANTHROPIC_BASE_URL`` or an
``openai-compatible:MODEL@URL`` spec) and queue what it should answer: a JSON body, a stream
of server-sent events, an HTTP error with headers, or a fault (a connection reset, a request
that never gets an answer, a stream cut off part way). Every request is recorded, and every
fault served is counted, so a test can say how many faults it injected and survived.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal

__all__ = ["PROVIDER_ENV", "FaultyHTTPServer", "HTTPFault", "HTTPReply", "ReceivedRequest"]

PROVIDER_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "OPENAI_COMPATIBLE_API_KEY",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_API_URL",
    "ANTHROPIC_AUTH_TOKEN",
    "LANGSMITH_GATEWAY",
    "LANGSMITH_GATEWAY_API_KEY",
    "LANGSMITH_TRACING",
    "LANGCHAIN_TRACING_V2",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
"""Variables that would send the provider SDKs somewhere other than a loopback server: unset
them (``monkeypatch.delenv``) in tests that point an SDK at :class:`FaultyHTTPServer`."""

HTTPFault = Literal["reset", "hang", "cut"]
"""``reset``: close the connection with a TCP reset before answering. ``hang``: never answer
(until the server stops), so the client times out. ``cut``: send the status, the headers and
the first ``cut_after`` events of ``sse``, then close the connection mid-body."""

_HANG_LIMIT_S = 60.0


@dataclass(kw_only=True, slots=True)
class HTTPReply:
    """One queued answer.

    Attributes:
        status: The HTTP status.
        json_body: The JSON body (ignored when ``sse`` is given).
        sse: Server-sent events as ``(event name or None, data)``; data that is not a string
            is sent as JSON. Sent with chunked transfer encoding, as providers do.
        headers: Extra response headers (``retry-after``, ``x-should-retry``, ...).
        delay_s: Seconds to wait before answering (the server stops waiting when it stops).
        fault: A transport fault to inject instead of (or part way through) the answer.
        cut_after: With ``fault="cut"``, how many events of ``sse`` go out before the cut.
    """

    status: int = 200
    json_body: Any = None
    sse: Sequence[tuple[str | None, Any]] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    fault: HTTPFault | None = None
    cut_after: int = 1

    @property
    def fault_name(self) -> str | None:
        """What a test counts this reply as: the transport fault, ``http_<status>``, or None."""
        if self.fault is not None:
            return self.fault
        return f"http_{self.status}" if self.status >= 400 else None


@dataclass(frozen=True, kw_only=True, slots=True)
class ReceivedRequest:
    """One request as the server saw it (header names lower-cased, body decoded as JSON)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FaultyHTTPServer:
    """Serves queued replies in order, on 127.0.0.1, and records every request.

    When the queue is empty it answers 500 with "no queued reply", so a test that made more
    calls than it planned fails loudly.

    Example:
        ```python
        with FaultyHTTPServer() as server:
            server.add(
                HTTPReply(status=429, headers={"retry-after": "2"}, json_body=openai_error(...)),
                HTTPReply(json_body=openai_completion("ok")),
            )
            os.environ["OPENAI_BASE_URL"] = f"{server.url}/v1"
            ...
            assert server.faults == {"http_429": 1}
        ```
    """

    def __init__(self, replies: Iterable[HTTPReply] = ()) -> None:
        self.replies: deque[HTTPReply] = deque(replies)
        self.requests: list[ReceivedRequest] = []
        self.faults: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def faults_injected(self) -> int:
        """How many replies so far were faults or HTTP errors."""
        with self._lock:
            return sum(self.faults.values())

    def add(self, *replies: HTTPReply) -> FaultyHTTPServer:
        """Queue replies, served in order."""
        with self._lock:
            self.replies.extend(replies)
        return self

    def start(self) -> None:
        """Start serving in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving; requests left hanging are dropped."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultyHTTPServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _next(self, request: ReceivedRequest) -> HTTPReply:
        with self._lock:
            self.requests.append(request)
            reply = (
                self.replies.popleft()
                if self.replies
                else HTTPReply(status=500, json_body={"error": {"message": "no queued reply"}})
            )
            if reply.fault_name is not None:
                self.faults[reply.fault_name] += 1
        return reply

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, as providers

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def _answer(self, method: str) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                reply = server._next(
                    ReceivedRequest(
                        method=method,
                        path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=json.loads(raw) if raw else None,
                    )
                )
                if reply.delay_s and server._stopping.wait(reply.delay_s):
                    return self._reset()
                if reply.fault == "reset":
                    return self._reset()
                if reply.fault == "hang":
                    server._stopping.wait(_HANG_LIMIT_S)
                    return self._reset()
                try:
                    if reply.sse is not None:
                        self._stream(reply)
                    else:
                        self._json(reply)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (a timeout)

            def _head(self, reply: HTTPReply, ctype: str, length: int | None) -> None:
                self.send_response(reply.status)
                self.send_header("content-type", ctype)
                if length is None:
                    self.send_header("transfer-encoding", "chunked")
                else:
                    self.send_header("content-length", str(length))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()

            def _json(self, reply: HTTPReply) -> None:
                payload = json.dumps(reply.json_body).encode()
                self._head(reply, "application/json", len(payload))
                self.wfile.write(payload)

            def _stream(self, reply: HTTPReply) -> None:
                assert reply.sse is not None
                self._head(reply, "text/event-stream", None)
                for index, (event, data) in enumerate(reply.sse):
                    if reply.fault == "cut" and index >= reply.cut_after:
                        return self._hang_up()
                    chunk = _sse_event(event, data).encode()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")

            def _hang_up(self) -> None:
                # FIN in the middle of a chunked body: the client reads what was sent, then
                # finds the body incomplete (a reset could discard the unread part).
                self.close_connection = True
                self.wfile.flush()
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_WR)

            def _reset(self) -> None:
                # SO_LINGER 0: close() sends RST, so the client sees "connection reset".
                self.close_connection = True
                try:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                except OSError:
                    pass

            def finish(self) -> None:
                with contextlib.suppress(OSError, ValueError):  # reset on purpose
                    super().finish()

        return Handler


def _sse_event(event: str | None, data: Any) -> str:
    text = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {text}\n\n"

"""Stand-ins for the E2B cloud, for offline tests of the e2b backend.

* ``FakeE2B`` + ``handler``: a loopback HTTP server speaking E2B's wire format (the API's
  ``POST /v2/sandboxes``, the code interpreter's ``/execute`` NDJSON stream and ``/contexts``,
  envd's ``/files`` and its ListDir / MakeDir RPCs), for the real SDK to talk to.
* ``StubSDKSandbox``: an object in place of an SDK sandbox instance, built on the SDK's own
  classes, for envd's streaming command API, which the fake server does not speak, and for
  raising the SDK's own exceptions on cue.
"""

from __future__ import annotations

import email.parser
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from e2b import CommandExitException, CommandResult, EntryInfo, FileNotFoundException, FileType
from e2b_code_interpreter.models import Context as SDKContext
from e2b_code_interpreter.models import Execution as SDKExecution
from e2b_code_interpreter.models import OutputMessage as SDKOutputMessage

# --- the wire-level fake ---------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeE2B:
    """What the fake E2B answers, and every request it received.

    Attributes:
        url: The server's base URL (API, code interpreter and envd alike).
        create_status: HTTP status of ``POST /v2/sandboxes`` (201: a sandbox is created).
        execute: ``code -> NDJSON lines`` for ``/execute``; a line ``{"sleep": s}`` stalls.
        execute_status: HTTP status of ``/execute`` (200 streams ``execute``'s lines).
        files: What was uploaded through ``POST /files``, by sandbox path.
    """

    url: str = ""
    create_status: int = 201
    create_message: str = "nope"
    execute: Callable[[str], list[dict[str, Any]]] = lambda code: []
    execute_status: int = 200
    execute_body: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    mtimes: dict[str, int] = field(default_factory=dict)
    dirs: list[str] = field(default_factory=list)
    upload_status: int = 200
    requests: list[Request] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def seen(self, method: str, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]


def handler(fake: FakeE2B) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _record(self) -> Request:
            n = int(self.headers.get("content-length") or 0)
            parts = urlsplit(self.path)
            request = Request(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(n) if n else b"",
            )
            fake.requests.append(request)
            return request

        def _send(self, status: int, body: bytes = b"", ctype: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("content-type", ctype)
            self.send_header("content-length", str(len(body)))
            self.send_header("should-retry", "false")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, obj: Any) -> None:
            self._send(status, json.dumps(obj).encode())

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def do_POST(self) -> None:
            request = self._record()
            if request.path == "/v2/sandboxes":
                if fake.create_status >= 300:
                    return self._json(
                        fake.create_status,
                        {"code": fake.create_status, "message": fake.create_message},
                    )
                return self._json(
                    201,
                    {
                        "templateID": request.json().get("templateID"),
                        "sandboxID": "sbx-fake",
                        "clientID": "client",
                        "envdVersion": "0.4.0",
                        "envdAccessToken": "envd-token",
                    },
                )
            if request.path == "/contexts":
                n = next(fake._ids)
                cwd = request.json().get("cwd") or "/home/user"
                return self._json(200, {"id": f"ctx-{n}", "language": "python", "cwd": cwd})
            if request.path == "/execute":
                return self._execute(request)
            if request.path == "/files":
                return self._upload(request)
            if request.path == "/filesystem.Filesystem/ListDir":
                return self._list_dir(request)
            if request.path == "/filesystem.Filesystem/MakeDir":
                fake.dirs.append(request.json()["path"])
                return self._json(200, {})
            if request.path.endswith("/timeout"):
                return self._send(204)
            return self._json(404, {"message": f"no route {request.path}"})

        def _execute(self, request: Request) -> None:
            if fake.execute_status != 200:
                return self._send(fake.execute_status, fake.execute_body.encode(), "text/plain")
            self.send_response(200)
            self.send_header("content-type", "application/x-ndjson")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            try:
                for line in fake.execute(request.json()["code"]):
                    if "sleep" in line:
                        fake.release.wait(line["sleep"])
                        continue
                    self._chunk(json.dumps(line).encode() + b"\n")
                self._chunk(b"")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def _list_dir(self, request: Request) -> None:
            # envd's Connect RPC (unary, JSON codec), built with the SDK's own messages.
            from e2b.envd.filesystem import filesystem_pb
            from protobuf.wkt.google.protobuf.timestamp_pb import Timestamp

            asked = filesystem_pb.ListDirRequest.from_json(request.body.decode())
            root = asked.path.rstrip("/") + "/"
            entries = [
                filesystem_pb.EntryInfo(
                    name=path.rsplit("/", 1)[-1],
                    type=filesystem_pb.FileType.FILE,
                    path=path,
                    size=len(data),
                    permissions="rw-r--r--",
                    owner="user",
                    group="user",
                    modified_time=Timestamp(seconds=fake.mtimes.get(path, 1_700_000_000)),
                )
                for path, data in sorted(fake.files.items())
                if path.startswith(root)
            ]
            body = filesystem_pb.ListDirResponse(entries=entries).to_json()
            self._send(200, body.encode(), "application/json")

        def _upload(self, request: Request) -> None:
            if fake.upload_status != 200:
                return self._json(fake.upload_status, {"message": "disk quota exceeded"})
            message = email.parser.BytesParser().parsebytes(
                f"content-type: {request.headers['content-type']}\r\n\r\n".encode() + request.body
            )
            written = []
            for part in message.get_payload():
                path = part.get_filename()
                fake.files[path] = part.get_payload(decode=True)
                written.append({"name": path.rsplit("/", 1)[-1], "type": "file", "path": path})
            self._json(200, written)

        def do_DELETE(self) -> None:
            self._record()
            self._send(204)

        def do_GET(self) -> None:
            request = self._record()
            if request.path == "/files":
                path = request.query["path"][0]
                if path not in fake.files:
                    return self._json(404, {"message": f"{path} not found"})
                return self._send(200, fake.files[path], "application/octet-stream")
            self._json(200, {})

    return Handler


def entry(path: str, *, size: int = 0, kind: FileType = FileType.FILE, mtime: int = 0) -> EntryInfo:
    return EntryInfo(
        name=path.rsplit("/", 1)[-1],
        type=kind,
        path=path,
        size=size,
        mode=0o644,
        permissions="rw-r--r--",
        owner="user",
        group="user",
        modified_time=datetime.fromtimestamp(mtime, UTC),
    )


class StubCommands:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.outcome: CommandResult | Exception = CommandResult(
            stdout="", stderr="", exit_code=0, error=None
        )

    def run(self, cmd: str, **kwargs: Any) -> CommandResult:
        self.calls.append({"cmd": cmd, **kwargs})
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


class StubFiles:
    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.entries: list[EntryInfo] | None = None
        self.list_calls: list[tuple[str, int | None]] = []
        self.dirs: list[str] = []
        self.fail: Exception | None = None

    def _check(self) -> None:
        if self.fail is not None:
            raise self.fail

    def read(self, path: str, format: str = "text") -> Any:
        self._check()
        if path not in self.data:
            raise FileNotFoundException(f"path '{path}' does not exist")
        return bytearray(self.data[path]) if format == "bytes" else self.data[path].decode()

    def write(self, path: str, data: str | bytes) -> None:
        self._check()
        self.data[path] = data.encode() if isinstance(data, str) else data

    def write_files(self, files: list[dict[str, Any]]) -> None:
        for f in files:
            self.write(f["path"], f["data"])

    def list(self, path: str, depth: int | None = 1) -> list[EntryInfo]:
        self._check()
        self.list_calls.append((path, depth))
        if self.entries is not None:
            return self.entries
        return [
            entry(p, size=len(d)) for p, d in sorted(self.data.items()) if p.startswith(path + "/")
        ]

    def make_dir(self, path: str) -> bool:
        self._check()
        self.dirs.append(path)
        return True

    def exists(self, path: str) -> bool:
        self._check()
        return path in self.data

    def remove(self, path: str) -> None:
        self._check()
        if path not in self.data:
            raise FileNotFoundException(f"path '{path}' does not exist")
        del self.data[path]


class StubSDKSandbox:
    """Stands in for an ``e2b_code_interpreter.Sandbox`` instance (no network)."""

    sandbox_id = "sbx-stub"

    def __init__(self) -> None:
        self.commands = StubCommands()
        self.files = StubFiles()
        self.run_calls: list[dict[str, Any]] = []
        self.outcome: SDKExecution | Exception = SDKExecution()
        self.stream: list[SDKOutputMessage] = []
        self.contexts: list[SDKContext] = []
        self.removed: list[str] = []
        self.killed = 0
        self.kill_error: Exception | None = None
        self.timeouts: list[int] = []

    def create_code_context(self, cwd: str | None = None, language: str | None = None) -> Any:
        ctx = SDKContext(f"ctx-{len(self.contexts) + 1}", language or "python", cwd or "")
        self.contexts.append(ctx)
        return ctx

    def remove_code_context(self, context: Any) -> None:
        self.removed.append(context.id)

    def run_code(self, code: str, **kwargs: Any) -> SDKExecution:
        self.run_calls.append({"code": code, **kwargs})
        for message in self.stream:
            handler = kwargs["on_stderr"] if message.error else kwargs["on_stdout"]
            handler(message)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome

    def set_timeout(self, timeout: int) -> None:
        self.timeouts.append(timeout)

    def kill(self) -> bool:
        self.killed += 1
        if self.kill_error is not None:
            raise self.kill_error
        return True


def sdk_exit(code: int, stdout: str = "", stderr: str = "") -> CommandExitException:
    return CommandExitException(stderr=stderr, stdout=stdout, exit_code=code, error=None)

import _socket
import asyncio
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentcore.testing import NetworkBlockedError, NetworkGuard, is_loopback_host

REMOTE = ("10.255.255.1", 9)  # unroutable: a real connect would hang, not fail fast


@pytest.fixture
def loopback_server() -> Iterator[tuple[str, int]]:
    class Echo(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.sendall(self.request.recv(64))

    server = socketserver.TCPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server.server_address  # type: ignore[misc]
    server.shutdown()
    server.server_close()


def _take_blocked(guard: NetworkGuard | None) -> list[tuple[str, object]]:
    # These tests trigger the guard on purpose; clear its record so the test itself passes.
    assert guard is not None
    blocked = list(guard.blocked)
    guard.blocked.clear()
    return blocked


def test_connect_to_a_remote_address_is_blocked_before_anything_is_sent(network_guard):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    start = time.perf_counter()
    with pytest.raises(NetworkBlockedError) as info, sock:
        sock.connect(REMOTE)
    assert time.perf_counter() - start < 0.5  # refused by the patch, not by a timeout
    message = str(info.value)
    assert "agentcore tests are offline" in message
    assert "10.255.255.1:9" in message
    assert "use a scripted model or a loopback server" in message
    assert _take_blocked(network_guard) == [REMOTE]


def test_connect_ex_and_create_connection_are_blocked(network_guard):
    with socket.socket() as sock, pytest.raises(NetworkBlockedError):
        sock.connect_ex(REMOTE)
    with pytest.raises(NetworkBlockedError, match=r"example\.com:443"):
        socket.create_connection(("example.com", 443), timeout=5)
    assert ("example.com", 443) in _take_blocked(network_guard)


def test_remote_name_resolution_is_blocked_but_numbers_and_localhost_resolve(network_guard):
    with pytest.raises(NetworkBlockedError):
        socket.getaddrinfo("api.openai.com", 443)
    assert socket.getaddrinfo("localhost", 80)
    assert socket.getaddrinfo("10.0.0.1", 80)  # numeric: no DNS, the connect is what's blocked
    assert _take_blocked(network_guard) == [("api.openai.com", 443)]


def test_ipv6_remote_is_blocked(network_guard):
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    with socket.socket(socket.AF_INET6) as sock, pytest.raises(NetworkBlockedError):
        sock.connect(("2001:db8::1", 80, 0, 0))
    _take_blocked(network_guard)


async def test_asyncio_connections_are_blocked_too(network_guard):
    with pytest.raises(NetworkBlockedError):
        await asyncio.wait_for(asyncio.open_connection(*REMOTE), timeout=5)
    assert REMOTE in _take_blocked(network_guard)


def test_loopback_connections_go_through(loopback_server, network_guard):
    host, port = loopback_server
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"ping")
        assert sock.recv(64) == b"ping"
    with socket.create_connection(("localhost", port), timeout=5) as sock:
        sock.sendall(b"pong")
        assert sock.recv(64) == b"pong"
    assert network_guard.blocked == []


async def test_async_loopback_connections_go_through(loopback_server, network_guard):
    reader, writer = await asyncio.open_connection(*loopback_server)
    writer.write(b"hi")
    assert await reader.read(64) == b"hi"
    writer.close()
    await writer.wait_closed()
    assert network_guard.blocked == []


def test_unix_sockets_go_through(tmp_path: Path, network_guard):
    path = str(tmp_path / "s.sock")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        server.listen(1)
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(path)
    assert network_guard.blocked == []


@pytest.mark.allow_network
def test_allow_network_lifts_the_guard(network_guard):
    assert network_guard is None
    assert socket.socket.connect is _socket.socket.connect


def test_the_guard_restores_socket_after_use():
    original = socket.socket.connect
    guard = NetworkGuard()
    with guard.installed():
        assert socket.socket.connect is not original
    assert socket.socket.connect is original


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("api.localhost", True),
        ("10.255.255.1", False),
        ("0.0.0.0", False),
        ("192.168.1.1", False),
        ("2001:db8::1", False),
        ("example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool):
    assert is_loopback_host(host) is loopback

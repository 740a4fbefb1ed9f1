"""The offline guard: refuse connections that would leave the machine, before they start."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_INET_FAMILIES = (socket.AF_INET, socket.AF_INET6)


class NetworkBlockedError(OSError):
    """A test tried to reach a host other than this machine's loopback interface."""

    def __init__(self, host: str, port: object) -> None:
        self.host = host
        self.port = port
        super().__init__(
            f"agentcore tests are offline: a test tried to reach {host}:{port}; "
            "use a scripted model or a loopback server "
            "(or mark the test @pytest.mark.allow_network)"
        )


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 (also IPv4-mapped) and the names of localhost."""
    name = host.strip("[]").split("%", 1)[0].lower()
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _is_numeric(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


@dataclass(slots=True)
class NetworkGuard:
    """Patches ``socket`` so that only loopback and unix-socket connections go through.

    Attributes:
        blocked: ``(host, port)`` of every refused attempt, so a test that swallowed the
            error still fails.
    """

    blocked: list[tuple[str, object]] = field(default_factory=list)

    def check(self, host: object, port: object) -> None:
        """Raise ``NetworkBlockedError`` unless ``host`` is loopback."""
        text = host.decode() if isinstance(host, bytes) else str(host)
        if not is_loopback_host(text):
            self.blocked.append((text, port))
            raise NetworkBlockedError(text, port)

    def _check_address(self, sock: socket.socket, address: Any) -> None:
        if sock.family in _INET_FAMILIES and isinstance(address, tuple) and address:
            self.check(address[0], address[1] if len(address) > 1 else "?")

    def patches(self) -> dict[tuple[Any, str], Callable[..., Any]]:
        """The replacements, as ``{(owner, attribute): function}``."""
        connect = socket.socket.connect
        connect_ex = socket.socket.connect_ex
        create_connection = socket.create_connection
        getaddrinfo = socket.getaddrinfo

        def guarded_connect(sock: socket.socket, address: Any) -> None:
            self._check_address(sock, address)
            connect(sock, address)

        def guarded_connect_ex(sock: socket.socket, address: Any) -> int:
            self._check_address(sock, address)
            return connect_ex(sock, address)

        def guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
            self.check(address[0], address[1])
            return create_connection(address, *args, **kwargs)

        def guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            # Resolving a remote name already sends a packet (DNS); numbers resolve locally.
            if host is not None:
                text = host.decode() if isinstance(host, bytes) else str(host)
                if not _is_numeric(text) and text != socket.gethostname():
                    self.check(text, port)
            return getaddrinfo(host, port, *args, **kwargs)

        return {
            (socket.socket, "connect"): guarded_connect,
            (socket.socket, "connect_ex"): guarded_connect_ex,
            (socket, "create_connection"): guarded_create_connection,
            (socket, "getaddrinfo"): guarded_getaddrinfo,
        }

    @contextmanager
    def installed(self) -> Iterator[NetworkGuard]:
        """Apply the patches for the duration of a ``with`` block."""
        patches = self.patches()
        saved = {key: getattr(key[0], key[1]) for key in patches}
        try:
            for (owner, attribute), function in patches.items():
                setattr(owner, attribute, function)
            yield self
        finally:
            for (owner, attribute), original in saved.items():
                setattr(owner, attribute, original)

"""The loopback provider server and wire-format bodies, now public in ``agentcore.testing``.

The provider SDKs use ``httpx2`` (respx cannot intercept it), so tests point the real SDK at a
real socket on 127.0.0.1 and check both what comes back and what the server received.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from agentcore.testing import (
    FaultyHTTPServer,
    HTTPReply,
    ReceivedRequest,
    anthropic_error,
    anthropic_message,
    anthropic_stream,
    openai_completion,
    openai_error,
    openai_stream,
)

FakeProvider = FaultyHTTPServer
Reply = HTTPReply
Received = ReceivedRequest

__all__ = [
    "FakeProvider",
    "Received",
    "Reply",
    "anthropic_error",
    "anthropic_message",
    "anthropic_stream",
    "openai_completion",
    "openai_error",
    "openai_stream",
    "serving",
]


@contextmanager
def serving() -> Iterator[FaultyHTTPServer]:
    with FaultyHTTPServer() as provider:
        yield provider

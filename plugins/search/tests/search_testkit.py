"""Names the search plugin's tests share (a module of its own: every ``conftest`` is a
``conftest`` module, and the repository has many)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Events = list[tuple[str, dict[str, Any]]]
Call = Callable[..., Awaitable[str]]

#: Key-shaped, so that the redaction of ``tvly-...`` strings is exercised too.
TEST_KEY = "tvly-dev-Qm9vYmFyYmF6cXV4MTIzNDU2"

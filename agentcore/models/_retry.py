"""Which model errors are worth retrying, and how long to wait before the next attempt.

Classification is duck-typed on what both the ``openai`` and ``anthropic`` SDKs (and the
langchain-core exception classes their integrations raise) carry: an HTTP ``status_code`` and
``response.headers``. Connection and timeout errors are recognised from whichever SDK is
already imported, so scripted models never pull a provider SDK in.
"""

from __future__ import annotations

import email.utils
import random
import sys
import time
from enum import Enum
from typing import Any

from agentcore.errors import ModelError

__all__ = ["ErrorKind", "backoff_s", "classify", "retry_after_s", "status_of"]

# Same set the provider SDKs retry themselves: timeout, lock conflict, rate limit, server
# errors (Anthropic's 529 "overloaded" included).
_RETRY_STATUSES = frozenset({408, 409, 429})
_AUTH_STATUSES = frozenset({401})
# An error can also arrive inside a stream that began with 200 OK (Anthropic's "overloaded"
# event, OpenAI's mid-stream "server_error"): then the error's type says whether it is transient.
_TRANSIENT_ERROR_TYPES = frozenset(
    {"overloaded_error", "api_error", "rate_limit_error", "timeout_error", "server_error"}
)
_TRANSPORT_MODULES = ("openai", "anthropic", "httpx", "httpx2")


class ErrorKind(Enum):
    """What to do about a failed model call."""

    RETRY = "retry"
    """Transient: 429, 5xx, timeout, connection. Retry, then fall back."""
    AUTH = "auth"
    """The key was rejected (401). Stop: the user has to fix it."""
    FATAL = "fatal"
    """Not transient (400, 403, 404, ...). No retries; fall back."""


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of a provider error, if it has one."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _headers(exc: BaseException) -> Any:
    return getattr(getattr(exc, "response", None), "headers", None)


def _header(exc: BaseException, name: str) -> str | None:
    headers = _headers(exc)
    if headers is None:
        return None
    try:
        value = headers.get(name)
    except Exception:
        return None
    return value if isinstance(value, str) else None


def _error_type(exc: BaseException) -> str | None:
    body = getattr(exc, "body", None)
    inner = body.get("error", body) if isinstance(body, dict) else None
    kind = inner.get("type") if isinstance(inner, dict) else None
    return kind if isinstance(kind, str) else None


def _is_transport_error(exc: BaseException) -> bool:
    if isinstance(exc, TimeoutError | ConnectionError):
        return True
    for name in _TRANSPORT_MODULES:
        module = sys.modules.get(name)
        if module is None:
            continue
        for cls_name in ("APIConnectionError", "TransportError"):
            cls = getattr(module, cls_name, None)
            if isinstance(cls, type) and isinstance(exc, cls):
                return True
    return False


def classify(exc: BaseException) -> ErrorKind:
    """Decide whether ``exc`` from a model call is transient, an auth failure, or final."""
    if isinstance(exc, ModelError):  # agentcore's own, e.g. from a fault-injecting model
        return ErrorKind.RETRY if exc.retryable else ErrorKind.FATAL
    lc_exceptions = sys.modules.get("langchain_core.exceptions")
    if lc_exceptions is not None and isinstance(exc, lc_exceptions.ModelAuthenticationError):
        return ErrorKind.AUTH
    status = status_of(exc)
    if (status is None or 200 <= status < 300) and _error_type(exc) in _TRANSIENT_ERROR_TYPES:
        return ErrorKind.RETRY  # an error event in the middle of a stream
    if status is not None:
        if status in _AUTH_STATUSES:
            return ErrorKind.AUTH
        if getattr(exc, "code", None) == "insufficient_quota":  # OpenAI's 429 for billing
            return ErrorKind.FATAL
        should_retry = (_header(exc, "x-should-retry") or "").lower()
        if should_retry in ("true", "false"):
            return ErrorKind.RETRY if should_retry == "true" else ErrorKind.FATAL
        if status in _RETRY_STATUSES or status >= 500:
            return ErrorKind.RETRY
        return ErrorKind.FATAL
    if lc_exceptions is not None and isinstance(exc, lc_exceptions.ModelError):
        return ErrorKind.RETRY if exc.is_retryable else ErrorKind.FATAL
    if _is_transport_error(exc):
        return ErrorKind.RETRY
    return ErrorKind.FATAL


def retry_after_s(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms`` or ``retry-after``), if any."""
    raw_ms = _header(exc, "retry-after-ms")
    if raw_ms is not None:
        try:
            return max(float(raw_ms) / 1000, 0.0)
        except ValueError:
            pass
    raw = _header(exc, "retry-after")
    if raw is None:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(raw)  # an HTTP date
    if parsed is None:
        return None
    return max(email.utils.mktime_tz(parsed) - time.time(), 0.0)


def backoff_s(attempt: int, *, max_wait_s: float, initial_s: float = 0.5) -> float:
    """Exponential backoff with jitter for retry number ``attempt`` (1-based).

    The wait doubles each attempt up to ``max_wait_s`` and is then scaled by a random factor
    in [0.5, 1.0) so that many clients do not retry in lockstep.
    """
    ceiling: float = min(max_wait_s, initial_s * 2.0 ** max(attempt - 1, 0))
    return ceiling * (0.5 + random.random() / 2)

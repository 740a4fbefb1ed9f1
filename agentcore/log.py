"""Logging with structlog, and the redaction of secrets from anything that gets written.

:func:`configure_logging` sets up structlog (and routes the standard library's ``logging``
through the same renderer): a pretty console renderer on a TTY, JSON lines otherwise, or
whatever ``LogSettings.format`` forces. Every event passes :func:`redact` first.

:func:`redact` is also what the run trace writer calls on each line, so a secret never reaches a
log, a trace or a report. structlog itself is imported only by :func:`configure_logging`:
``from agentcore.log import redact`` stays cheap.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from structlog.typing import EventDict, WrappedLogger

    from agentcore.config import LogSettings

__all__ = [
    "REDACTED",
    "bytes_redactor",
    "configure_logging",
    "redact",
    "redactor",
    "secret_values",
]

REDACTED = "***"

# Environment variables whose values are secrets, by name.
_SECRET_ENV_NAME = re.compile(r"(^|_)(KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)
_KNOWN_SECRET_ENV = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "TAVILY_API_KEY", "E2B_API_KEY")
# Shorter values are too likely to occur in ordinary text ("1", "true") to be replaced.
_MIN_SECRET_LEN = 8

# Key-shaped strings, whether or not they come from the environment.
_KEY_PATTERN = re.compile(
    r"\b(?:sk-ant-[A-Za-z0-9_\-]{8,}"  # Anthropic
    r"|sk-[A-Za-z0-9_\-]{16,}"  # OpenAI (sk-..., sk-proj-...)
    r"|tvly-[A-Za-z0-9_\-]{16,}"  # Tavily
    r"|e2b_[A-Za-z0-9]{16,})"  # E2B
)

# Mapping keys whose values are secrets whatever they look like.
_SECRET_FIELDS = frozenset(
    {"api_key", "apikey", "authorization", "password", "secret", "x-api-key", "access_token"}
)
_SECRET_FIELD_SUFFIXES = ("_api_key", "_secret", "_password")


def secret_values(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Return the values of secret-named environment variables, longest first."""
    env = os.environ if environ is None else environ
    found = {
        value
        for name, value in env.items()
        if (name in _KNOWN_SECRET_ENV or _SECRET_ENV_NAME.search(name))
        and len(value) >= _MIN_SECRET_LEN
    }
    return tuple(sorted(found, key=len, reverse=True))


@lru_cache(maxsize=8)
def _secrets_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    if not secrets:
        return None
    return re.compile("|".join(re.escape(s) for s in secrets))


def _is_secret_field(key: object) -> bool:
    if not isinstance(key, str):
        return False
    lowered = key.lower()
    return lowered in _SECRET_FIELDS or lowered.endswith(_SECRET_FIELD_SUFFIXES)


def _redact(obj: Any, env_pattern: re.Pattern[str] | None) -> Any:
    if isinstance(obj, str):
        if env_pattern is not None:
            obj = env_pattern.sub(REDACTED, obj)
        return _KEY_PATTERN.sub(REDACTED, obj)
    if isinstance(obj, Mapping):
        return {
            k: (REDACTED if _is_secret_field(k) and v else _redact(v, env_pattern))
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_redact(v, env_pattern) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_redact(v, env_pattern) for v in obj)
    return obj


def redact(obj: Any) -> Any:
    """Return a copy of ``obj`` with secrets replaced by ``"***"``.

    Walks strings, mappings, lists and tuples. Replaced are: the values of environment variables
    named like ``*_KEY``, ``*_TOKEN``, ``*_SECRET``, ``*_PASSWORD`` (and the providers' own key
    variables) wherever they occur inside a string; key-shaped strings (``sk-...``,
    ``sk-ant-...``, ``tvly-...``, ``e2b_...``); and the values of mapping keys such as
    ``api_key`` or ``authorization``. Other objects are returned unchanged.

    Example:
        ```python
        redact({"msg": "calling with sk-abcdefghijklmnopqrstu"})
        # {'msg': 'calling with ***'}
        ```

    """
    return _redact(obj, _secrets_pattern(secret_values()))


def redactor(environ: Mapping[str, str] | None = None) -> Callable[[Any], Any]:
    """Return :func:`redact` with the environment's secrets read once, for hot paths.

    A run's trace writer takes one at the start of the run: the environment is scanned once
    rather than on every record.
    """
    pattern = _secrets_pattern(secret_values(environ))
    return lambda obj: _redact(obj, pattern)


def bytes_redactor(environ: Mapping[str, str] | None = None) -> Callable[[bytes], bytes]:
    """Return a function that masks secrets inside serialized bytes, keeping every length.

    For binary formats whose strings are stored as UTF-8 with a length prefix (msgpack, pickle,
    SQLite rows): each secret (the same ones :func:`redact` replaces, except those found by
    field name) becomes as many ``*`` as it had bytes, so the data still decodes. Bytes
    without a secret are returned as they are, unchanged and uncopied.

    Example:
        ```python
        mask = bytes_redactor({"MY_TOKEN": "tok-123456789"})
        mask(b"token tok-123456789")  # b"token *************"
        ```

    """
    secrets = [s.encode("utf-8") for s in secret_values(environ)]
    alternatives = [re.escape(s) for s in secrets] + [_KEY_PATTERN.pattern.encode("ascii")]
    pattern = re.compile(b"|".join(alternatives))

    def mask(data: bytes) -> bytes:
        if pattern.search(data) is None:
            return data
        return pattern.sub(lambda m: b"*" * len(m.group(0)), data)

    return mask


def _redact_processor(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    redacted: EventDict = redact(event_dict)
    return redacted


_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
_HANDLER_NAME = "agentcore"
# Libraries that log every low-level operation at debug level; they would drown ours.
_CHATTY = ("aiosqlite", "asyncio", "httpcore", "hpack", "markdown_it", "filelock", "urllib3")


def _wants_pretty(fmt: str, stream: TextIO) -> bool:
    if fmt != "auto":
        return fmt == "pretty"
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def configure_logging(settings: LogSettings, *, stream: TextIO | None = None) -> None:
    """Configure structlog and the standard ``logging`` module from ``settings``.

    Calling it again replaces the previous configuration.

    Args:
        settings: Level and format (``auto``: pretty on a TTY, JSON lines otherwise).
        stream: Where log lines go (default: ``sys.stderr`` at call time). Never stdout: the
            CLI's ``--json`` output owns it.

    """
    import structlog

    out = sys.stderr if stream is None else stream
    level = _LEVELS[settings.level]
    pretty = _wants_pretty(settings.format, out)
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=_wants_pretty("auto", out))
        if pretty
        else structlog.processors.JSONRenderer()
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso"),
    ]
    if not pretty:
        shared.append(structlog.processors.format_exc_info)
    shared.append(_redact_processor)

    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )

    # Third-party libraries (httpx, langchain) log through the standard library: same
    # renderer, same redaction, same stream.
    handler = logging.StreamHandler(out)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(level, logging.INFO))

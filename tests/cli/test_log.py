"""agentcore.log: structlog configuration and the redaction of secrets."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from agentcore.config import LogSettings
from agentcore.log import REDACTED, configure_logging, redact, secret_values


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "openai-secret-value-1234")
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok_abcdefgh12345")
    monkeypatch.setenv("DB_PASSWORD", "hunter2hunter2")
    monkeypatch.setenv("SHORT_KEY", "1")  # too short to redact safely
    monkeypatch.setenv("KEYBOARD_LAYOUT", "not-a-secret-value")


def test_env_secret_values() -> None:
    values = secret_values()
    assert {"openai-secret-value-1234", "tok_abcdefgh12345", "hunter2hunter2"} <= set(values)
    assert "1" not in values
    assert "not-a-secret-value" not in values


def test_redact_nested_structures() -> None:
    event = {
        "msg": "auth with openai-secret-value-1234 failed",
        "headers": [("Authorization", "Bearer tok_abcdefgh12345")],
        "nested": {"password_hint": "hunter2hunter2!", "count": 3, "ok": True},
        "api_key": "whatever it is",
        "max_tokens": 100,
        "layout": "not-a-secret-value",
    }
    out = redact(event)
    assert out == {
        "msg": f"auth with {REDACTED} failed",
        "headers": [("Authorization", f"Bearer {REDACTED}")],
        "nested": {"password_hint": f"{REDACTED}!", "count": 3, "ok": True},
        "api_key": REDACTED,
        "max_tokens": 100,
        "layout": "not-a-secret-value",
    }
    assert event["api_key"] == "whatever it is"  # the input is not changed


@pytest.mark.parametrize(
    "text",
    [
        "sk-proj-AbCdEfGhIjKlMnOpQrStUv",
        "sk-ant-api03-AbCdEfGhIjKl_mn-op",
        "tvly-AbCdEfGhIjKlMnOpQr",
        "e2b_0123456789abcdef0123",
    ],
)
def test_redact_key_patterns_not_in_the_environment(text: str) -> None:
    assert redact(f"key={text} end") == f"key={REDACTED} end"


def test_redact_leaves_ordinary_text() -> None:
    text = "task-runner skipped 3 steps; sk- alone is fine"
    assert redact(text) == text


def test_json_lines_when_not_a_tty() -> None:
    stream = io.StringIO()
    configure_logging(LogSettings(level="info"), stream=stream)
    structlog.get_logger().info("calling", key="openai-secret-value-1234", n=1)
    structlog.get_logger().debug("hidden")
    line = json.loads(stream.getvalue())
    assert line["event"] == "calling"
    assert line["key"] == REDACTED
    assert line["level"] == "info"
    assert "timestamp" in line


def test_stdlib_logging_is_routed_and_redacted() -> None:
    stream = io.StringIO()
    configure_logging(LogSettings(level="warning", format="json"), stream=stream)
    logging.getLogger("httpx").warning("POST with %s", "sk-proj-AbCdEfGhIjKlMnOpQrStUv")
    logging.getLogger("httpx").info("too quiet to show")
    lines = [json.loads(ln) for ln in stream.getvalue().splitlines()]
    assert lines == [
        {
            "event": f"POST with {REDACTED}",
            "logger": "httpx",
            "level": "warning",
            "timestamp": lines[0]["timestamp"],
        }
    ]


def test_pretty_on_a_tty_and_reconfigurable() -> None:
    tty = FakeTTY()
    configure_logging(LogSettings(level="debug"), stream=tty)
    structlog.get_logger().debug("hello", secret="hunter2hunter2")
    text = tty.getvalue()
    assert "hello" in text and "hunter2hunter2" not in text
    assert not text.lstrip().startswith("{")
    configure_logging(LogSettings(level="debug", format="json"), stream=tty)
    assert len([h for h in logging.getLogger().handlers if h.get_name() == "agentcore"]) == 1


def test_forced_pretty_without_a_tty_has_no_colour() -> None:
    stream = io.StringIO()
    configure_logging(LogSettings(level="info", format="pretty"), stream=stream)
    structlog.get_logger().info("hi")
    assert "hi" in stream.getvalue() and "\x1b[" not in stream.getvalue()

"""The redactor's rules: which environment variables are secrets, key shapes, secret fields,
and the byte masking used for checkpoints."""

from __future__ import annotations

import ormsgpack
import pytest

from agentcore.log import REDACTED, bytes_redactor, redact, redactor, secret_values

VALUE = "s3cr3t-value-0042"


@pytest.mark.parametrize(
    "name",
    [
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "TAVILY_API_KEY",
        "E2B_API_KEY",
        "MY_SERVICE_KEY",
        "SOME_TOKEN",
        "X_SECRET",
        "DB_PASSWORD",
        "KEY",
        "TOKEN",
        "github_token",
        "Aws_Secret",
    ],
)
def test_secret_names(name: str) -> None:
    assert secret_values({name: VALUE}) == (VALUE,)
    assert redactor({name: VALUE})(f"using {VALUE}!") == f"using {REDACTED}!"


@pytest.mark.parametrize(
    "name",
    ["KEYBOARD", "MONKEY", "TOKENIZER_PATH", "SECRETARY", "KEY_PATH", "HOME", "MY_KEYS", "PATH"],
)
def test_other_names_are_not_secrets(name: str) -> None:
    assert secret_values({name: VALUE}) == ()
    assert redactor({name: VALUE})(f"using {VALUE}") == f"using {VALUE}"


def test_short_values_are_left_alone() -> None:
    # "1" or "true" would be replaced all over ordinary text
    assert secret_values({"DEBUG_TOKEN": "true", "A_KEY": "1234567"}) == ()
    assert secret_values({"A_KEY": "12345678"}) == ("12345678",)


def test_longest_secret_first() -> None:
    env = {"A_KEY": "abcdefgh", "B_KEY": "abcdefgh-and-more"}
    assert redactor(env)("x abcdefgh-and-more y") == f"x {REDACTED} y"


@pytest.mark.parametrize(
    "text",
    [
        "sk-abcdefghijklmnop1234",
        "sk-proj-abcdefghijklmnop_1234",
        "sk-ant-api03-abcdefgh",
        "tvly-abcdefghijklmnop12",
        "e2b_abcdefghijklmnop1234",
    ],
)
def test_key_shapes_without_environment(text: str) -> None:
    assert redactor({})(f"key={text};") == f"key={REDACTED};"


def test_walks_mappings_lists_tuples_and_secret_fields() -> None:
    clean = redactor({"X_TOKEN": VALUE})
    got = clean(
        {
            "msg": [f"a {VALUE}", (VALUE, 3)],
            "api_key": "whatever",
            "Authorization": "Bearer x",
            "db_password": "pw",
            "empty_secret": "",
            "n": 5,
        }
    )
    assert got == {
        "msg": [f"a {REDACTED}", (REDACTED, 3)],
        "api_key": REDACTED,
        "Authorization": REDACTED,
        "db_password": REDACTED,
        "empty_secret": "",
        "n": 5,
    }


def test_redact_reads_the_environment_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATE_SECRET", VALUE)
    assert redact(f"x {VALUE}") == f"x {REDACTED}"


def test_bytes_masking_keeps_lengths_so_binary_formats_still_decode() -> None:
    mask = bytes_redactor({"X_TOKEN": VALUE})
    key = "sk-abcdefghijklmnop1234"
    packed = ormsgpack.packb({"task": f"use {VALUE} and {key}", "n": [1, 2]})
    masked = mask(packed)
    assert len(masked) == len(packed) and VALUE.encode() not in masked
    assert ormsgpack.unpackb(masked) == {
        "task": f"use {'*' * len(VALUE)} and {'*' * len(key)}",
        "n": [1, 2],
    }
    clean = b"nothing secret"
    assert mask(clean) is clean

"""Helpers shared by the commands: settings from flags, consoles, limit validation, JSON out."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer

from agentcore.errors import UserError

if TYPE_CHECKING:
    from rich.console import Console

    from agentcore.config import Settings

# Limit field -> the flag that sets it, for error messages.
LIMIT_FLAGS: dict[str, str] = {
    "max_steps": "--max-steps",
    "max_tool_calls": "--max-tool-calls",
    "max_tokens": "--max-tokens",
    "max_cost_usd": "--max-cost-usd",
    "timeout_s": "--timeout-s",
}


@dataclass(kw_only=True, slots=True)
class GlobalOptions:
    """Options given before the command name, kept on the click context."""

    overrides: dict[str, Any] = field(default_factory=dict)


def global_overrides(ctx: typer.Context | None) -> dict[str, Any]:
    obj = ctx.find_root().obj if ctx is not None else None
    return dict(obj.overrides) if isinstance(obj, GlobalOptions) else {}


def cli_settings(ctx: typer.Context | None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Load settings with the command line on top, and configure logging from them."""
    from agentcore.config import load_settings
    from agentcore.log import configure_logging

    merged = global_overrides(ctx)
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping):
            merged[key] = {**merged.get(key, {}), **value}
        else:
            merged[key] = value
    settings = load_settings(merged)
    configure_logging(settings.log)
    return settings


def limit_overrides(**flags: float | None) -> dict[str, Any]:
    """Check limit flags early and return the ones given, as a ``limits`` override table.

    Raises:
        UserError: Naming the flag, for a value the ``Limits`` model refuses (zero, negative).
    """
    from pydantic import ValidationError

    from agentcore.config import Limits

    given = {name: value for name, value in flags.items() if value is not None}
    try:
        Limits.model_validate(given)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "?"
        flag = LIMIT_FLAGS.get(name, name)
        msg = str(err["msg"])
        if msg.startswith("Input should be "):
            msg = "must be " + msg.removeprefix("Input should be ")
        raise UserError(
            f"{flag} {msg} (got {err.get('input')!r})",
            hint=f"pass a positive number to {flag}, or leave it out to use the configured limit",
        ) from None
    return given


def stdout_console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def print_json(obj: Any, *, indent: int | None = None) -> None:
    """Write exactly one JSON document and a newline to stdout."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str, indent=indent) + "\n")
    sys.stdout.flush()

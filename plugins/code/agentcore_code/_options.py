"""The plugin's settings: the ``[plugins.code]`` table of ``agentcore.toml``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from agentcore.errors import ConfigError
from agentcore.plugins._options import plugin_options

PLUGIN = "code"
#: The longest a single ``run_python`` call may run, whatever the model or config asks for.
#: The tool's own timeout (after which the graph cancels the call) sits above it, so the
#: sandbox always stops the code first and the model hears why.
HARD_MAX_TIMEOUT_S = 600.0


@dataclass(kw_only=True, slots=True, frozen=True)
class CodeOptions:
    """Caps for ``run_python``; override them in ``[plugins.code]``.

    Attributes:
        max_stdout_chars: stdout shown to the model; the rest is cut (head and tail kept).
        max_stderr_chars: stderr shown to the model.
        max_result_chars: Text of each result (the last expression's value) shown.
        traceback_lines: Last lines of an error's traceback shown.
        max_timeout_s: The largest ``timeout_s`` a call may ask for (at most 600).
        idle_minutes: A run's sandbox idle this long is stopped; the next call starts a new one.
    """

    max_stdout_chars: int = 8_000
    max_stderr_chars: int = 3_000
    max_result_chars: int = 4_000
    traceback_lines: int = 25
    max_timeout_s: float = HARD_MAX_TIMEOUT_S
    idle_minutes: float = 30.0


def options(settings: Mapping[str, Mapping[str, Any]]) -> CodeOptions:
    """Read ``[plugins.code]`` from the plugin settings a tool receives, with defaults.

    Raises:
        ConfigError: A value is not a positive number, or ``max_timeout_s`` is over 600.
    """
    return plugin_options(settings, PLUGIN, CodeOptions, _read)


def _read(raw: Mapping[str, Any]) -> CodeOptions:
    known = {f.name: f for f in fields(CodeOptions)}
    values: dict[str, Any] = {}
    for name, value in raw.items():
        integral = known[name].type in ("int", int)
        ok_type = isinstance(value, int) if integral else isinstance(value, int | float)
        if isinstance(value, bool) or not ok_type or value <= 0:
            kind = "a positive integer" if integral else "a positive number"
            raise ConfigError(f"[plugins.{PLUGIN}] {name} must be {kind}, got {value!r}")
        values[name] = value
    opts = CodeOptions(**values)
    if opts.max_timeout_s > HARD_MAX_TIMEOUT_S:
        raise ConfigError(
            f"[plugins.{PLUGIN}] max_timeout_s must be at most {HARD_MAX_TIMEOUT_S:g}, "
            f"got {opts.max_timeout_s!r}"
        )
    return opts

"""The plugin's settings: the ``[plugins.ml]`` table of ``agentcore.toml``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentcore.errors import ConfigError
from agentcore.tools import ToolError

PLUGIN = "ml"
#: The longest one ML tool call may compute in its sandbox, whatever the config says. The
#: tool's own timeout sits above it, so the sandbox stops first and the model hears why.
HARD_MAX_TIMEOUT_S = 1800.0
TOOL_TIMEOUT_S = HARD_MAX_TIMEOUT_S + 180.0
DEFAULT_TIMEOUT_S = 600.0


@dataclass(kw_only=True, slots=True, frozen=True)
class MLOptions:
    """Settings of the ML tools; override them in ``[plugins.ml]``.

    Attributes:
        timeout_s: Time limit of one tool call's computation in the sandbox (at most 1800).
    """

    timeout_s: float = DEFAULT_TIMEOUT_S


def options(settings: Mapping[str, Mapping[str, Any]]) -> MLOptions:
    """Read ``[plugins.ml]`` from the plugin settings a tool receives.

    Raises:
        ToolError: An unknown setting or a bad value (the model cannot fix it, but it can say
            so); the message names the setting.
    """
    raw = dict(settings.get(PLUGIN, {}))
    try:
        unknown = sorted(set(raw) - {"timeout_s"})
        if unknown:
            raise ConfigError(f"[plugins.{PLUGIN}] has unknown setting(s): {', '.join(unknown)}")
        timeout = raw.get("timeout_s", DEFAULT_TIMEOUT_S)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ConfigError(f"[plugins.{PLUGIN}] timeout_s must be a positive number")
        if timeout > HARD_MAX_TIMEOUT_S:
            raise ConfigError(
                f"[plugins.{PLUGIN}] timeout_s must be at most {HARD_MAX_TIMEOUT_S:g}"
            )
    except ConfigError as exc:
        raise ToolError(f"the ML tools are misconfigured: {exc}") from None
    return MLOptions(timeout_s=float(timeout))

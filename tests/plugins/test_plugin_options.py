"""agentcore.plugins._options: a plugin's settings table, unknown keys refused, cached."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from agentcore.errors import ConfigError
from agentcore.plugins._options import plugin_options


@dataclass(frozen=True)
class Opts:
    size: int = 1


def test_a_table_is_read_once_per_content_and_unknown_keys_are_refused() -> None:
    reads: list[Mapping[str, Any]] = []

    def read(raw: Mapping[str, Any]) -> Opts:
        reads.append(raw)
        return Opts(**raw)

    first = plugin_options({"demo": {"size": 3}}, "demo", Opts, read)
    again = plugin_options({"demo": {"size": 3}}, "demo", Opts, read)
    other = plugin_options({"demo": {"size": 4}}, "demo", Opts, read)

    assert first == again == Opts(size=3) and other == Opts(size=4)
    assert len(reads) == 2  # the second identical table came from the cache
    with pytest.raises(ConfigError, match=r"\[plugins.demo\] has unknown setting\(s\): colour"):
        plugin_options({"demo": {"colour": "red"}}, "demo", Opts, read)

"""The plugin's settings: the ``[plugins.sql]`` table of ``agentcore.toml``."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentcore.errors import ConfigError
from agentcore.plugins._options import plugin_options

PLUGIN = "sql"
#: The longest a single query may run, whatever the config asks for. The tools' own timeout
#: (after which the graph cancels the call) sits above it, so DuckDB is always interrupted
#: first and the model hears why.
HARD_MAX_TIMEOUT_S = 600.0
#: Characters of table the model sees; the tool's own cap sits above it.
OUTPUT_BUDGET = 16_000
_SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*([KMGT]i?B|B)\s*$", re.IGNORECASE)


def _default_threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(kw_only=True, slots=True, frozen=True)
class SqlOptions:
    """Limits and locations for the SQL tools; override them in ``[plugins.sql]``.

    Attributes:
        data_dirs: Directories whose files queries may read (never write) besides the
            workspace, e.g. a shared dataset folder. Relative paths are taken from the
            directory agentcore runs in.
        timeout_s: Wall-clock limit of one tool call; a longer query is interrupted.
        memory_limit: DuckDB's memory limit, e.g. ``"4GB"``; larger operations spill to disk.
        threads: Threads DuckDB may use.
        max_temp_directory_size: How much DuckDB may spill to disk, e.g. ``"10GB"``.
        max_rows_cap: The largest ``max_rows`` a ``sql_query`` call may ask for.
        max_cell_chars: Longer cells are cut in the table the model sees (not in the file).
        lock_wait_s: How long to wait for another process that holds the workspace's
            database before giving up.
    """

    data_dirs: tuple[Path, ...] = ()
    timeout_s: float = 30.0
    memory_limit: str = "4GB"
    threads: int = field(default_factory=_default_threads)
    max_temp_directory_size: str = "10GB"
    max_rows_cap: int = 1000
    max_cell_chars: int = 40
    lock_wait_s: float = 10.0


def options(settings: Mapping[str, Mapping[str, Any]]) -> SqlOptions:
    """Read ``[plugins.sql]`` from the plugin settings a tool receives, with defaults.

    Every call of a tool reads them, so a table already read (from the same directory: data
    dirs may be relative) is answered from a small cache.

    Raises:
        ConfigError: An unknown key, a value of the wrong type, or a data dir that does not
            exist.
    """
    return plugin_options(settings, PLUGIN, SqlOptions, _read)


def _read(raw: Mapping[str, Any]) -> SqlOptions:
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "data_dirs":
            values[name] = _data_dirs(value)
        elif name in ("memory_limit", "max_temp_directory_size"):
            if not isinstance(value, str) or not _SIZE.match(value):
                raise ConfigError(
                    f'[plugins.{PLUGIN}] {name} must be a size such as "4GB" or "512MB", '
                    f"got {value!r}"
                )
            values[name] = value.strip()
        elif name in ("threads", "max_rows_cap", "max_cell_chars"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(
                    f"[plugins.{PLUGIN}] {name} must be a positive integer, got {value!r}"
                )
            values[name] = value
        else:
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(
                    f"[plugins.{PLUGIN}] {name} must be a positive number, got {value!r}"
                )
            values[name] = float(value)
    opts = SqlOptions(**values)
    if opts.timeout_s > HARD_MAX_TIMEOUT_S:
        raise ConfigError(
            f"[plugins.{PLUGIN}] timeout_s must be at most {HARD_MAX_TIMEOUT_S:g}, "
            f"got {opts.timeout_s:g}"
        )
    return opts


def _data_dirs(value: object) -> tuple[Path, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigError(
            f"[plugins.{PLUGIN}] data_dirs must be a list of directories, got {value!r}",
            hint='e.g. data_dirs = ["/srv/datasets"]',
        )
    dirs: list[Path] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(f"[plugins.{PLUGIN}] data_dirs entries must be paths, got {item!r}")
        path = Path(item).expanduser().resolve()
        if not path.is_dir():
            raise ConfigError(
                f"[plugins.{PLUGIN}] data_dirs entry '{item}' is not a directory",
                hint="create it or remove it from data_dirs",
            )
        if path == Path(path.anchor):
            raise ConfigError(
                f"[plugins.{PLUGIN}] data_dirs entry '{item}' is the filesystem root; "
                "name the directory that holds the data"
            )
        dirs.append(path)
    return tuple(dict.fromkeys(dirs))

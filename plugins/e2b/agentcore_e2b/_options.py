"""The plugin's own settings: the ``[plugins.e2b]`` table of ``agentcore.toml``."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agentcore.errors import ConfigError

if TYPE_CHECKING:
    from agentcore.config import Settings

PLUGIN = "e2b"


class E2BOptions(BaseModel):
    """Settings of the ``e2b`` sandbox backend (``[plugins.e2b]`` in config).

    Attributes:
        template: E2B template to start; ``None`` uses the SDK's default code-interpreter
            template. A custom template must be built on E2B's code-interpreter image.
        workdir: Directory inside the sandbox that stands for the workspace (created at start;
            ``/workspace`` in paths is mapped to it): code and commands run there, relative
            ``files`` paths resolve there, workspace files are uploaded there and
            ``pull_workspace`` copies back what changed there.
        max_upload_mb: Largest total size of the workspace files uploaded at start.
        max_upload_files: Most workspace files uploaded at start.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    template: str | None = None
    workdir: str = "/home/user/workspace"
    max_upload_mb: int = Field(100, gt=0)
    max_upload_files: int = Field(2000, gt=0)

    @field_validator("workdir")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(
                "must be an absolute path inside the sandbox, e.g. /home/user/workspace"
            )
        return posixpath.normpath(value)

    @property
    def max_upload_bytes(self) -> int:
        """``max_upload_mb`` in bytes."""
        return self.max_upload_mb * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> E2BOptions:
        """Read ``settings.plugins["e2b"]``.

        Raises:
            ConfigError: An unknown key or a bad value, naming the field.
        """
        raw = settings.plugins.get(PLUGIN, {})
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "?"
            raise ConfigError(
                f"[plugins.{PLUGIN}] {field}: {first['msg']}",
                hint="valid keys: template, workdir, max_upload_mb, max_upload_files",
            ) from None

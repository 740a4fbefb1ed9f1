"""``agentcore doctor``: is this installation ready to run? Exit 0 if so, 1 if not."""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from agentcore.cli._common import cli_settings, stdout_console
from agentcore.errors import UserError

if TYPE_CHECKING:
    from agentcore.config import Settings
    from agentcore.plugins import Registry

PROVIDER_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "TAVILY_API_KEY", "E2B_API_KEY")
OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass(kw_only=True, slots=True, frozen=True)
class Check:
    name: str
    status: str  # ok / warn / fail; only "fail" makes the installation unhealthy
    detail: str


def _data_dir(settings: Settings) -> Check:
    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check(name="data dir", status=FAIL, detail=f"{path}: not writable ({exc})")
    return Check(name="data dir", status=OK, detail=f"{path} (writable)")


def _plugins() -> tuple[Check, Registry | None]:
    from agentcore.plugins import load_registry

    try:
        registry = load_registry()
    except UserError as exc:
        return Check(name="plugins", status=FAIL, detail=str(exc)), None
    failed = [p for p in registry.plugins if p.error]
    loaded = len(registry.plugins) - len(failed)
    detail = f"{loaded} loaded, {len(registry.tools)} tools"
    if failed:
        errors = "; ".join(f"{p.name}: {p.error}" for p in failed)
        detail = f"{detail}, {len(failed)} failed: {errors}"
        return Check(name="plugins", status=FAIL, detail=detail), registry
    return Check(name="plugins", status=OK, detail=detail), registry


def _model(settings: Settings, registry: Registry | None) -> Check:
    """The model a run would use, built (not called) to check its provider and key."""
    from agentcore.models import choose_model, parse_model_spec

    try:
        spec = choose_model(None, settings, os.environ)
        if registry is not None:
            parsed = parse_model_spec(spec, registry=registry)
            registry.models[parsed.provider](parsed.name, settings)
    except UserError as exc:
        return Check(name="model", status=FAIL, detail=str(exc))
    return Check(name="model", status=OK, detail=spec)


def run_checks(settings: Settings | None, config_error: str | None = None) -> list[Check]:
    """Every check, in the order printed. ``settings`` is ``None`` if the config is broken."""
    from agentcore import __version__

    py_ok = sys.version_info >= (3, 11)
    checks = [
        Check(
            name="python",
            status=OK if py_ok else FAIL,
            detail=f"{platform.python_version()} ({sys.executable})",
        ),
        Check(name="agentcore", status=OK, detail=__version__),
    ]
    if settings is None:
        checks.append(Check(name="config", status=FAIL, detail=config_error or "invalid"))
        return checks
    checks.append(Check(name="config", status=OK, detail="loaded"))
    checks.append(_data_dir(settings))
    plugins, registry = _plugins()
    checks.append(plugins)
    keys = [f"{k} {'set' if os.environ.get(k, '').strip() else 'not set'}" for k in PROVIDER_KEYS]
    checks.append(Check(name="provider keys", status=OK, detail=", ".join(keys)))
    checks.append(_model(settings, registry))
    checks.append(_sandbox(settings))
    checks.extend(_mcp_servers(settings))
    cp = settings.checkpoint_path
    state = "exists" if cp.exists() else "created on the first run"
    checks.append(Check(name="checkpoints", status=OK, detail=f"{cp} ({state})"))
    return checks


def _sandbox(settings: Settings) -> Check:
    from agentcore.sandbox import describe_isolation

    iso = describe_isolation(settings.sandbox.backend)
    status = {"strong": OK, "remote": OK, "none": WARN, "unavailable": WARN}[iso.level]
    return Check(name="sandbox", status=status, detail=f"isolation {iso.level}: {iso.detail}")


def _mcp_servers(settings: Settings) -> list[Check]:
    """One line per ``[[mcp.servers]]`` entry: started (or reached), and its tools."""
    if not settings.mcp.servers:
        return []
    from agentcore.mcp import discover

    try:
        reports = discover(settings.mcp.servers, data_dir=settings.data_dir)
    except UserError as exc:  # the mcp extra is missing
        return [Check(name="mcp", status=FAIL, detail=str(exc))]
    checks = []
    for name, report in reports.items():
        where = report.server.url if report.server.kind == "http" else report.server.command
        if report.error is not None:
            checks.append(Check(name=f"mcp {name}", status=FAIL, detail=report.error))
            continue
        tools = ", ".join(t.name for t in report.tools) or "none"
        detail = f"{report.server.kind} {where}: {len(report.tools)} tools ({tools})"
        status = OK
        if report.missing:
            status = WARN
            detail += f"; not offered by the server: {', '.join(report.missing)}"
        checks.append(Check(name=f"mcp {name}", status=status, detail=detail))
    return checks


def doctor_command(ctx: typer.Context) -> None:
    """Check the installation: Python, data dir, plugins, keys, model, sandbox, MCP servers.

    Never prints a key's value, only whether it is set. Exit code 0 if healthy, 1 if not.
    """
    from rich.table import Table
    from rich.text import Text

    settings: Settings | None
    try:
        settings = cli_settings(ctx)
        error = None
    except UserError as exc:
        settings, error = None, str(exc)
    checks = run_checks(settings, error)
    marks = {OK: ("✓", "green"), WARN: ("!", "yellow"), FAIL: ("✗", "red")}
    table = Table(box=None, pad_edge=False, show_header=False)
    for _ in range(3):
        table.add_column(overflow="fold")
    for check in checks:
        mark, style = marks[check.status]
        table.add_row(Text(mark, style), Text(check.name, "bold"), Text(check.detail))
    console = stdout_console()
    console.print(table)
    healthy = all(c.status != FAIL for c in checks)
    console.print(
        "healthy" if healthy else "not healthy: fix the ✗ lines above",
        style="green" if healthy else "red",
    )
    raise typer.Exit(0 if healthy else 1)

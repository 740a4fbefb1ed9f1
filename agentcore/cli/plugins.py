"""``agentcore plugins``: which plugins loaded, what each registered, which failed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from agentcore.cli._common import cli_settings, stdout_console

if TYPE_CHECKING:
    from agentcore.plugins import Registry

app = typer.Typer(
    name="plugins",
    help="Plugins: built-ins and entry points in group 'agentcore' (AGENTCORE_PLUGINS filters).",
    no_args_is_help=True,
)


def contributions(registry: Registry) -> dict[str, dict[str, list[str]]]:
    """``{plugin: {kind: [names]}}`` from the registry's owners."""
    out: dict[str, dict[str, list[str]]] = {}
    for kind, owners in registry.owners.items():
        for name, plugin in sorted(owners.items()):
            out.setdefault(plugin, {}).setdefault(kind, []).append(name)
    return out


@app.command("list")
def list_plugins(ctx: typer.Context) -> None:
    """List plugins: name, distribution, version, what each registered, and errors.

    Commands a plugin registers run as "agentcore NAME"; they are listed here (under
    "commands") rather than in "agentcore --help", which does not load plugins.
    """
    from rich.table import Table
    from rich.text import Text

    cli_settings(ctx)
    from agentcore.plugins import load_registry

    registry = load_registry()
    given = contributions(registry)
    table = Table(box=None, pad_edge=False)
    for col in ("plugin", "distribution", "version", "registered", "status"):
        table.add_column(col, overflow="fold")
    for info in registry.plugins:
        kinds = given.get(info.name, {})
        registered = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in kinds.items())
        status = Text(f"error: {info.error}", "red") if info.error else Text("ok", "green")
        table.add_row(
            Text(info.name),
            Text(info.distribution),
            Text(info.version or "-"),
            Text(registered or "-"),
            status,
        )
    stdout_console().print(table)

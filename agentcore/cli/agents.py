"""``agentcore agents``: list, show and the JSON schema of agent files."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentcore.cli._common import cli_settings, print_json, stdout_console
from agentcore.errors import UserError

if TYPE_CHECKING:
    from agentcore.agents import AgentSpec

app = typer.Typer(
    name="agents",
    help="The agents of the team: built-in ones and those in your agent_dirs.",
    no_args_is_help=True,
)


def _load(ctx: typer.Context) -> dict[str, AgentSpec]:
    settings = cli_settings(ctx)
    from agentcore.api import Team

    return dict(Team.load(settings=settings).agents)


@app.command("list")
def list_agents(ctx: typer.Context) -> None:
    """List the agents: name, role, tools and what each is for."""
    from rich.table import Table

    agents = _load(ctx)
    table = Table(box=None, pad_edge=False)
    for col in ("name", "role", "model", "tools", "description"):
        table.add_column(col, overflow="fold")
    for name, spec in sorted(agents.items(), key=lambda kv: (kv[1].role != "planner", kv[0])):
        table.add_row(
            name, spec.role, spec.model or "(run's)", ", ".join(spec.tools) or "-", spec.description
        )
    stdout_console().print(table)


@app.command("show")
def show_agent(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The agent's name (see: agentcore agents list).")
    ],
) -> None:
    """Show one agent as its file: YAML frontmatter and the prompt, and where it comes from."""
    agents = _load(ctx)
    spec = agents.get(name)
    if spec is None:
        raise UserError(
            f"unknown agent '{name}'", hint=f"known agents: {', '.join(sorted(agents)) or 'none'}"
        )
    source = str(spec.source) if spec.source is not None else "(defined in code)"
    # raw text, never wrapped: the output is a valid agent file to copy and edit
    sys.stdout.write(f"# source: {source}\n{spec.to_markdown()}")


@app.command("schema")
def schema() -> None:
    """Print the JSON schema of an agent file's frontmatter (for editors and linters)."""
    from agentcore.agents import agent_json_schema

    doc: dict[str, Any] = agent_json_schema()
    print_json(doc, indent=2)

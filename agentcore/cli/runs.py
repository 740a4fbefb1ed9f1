"""``agentcore runs``: the runs kept under the data dir (traces and checkpoints), and pruning.

Reads the JSONL traces (``<data_dir>/runs``) and the checkpoint database directly, so listing
and showing import nothing heavy; ``prune`` opens the checkpoint store as a run does.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentcore.cli._common import cli_settings, print_json, stdout_console
from agentcore.errors import UserError

if TYPE_CHECKING:
    from agentcore.config import Settings

app = typer.Typer(
    name="runs",
    help="Runs kept in the data dir: list, show one, prune old ones (keep_runs).",
    no_args_is_help=True,
)

_USAGE_KEYS = ("input_tokens", "output_tokens", "cost_usd", "calls")
#: As ``agentcore.graph._checkpoints.IN_FLIGHT_S`` (not imported: it would import langgraph).
IN_FLIGHT_S = 3600.0


@dataclass(kw_only=True, slots=True)
class RunSummary:
    """What the trace and the checkpoint database say about one run."""

    run_id: str
    status: str
    task: str = ""
    model: str = ""
    started_at: float | None = None
    changed_at: float = 0.0
    checkpointed: bool = False
    workspace: str = ""
    error: str | None = None
    limit: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    by_agent: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_model: dict[str, dict[str, Any]] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    tool_calls: int = 0

    def to_json(self, *, detail: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "run_id": self.run_id,
            "status": self.status,
            "task": self.task,
            "model": self.model,
            "started_at": self.started_at,
            "changed_at": round(self.changed_at, 3),
            "checkpointed": self.checkpointed,
            "usage": self.usage,
        }
        if detail:
            out.update(
                workspace=self.workspace,
                error=self.error,
                limit=self.limit,
                usage={"total": self.usage, "by_agent": self.by_agent, "by_model": self.by_model},
                steps=self.steps,
                tool_calls=self.tool_calls,
            )
        return out


def _add(usage: dict[str, dict[str, Any]], key: str, used: dict[str, Any]) -> None:
    acc = usage.setdefault(key, dict.fromkeys(_USAGE_KEYS, 0))
    acc["input_tokens"] += int(used.get("input_tokens") or 0)
    acc["output_tokens"] += int(used.get("output_tokens") or 0)
    acc["cost_usd"] = round(acc["cost_usd"] + float(used.get("cost_usd") or 0.0), 6)
    acc["calls"] += 1


def summarize(run_id: str, records: Iterable[dict[str, Any]], *, changed_at: float) -> RunSummary:
    """A run's summary from its trace records (all invocations: a resumed run appends)."""
    run = RunSummary(run_id=run_id, status="interrupted", changed_at=changed_at)
    steps: dict[str, dict[str, Any]] = {}
    ended = False
    for rec in records:
        kind = rec.get("type")
        if kind == "run_start":
            ended = False
            if run.started_at is None:
                run.started_at = rec.get("ts")
                run.task = str(rec.get("task") or "")
                run.model = str(rec.get("model") or "")
                run.workspace = str(rec.get("workspace") or "")
        elif kind == "run_end":
            ended = True
            run.status = str(rec.get("status") or "?")
            run.error, run.limit = rec.get("error"), rec.get("limit")
        elif kind == "model_call":
            used = rec.get("usage") or {}
            _add(run.by_agent, str(rec.get("agent") or "?"), used)
            _add(run.by_model, str(rec.get("model") or "?"), used)
        elif kind == "tool_call":
            run.tool_calls += 1
        elif kind == "step_start":
            steps[str(rec.get("step"))] = {
                "id": rec.get("step"),
                "agent": rec.get("agent"),
                "status": "running",
            }
        elif kind == "step_end" and str(rec.get("step")) in steps:
            steps[str(rec.get("step"))]["status"] = rec.get("status")
    if not ended and time.time() - changed_at < IN_FLIGHT_S:
        run.status = "running?"  # no end yet: going on, or killed a moment ago
    total: dict[str, Any] = dict.fromkeys(_USAGE_KEYS, 0)
    for used in run.by_agent.values():
        for key in _USAGE_KEYS:
            total[key] += used[key]
    total["cost_usd"] = round(total["cost_usd"], 6)
    run.usage = total
    run.steps = list(steps.values())
    return run


def _checkpointed(settings: Settings) -> set[str]:
    path = settings.checkpoint_path
    if not path.exists():
        return set()
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
            rows = conn.execute("SELECT DISTINCT thread_id FROM checkpoints").fetchall()
    except sqlite3.Error:  # a database with no table yet
        return set()
    return {str(r[0]) for r in rows}


def load_runs(settings: Settings) -> list[RunSummary]:
    """Every run with a trace or a checkpoint, most recently changed first."""
    from agentcore.trace import read_trace

    checkpointed = _checkpointed(settings)
    runs: dict[str, RunSummary] = {}
    if settings.runs_dir.is_dir():
        for path in settings.runs_dir.glob("*.jsonl"):
            try:
                changed = path.stat().st_mtime
                records = read_trace(path)
            except OSError:
                continue
            runs[path.stem] = summarize(path.stem, records, changed_at=changed)
    for run_id in checkpointed:
        runs.setdefault(run_id, RunSummary(run_id=run_id, status="no trace"))
        runs[run_id].checkpointed = True
    return sorted(runs.values(), key=lambda r: (r.changed_at, r.run_id), reverse=True)


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@app.command("list")
def list_runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most N runs.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List runs, most recent first: status, model, tokens, cost, task.

    A run is there while its trace or its checkpoints are: `agentcore runs prune` (and every
    run, as it ends, for the `keep_runs` setting) removes old ones.
    """
    from rich.table import Table
    from rich.text import Text

    runs = load_runs(cli_settings(ctx))[:limit]
    if as_json:
        print_json([r.to_json() for r in runs])
        return
    console = stdout_console()
    if not runs:
        console.print("no runs yet")
        return
    table = Table(box=None, pad_edge=False)
    for col in ("run", "started", "status", "model", "tokens", "cost", "task"):
        table.add_column(
            col, overflow="fold", justify="right" if col in ("tokens", "cost") else "left"
        )
    for r in runs:
        tokens = r.usage.get("input_tokens", 0) + r.usage.get("output_tokens", 0)
        table.add_row(
            Text(r.run_id),
            Text(_when(r.started_at)),
            Text(r.status),
            Text(r.model),
            Text(f"{tokens:,}"),
            Text(f"${r.usage.get('cost_usd', 0.0):.4f}"),
            Text(_short(r.task)),
        )
    console.print(table)


@app.command("show")
def show_run(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run's id (see: agentcore runs list).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
) -> None:
    """Show one run: task, status, steps, and tokens and cost by agent and by model."""
    from rich.table import Table
    from rich.text import Text

    settings = cli_settings(ctx)
    found = {r.run_id: r for r in load_runs(settings)}
    run = found.get(run_id)
    if run is None:
        raise UserError(
            f"no run with id '{run_id}' in {settings.data_dir}",
            hint="see the runs kept with: agentcore runs list",
        )
    if as_json:
        print_json(run.to_json(detail=True))
        return
    console = stdout_console()
    facts = [
        ("run", run.run_id),
        ("status", run.status + (f" ({run.limit})" if run.limit else "")),
        ("task", run.task),
        ("model", run.model),
        ("started", _when(run.started_at)),
        ("workspace", run.workspace),
        ("trace", str(settings.runs_dir / f"{run.run_id}.jsonl")),
        ("checkpoints", "yes (resumable)" if run.checkpointed else "no"),
        ("tool calls", str(run.tool_calls)),
    ]
    if run.error:
        facts.append(("error", str(run.error)))
    info = Table(box=None, pad_edge=False, show_header=False)
    info.add_column(style="bold")
    info.add_column(overflow="fold")
    for name, value in facts:
        info.add_row(name, Text(value))
    console.print(info)
    if run.steps:
        steps = Table(box=None, pad_edge=False, title="steps", title_justify="left")
        for col in ("step", "agent", "status"):
            steps.add_column(col)
        for s in run.steps:
            steps.add_row(Text(str(s["id"])), Text(str(s["agent"])), Text(str(s["status"])))
        console.print(steps)
    usage = Table(box=None, pad_edge=False, title="usage", title_justify="left")
    for col in ("by", "name", "calls", "input tokens", "output tokens", "cost"):
        usage.add_column(col, justify="left" if col in ("by", "name") else "right")
    groups = (("agent", run.by_agent), ("model", run.by_model), ("total", {"": run.usage}))
    for by, table in groups:
        for name, u in table.items():
            usage.add_row(
                by,
                Text(name),
                str(u["calls"]),
                f"{u['input_tokens']:,}",
                f"{u['output_tokens']:,}",
                f"${u['cost_usd']:.4f}",
            )
    console.print(usage)


@app.command("prune")
def prune(
    ctx: typer.Context,
    keep: Annotated[
        int | None,
        typer.Option("--keep", min=0, help="Keep the newest N runs (default: keep_runs)."),
    ] = None,
    older_than: Annotated[
        float | None,
        typer.Option(
            "--older-than", min=0, help="Also delete runs last changed more than DAYS ago."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the deleted ids as JSON.")] = False,
) -> None:
    """Delete old runs' checkpoints and traces (never a run still going; workspaces stay).

    Every run prunes to the `keep_runs` setting (default 200) as it ends; this does it now,
    to another number or by age.
    """
    import asyncio

    settings = cli_settings(ctx)
    count = settings.keep_runs if keep is None else keep
    older_s = None if older_than is None else older_than * 86400.0
    deleted = asyncio.run(_prune(settings, keep=count, older_than_s=older_s))
    if as_json:
        print_json({"deleted": deleted, "kept": len(load_runs(settings))})
        return
    stdout_console().print(
        f"deleted {len(deleted)} run(s); {len(load_runs(settings))} kept in {settings.data_dir}"
    )


async def _prune(settings: Settings, *, keep: int, older_than_s: float | None) -> list[str]:
    from agentcore.graph._checkpoints import open_checkpointer, prune_runs

    if not settings.checkpoint_path.exists() and not settings.runs_dir.is_dir():
        return []
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with open_checkpointer(settings.checkpoint_path) as saver:
        return await prune_runs(
            saver, keep=keep, runs_dir=settings.runs_dir, older_than_s=older_than_s
        )

"""``agentcore eval``: run a suite, and report, compare and re-score eval logs.

``agentcore eval SUITE ...`` and ``agentcore eval report LOG`` share the word: a first
argument that is not a subcommand is a suite (:class:`_EvalGroup` routes it to ``run``).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer import _click
from typer.core import TyperGroup

from agentcore.cli._common import cli_settings, print_json, stdout_console
from agentcore.errors import UserError

if TYPE_CHECKING:
    from rich.console import Console

    from agentcore.evals import EvalLog, SampleRecord
    from agentcore.evals._runner import EvalPlan

CANCELLED_EXIT = 130
_ERROR_FAILURES = frozenset({"infra_error", "model_error"})


class _EvalGroup(TyperGroup):
    """A group whose unknown first word is a suite: ``eval SUITE`` means ``eval run SUITE``."""

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    name="eval",
    cls=_EvalGroup,
    no_args_is_help=True,
    help="""\
Evaluate the team on a suite of cases, and read, compare and re-score the results.

`agentcore eval SUITE [OPTIONS]` runs a suite (short for `agentcore eval run SUITE`): SUITE
is a suite YAML file, a folder holding suite.yaml, or a bundled suite's name (`agentcore
eval list`). Every case runs once per epoch in its own workspace and data folder; the log
(one JSON line per sample, then a summary) goes to --out as EVAL_ID.jsonl, and the table of
results is printed. `agentcore eval report LOG` shows a log again (--html: a page with
plots), `agentcore eval compare LOG_A LOG_B` lists what changed between two runs,
`agentcore eval rescore LOG` scores a log's samples again without re-running them.

Exit codes: 0 the eval finished (whatever the score); 1 a sample ended on an
infrastructure or model error; 2 bad input (suite, flags, log); 130 stopped (Ctrl-C),
carry on with --resume.
""",
)


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    return items or None


@app.command("run")
def run_command(
    ctx: typer.Context,
    suite: Annotated[
        str | None,
        typer.Argument(
            metavar="SUITE",
            help="A suite file, a folder with suite.yaml, or a bundled suite's name.",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", "-m", help="Model as provider:name (replay:FILE replays a cassette)."
        ),
    ] = None,
    epochs: Annotated[
        int | None,
        typer.Option(
            "--epochs", "-k", min=1, max=100, help="Runs per case (default: the suite's)."
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, help="Samples running at once.")
    ] = 4,
    cases: Annotated[
        str | None, typer.Option("--cases", help="Only these case ids, comma-separated.")
    ] = None,
    tags: Annotated[
        str | None,
        typer.Option("--tags", help="Only cases with any of these tags, comma-separated."),
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(
            "--record", help="Record every model call to this cassette file.", dir_okay=False
        ),
    ] = None,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Replay the suite's bundled cassette: no model, no key."),
    ] = False,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the log and the eval's files.")
    ] = Path("eval-logs"),
    as_json: Annotated[
        bool, typer.Option("--json", help="No progress or table; print the summary as JSON.")
    ] = False,
    resume: Annotated[
        Path | None,
        typer.Option(
            "--resume",
            help="Carry on this unfinished log: run only the samples it lacks (SUITE optional).",
            dir_okay=False,
        ),
    ] = None,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the JSON schema of a suite file and exit.")
    ] = False,
) -> None:
    """Run a suite: every case once per epoch, scored, into a log.

    Limits: the defaults, then the suite's `limits`, then the case's. Only infrastructure
    failures are retried (at most twice). Ctrl-C stops: running samples are dropped and
    --resume LOG runs them again.
    """
    if schema:
        from agentcore.evals._suite import suite_json_schema_text

        typer.echo(suite_json_schema_text(), nl=False)
        raise typer.Exit(0)
    if resume is not None:
        given = {
            "--model": model is not None,
            "--epochs": epochs is not None,
            "--cases": cases is not None,
            "--tags": tags is not None,
            "--record": record is not None,
            "--offline": offline,
        }
        clash = [flag for flag, set_ in given.items() if set_]
        if clash:
            raise UserError(
                f"--resume carries on an eval with its own settings; {', '.join(clash)} "
                "cannot change them",
                hint="leave those flags out, or start a new eval",
            )
    if model is not None and not model.strip():
        raise UserError("--model is empty", hint="pass provider:name, e.g. openai:gpt-4o-mini")

    from agentcore.evals._log import read_log
    from agentcore.evals._suite import load_suite
    from agentcore.plugins import load_registry

    resumed = read_log(resume) if resume is not None else None
    if suite is None:
        if resumed is None:
            raise UserError(
                "no suite given",
                hint="agentcore eval SUITE (a suite file or a bundled suite: agentcore eval list)",
            )
        suite = resumed.header.suite_path or resumed.header.suite
    registry = load_registry()
    loaded = load_suite(suite, registry=registry)  # the suite's own errors first
    settings = cli_settings(ctx)

    from agentcore.api import Team
    from agentcore.evals._runner import EvalRunner

    team = Team.load(settings=settings, registry=registry)
    if resumed is not None:
        chosen = resumed.header.model
    elif offline:
        chosen = model or ""
    else:
        from agentcore.models import choose_model

        chosen = choose_model(model, settings, os.environ)
    runner = EvalRunner(
        loaded,
        team=team,
        model=chosen,
        epochs=epochs,
        concurrency=concurrency,
        case_ids=_split(cases),
        tags=_split(tags),
        out_dir=out,
        record=record,
        offline=offline,
        resume=resume,
        argv=["agentcore", *sys.argv[1:]] if sys.argv else [],
    )
    plan = runner.prepare()
    raise typer.Exit(asyncio.run(_run(runner, plan, as_json=as_json)))


async def _run(runner: Any, plan: EvalPlan, *, as_json: bool) -> int:
    from agentcore.cli.batch import _nothing, _stop_on_signals

    progress = None if as_json else _progress(plan)
    if progress is not None:
        runner.on_sample = progress.finished

    def stop() -> None:
        if progress is not None:
            progress.stopping()
        runner.stop()

    with _stop_on_signals(stop), progress or _nothing():
        log = await runner.run()
    if not log.finished:
        sys.stderr.write(
            f"stopped: {len(log.samples)} of {plan.total} samples are in {log.path}; "
            f"carry on with: agentcore eval --resume {log.path}\n"
        )
        return CANCELLED_EXIT
    _show(log, as_json=as_json)
    return exit_code(log)


def exit_code(log: EvalLog) -> int:
    """0 when the eval finished; 1 when a sample ended on an infrastructure or model error."""
    return 1 if any(s.failure in _ERROR_FAILURES for s in log.samples) else 0


def _show(log: EvalLog, *, as_json: bool) -> None:
    if as_json:
        summary = log.summary.model_dump(mode="json") if log.summary is not None else None
        print_json(
            {
                "log": str(log.path),
                "eval_id": log.header.eval_id,
                "finished": log.finished,
                "summary": summary,
                "exit_code": exit_code(log),
            }
        )
        return
    from agentcore.evals.report import render_table

    console = stdout_console()
    render_table(log, console)
    console.print(f"log: {log.path}")


def _progress(plan: EvalPlan) -> _ProgressDisplay | None:
    from rich.console import Console

    console = Console(stderr=True, highlight=False)
    if not console.is_terminal:
        return None
    return _ProgressDisplay(console, total=plan.total, done=len(plan.done))


class _ProgressDisplay:
    """A rich progress bar of samples on stderr; samples that do not pass are printed above."""

    def __init__(self, console: Console, *, total: int, done: int) -> None:
        from agentcore._progress import ProgressBar

        self.passed = 0
        self.failed = 0
        self.cost_usd = 0.0
        self._bar = ProgressBar(
            console, label="eval", total=total, done=done, status=self._status()
        )

    def _status(self) -> str:
        return f"{self.passed} passed · {self.failed} not · ${self.cost_usd:.4f}"

    def __enter__(self) -> _ProgressDisplay:
        self._bar.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bar.__exit__(exc_type, exc, tb)

    def finished(self, record: SampleRecord) -> None:
        """Advance the bar; print a sample that did not pass."""
        self.cost_usd += record.usage.total.cost_usd
        if record.passed:
            self.passed += 1
        else:
            self.failed += 1
            why = record.error or next((s.explanation for s in record.scores if not s.passed), "")
            self._bar.problem(f"{record.case_id} e{record.epoch}", str(record.failure), why)
        self._bar.update(self._status(), advance=1)

    def stopping(self) -> None:
        """Say that the eval is stopping."""
        self._bar.note(
            "[yellow]stopping:[/] running samples are dropped; --resume runs them again "
            "(Ctrl-C again to force)"
        )


LogArgument = Annotated[
    Path, typer.Argument(metavar="LOG", help="An eval log (EVAL_ID.jsonl).", show_default=False)
]


@app.command("report")
def report_command(
    log: LogArgument,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Also write a self-contained HTML report with plots here."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Show an eval log: the table of results (an unfinished log: what it has so far)."""
    from agentcore.evals._log import read_log

    loaded = read_log(log)
    if html is not None:
        from agentcore.evals.report import write_html

        written = write_html(loaded, html)
        if not as_json:
            stdout_console().print(f"report: {written}")
    _show(loaded, as_json=as_json)


@app.command("compare")
def compare_command(
    log_a: Annotated[
        Path, typer.Argument(metavar="LOG_A", help="The baseline eval log.", show_default=False)
    ],
    log_b: Annotated[
        Path, typer.Argument(metavar="LOG_B", help="The eval log to compare.", show_default=False)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Compare two evals of a suite: per-case regressions and improvements, with a paired
    bootstrap confidence interval of the score difference and an exact McNemar p-value."""
    from agentcore.evals._compare import compare, render_comparison
    from agentcore.evals._log import read_log

    comparison = compare(read_log(log_a), read_log(log_b))
    if as_json:
        sys.stdout.write(comparison.to_json() + "\n")
        return
    render_comparison(comparison, stdout_console())


@app.command("rescore")
def rescore_command(
    log: LogArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Score a log's samples again with the suite's scorers as they are now (no runs).

    The new log is written next to LOG, which is not changed.
    """
    from agentcore.evals._log import read_log
    from agentcore.evals._rescore import rescore
    from agentcore.plugins import load_registry

    loaded = read_log(log)
    new = asyncio.run(rescore(loaded, registry=load_registry()))
    _show(new, as_json=as_json)


@app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the bundled suites with their case counts."""
    from agentcore.evals._suite import bundled_suites, load_suite
    from agentcore.plugins import load_registry

    registry = load_registry()
    rows: list[dict[str, Any]] = []
    for name, path in bundled_suites().items():
        try:
            suite = load_suite(path, registry=registry)
        except UserError as exc:
            rows.append({"name": name, "cases": None, "path": str(path), "error": exc.message})
            continue
        rows.append(
            {
                "name": name,
                "cases": len(suite.cases),
                "epochs": suite.epochs,
                "description": suite.description,
                "path": str(path),
            }
        )
    if as_json:
        print_json(rows)
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="bundled suites", title_justify="left")
    for column in ("suite", "cases", "description"):
        table.add_column(column, justify="right" if column == "cases" else "left")
    for row in rows:
        text = row.get("description") or f"[red]{escape(str(row.get('error', '')))}[/]"
        table.add_row(row["name"], str(row["cases"] or "-"), text)
    console = stdout_console()
    if rows:
        console.print(table)
    else:
        console.print("no bundled suites in this installation")

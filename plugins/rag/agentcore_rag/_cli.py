"""``agentcore rag``: ingest documents into collections, search them, list and drop them."""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from agentcore_rag._ingest import IngestReport, ProgressCallback
    from agentcore_rag._store import RagConfig

app = typer.Typer(
    name="rag",
    help=(
        "Retrieval over your documents: ingest files into a collection, search it with "
        "citations. Agents search collections with the rag_search tool."
    ),
    no_args_is_help=True,
)
_LISTED = 15  # skipped files shown one by one before the rest is summarised


class Mode(StrEnum):
    hybrid = "hybrid"
    vector = "vector"
    fts = "fts"


def _config(ctx: typer.Context) -> RagConfig:
    from agentcore.cli._common import cli_settings
    from agentcore_rag._store import RagConfig

    return RagConfig.from_settings(cli_settings(ctx))


def _json(obj: object) -> None:
    from agentcore.cli._common import print_json

    print_json(obj, indent=2)


@app.command("ingest")
def ingest_command(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...",
            help="Files and directories to ingest (directories are walked recursively).",
            show_default=False,
        ),
    ],
    collection: Annotated[
        str,
        typer.Option("--collection", "-c", help="The collection to fill (made when missing)."),
    ],
    reembed: Annotated[
        bool,
        typer.Option(
            "--reembed",
            help="The collection was filled by another embedder: re-embed it with the "
            "configured one.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Ingest .md .txt .rst .html .pdf .py .ipynb files into a collection.

    Incremental: unchanged files (same content hash) are skipped, changed files are
    re-embedded, and files deleted under the given paths leave the collection. Binary and
    unreadable files are skipped and listed.
    """
    from agentcore_rag._ingest import ingest

    config = _config(ctx)
    if as_json:
        report = ingest(paths, collection=collection, config=config, reembed=reembed)
        _json(report.to_json())
        return
    with _progress_bar() as progress:
        report = ingest(
            paths, collection=collection, config=config, reembed=reembed, progress=progress
        )
    _print_report(report)


@contextlib.contextmanager
def _progress_bar() -> Iterator[ProgressCallback]:
    """A rich progress bar on stderr (a terminal only): files read, then chunks embedded.

    It starts with the first progress report, so an error found before any work (a missing
    path, a held lock) prints alone.
    """
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda phase, done, total, detail: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[detail]}", style="dim"),
        console=console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def update(phase: str, done: int, total: int, detail: str) -> None:
        if not tasks:
            bar.start()
        if phase not in tasks:
            label = "reading" if phase == "read" else "embedding"
            tasks[phase] = bar.add_task(label, total=total, detail="")
        shown = detail if len(detail) <= 40 else "…" + detail[-39:]
        bar.update(tasks[phase], completed=done, total=total, detail=shown)

    try:
        yield update
    finally:
        if tasks:
            bar.stop()


def _print_report(report: IngestReport) -> None:
    out = sys.stdout.write
    out(f"collection '{report.collection}' ({report.embedder}) at {report.uri}\n")

    def line(label: str, files: int, chunks: int | None = None) -> None:
        noun = "file" if files == 1 else "files"
        extra = f"  ({chunks} chunk{'' if chunks == 1 else 's'})" if chunks else ""
        out(f"  {label:<10} {files:>5} {noun}{extra}\n")

    line("added", len(report.added), sum(c.chunks for c in report.added))
    line("updated", len(report.updated), sum(c.chunks for c in report.updated))
    line("unchanged", len(report.unchanged))
    line("removed", len(report.removed), sum(c.chunks for c in report.removed))
    line("skipped", len(report.skipped))
    by_type = [s for s in report.skipped if s.reason.startswith("unsupported type")]
    others = [s for s in report.skipped if not s.reason.startswith("unsupported type")]
    for item in others[:_LISTED]:
        kept = f" (its {item.kept} chunks from before are kept)" if item.kept else ""
        out(f"    {item.file}: {item.reason}{kept}\n")
    if len(others) > _LISTED:
        out(f"    … and {len(others) - _LISTED} more (--json lists them all)\n")
    if by_type:
        counts = Counter(s.reason.removeprefix("unsupported type ") for s in by_type)
        shown = ", ".join(f"{suffix} x{n}" for suffix, n in counts.most_common(8))
        more = ", …" if len(counts) > 8 else ""
        out(f"    {len(by_type)} of unsupported types: {shown}{more}\n")
    out(
        f"now {report.files} files, {report.chunks} chunks; took {report.seconds:.1f} s\n"
        if report.changed or report.chunks
        else f"nothing to ingest; took {report.seconds:.1f} s\n"
    )


@app.command("search")
def search_command(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(metavar="QUERY", help="What to look for.")],
    collection: Annotated[
        str | None,
        typer.Option(
            "--collection",
            "-c",
            help="The collection (default: [plugins.rag] default_collection, else all).",
        ),
    ] = None,
    k: Annotated[int, typer.Option("-k", "--k", help="How many passages.", min=1, max=50)] = 5,
    mode: Annotated[
        Mode, typer.Option(help="hybrid (BM25 + vector, RRF), vector or fts.")
    ] = Mode.hybrid,
    as_json: Annotated[bool, typer.Option("--json", help="Print the passages as JSON.")] = False,
) -> None:
    """Search a collection: the best passages, each with its citation."""
    from agentcore_rag._search import search

    result = search(query, collection=collection, k=k, mode=mode.value, config=_config(ctx))
    if as_json:
        _json(result.to_json())
        return
    out = sys.stdout.write
    for problem in result.problems:
        sys.stderr.write(f"warning: not searched: {problem}\n")
    if not result.hits:
        out(f"no passages match {query!r} in {', '.join(result.collections)}\n")
        return
    for n, hit in enumerate(result.hits, start=1):
        origin = f" [{hit.collection}]" if len(result.collections) > 1 else ""
        out(f"[{n}] {hit.citation}{origin}  score {hit.score:.4f}\n")
        out("".join(f"    {row}\n" if row.strip() else "\n" for row in hit.text.splitlines()))
        out("\n")


@app.command("list")
def list_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """List the collections with their chunk and file counts and embedder."""
    from agentcore_rag._store import describe_collections

    config = _config(ctx)
    infos = describe_collections(config.uri)
    if as_json:
        _json({"uri": config.uri, "collections": [i.to_json() for i in infos]})
        return
    out = sys.stdout.write
    if not infos:
        out(f"no collections at {config.uri}\n")
        out("make one: agentcore rag ingest PATH... --collection NAME\n")
        return
    width = max(len("collection"), *(len(i.name) for i in infos))
    out(f"{'collection':<{width}}  {'chunks':>7}  {'files':>6}  embedder\n")
    for info in infos:
        if info.error:
            out(f"{info.name:<{width}}  {'?':>7}  {'?':>6}  unreadable: {info.error}\n")
        else:
            out(f"{info.name:<{width}}  {info.chunks:>7}  {info.files:>6}  {info.embedder}\n")
    out(f"at {config.uri}\n")


@app.command("drop")
def drop_command(
    ctx: typer.Context,
    collection: Annotated[str, typer.Argument(metavar="COLLECTION", help="The collection.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a collection and all its chunks (the documents themselves are not touched)."""
    from agentcore.errors import UserError
    from agentcore_rag._store import drop_collection

    config = _config(ctx)
    if not yes:
        if not sys.stdin.isatty():
            raise UserError(
                f"dropping collection '{collection}' needs confirmation",
                hint=f"pass --yes: agentcore rag drop {collection} --yes",
            )
        typer.confirm(f"delete collection '{collection}' and all its chunks?", abort=True)
    chunks = drop_collection(config, collection)
    sys.stdout.write(f"dropped collection '{collection}' ({chunks} chunks)\n")

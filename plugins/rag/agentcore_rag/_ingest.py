"""Ingest: read, chunk, embed and store files; incremental by content hash.

For each file the walk finds, the SHA-256 of its bytes (and the reader/chunking recipe) is
compared with what the collection stores: unchanged files are not read again, changed files
are re-chunked and re-embedded and their old chunks deleted, and stored files that the walk
no longer finds under the given paths are removed. New chunks are written before old ones
are deleted, so an interrupted ingest never leaves a file with no chunks; the next ingest
finishes the job.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentcore_rag._chunk import Chunk, chunk_document, chunk_id
from agentcore_rag._document import NotReadable
from agentcore_rag._files import Candidate, Skipped, scan
from agentcore_rag._options import check_collection
from agentcore_rag._read import READER_VERSION, read_document
from agentcore_rag._store import RagConfig, StoredFile, manifest, open_collection, write_lock

if TYPE_CHECKING:
    from agentcore.config import Settings
    from agentcore.memory import HybridTable

#: ``progress(phase, done, total, detail)``: phase ``read`` (files) then ``embed`` (chunks).
ProgressCallback = Callable[[str, int, int, str], None]

_EMBED_BATCH = 32
_WRITE_BATCH = 512  # chunks per table write
_DELETE_BATCH = 200  # files per delete filter


@dataclass(frozen=True, slots=True, kw_only=True)
class FileChange:
    """A file the ingest added, updated or removed.

    Attributes:
        file: The path shown in citations.
        chunks: Chunks written (added, updated) or deleted (removed).
    """

    file: str
    chunks: int


@dataclass(slots=True, kw_only=True)
class IngestReport:
    """What an ingest did.

    Attributes:
        collection: The collection.
        uri: Where it is stored.
        embedder: The embedder that filled it.
        added: New files.
        updated: Changed files (re-chunked, re-embedded, old chunks deleted).
        unchanged: Files skipped because their content hash matched.
        removed: Files gone from the walked paths; their chunks were deleted.
        skipped: Files not ingested, with reasons.
        chunks: Chunks in the collection afterwards.
        files: Files in the collection afterwards.
        seconds: How long it took.
    """

    collection: str
    uri: str
    embedder: str
    added: list[FileChange] = field(default_factory=list)
    updated: list[FileChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[FileChange] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks: int = 0
    files: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Whether anything was written or deleted."""
        return bool(self.added or self.updated or self.removed)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (what ``agentcore rag ingest --json`` prints)."""

        def changes(items: list[FileChange]) -> list[dict[str, Any]]:
            return [{"file": c.file, "chunks": c.chunks} for c in items]

        return {
            "collection": self.collection,
            "uri": self.uri,
            "embedder": self.embedder,
            "added": changes(self.added),
            "updated": changes(self.updated),
            "unchanged": list(self.unchanged),
            "removed": changes(self.removed),
            "skipped": [{"file": s.file, "reason": s.reason, "kept": s.kept} for s in self.skipped],
            "chunks": self.chunks,
            "files": self.files,
            "seconds": round(self.seconds, 3),
        }


@dataclass(slots=True, kw_only=True)
class _Pending:
    candidate: Candidate
    file_hash: str
    chunks: list[Chunk]
    title: str | None
    format: str
    unit: str
    update: bool  # the collection has an older version of it
    stored: int = 0  # chunks of this version stored already (a repair writes none)


def recipe(config: RagConfig) -> str:
    """What besides a file's bytes decides its chunks: reader version and chunk settings."""
    spec = config.options.chunk_spec
    return f"r{READER_VERSION}:{spec.size}/{spec.overlap}/{spec.unit}"


def ingest(
    paths: Sequence[str | Path],
    *,
    collection: str,
    settings: Settings | None = None,
    config: RagConfig | None = None,
    reembed: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Ingest files and directories into a collection (created when missing).

    Args:
        paths: Files and directories (walked recursively).
        collection: The collection's name.
        settings: agentcore settings (default: loaded from config files and environment).
        config: The RAG configuration, if already built (overrides ``settings``).
        reembed: When the collection was filled by another embedder, re-embed it with the
            configured one instead of refusing.
        progress: Called as files are read and chunks embedded.

    Returns:
        What was added, updated, left unchanged, removed and skipped.

    Raises:
        UserError: A path does not exist, the collection name is invalid, another process
            is writing to the collection, or the collection cannot be opened (damaged,
            another embedder).
    """
    started = time.monotonic()
    check_collection(collection)
    if config is None:
        if settings is None:
            from agentcore.config import load_settings

            settings = load_settings()
        config = RagConfig.from_settings(settings)
    found = scan([Path(p) for p in paths])
    with write_lock(config, collection):
        table = open_collection(config, collection, create=True, reembed=reembed)
        report = IngestReport(
            collection=collection,
            uri=config.uri,
            embedder=table.embedder.name,
            skipped=list(found.skipped),
        )
        stored = manifest(table)
        pending, stale = _read_all(found.candidates, stored, config, report, progress)
        _write(table, pending, config, progress)
        for item in pending:
            change = FileChange(file=item.candidate.file, chunks=len(item.chunks) or item.stored)
            (report.updated if item.update else report.added).append(change)
        seen = {c.source for c in found.candidates}
        gone = [s for s in sorted(stored) if s not in seen and found.in_scope(s)]
        report.removed.extend(_remove(table, [*stale, *gone], stored))
        if report.changed:
            table.optimize()
        sources = table.rows(columns=["source"])
        report.chunks = len(sources)
        report.files = len({r["source"] for r in sources})
    report.seconds = time.monotonic() - started
    return report


def _read_all(
    candidates: list[Candidate],
    stored: dict[str, StoredFile],
    config: RagConfig,
    report: IngestReport,
    progress: ProgressCallback | None,
) -> tuple[list[_Pending], list[str]]:
    """Hash every file; read and chunk the new and changed ones.

    Returns:
        The files to write, and the stored files that now yield nothing (their content
        changed into something empty or unreadable), whose old chunks must go.
    """
    current = recipe(config)
    limit = int(config.options.max_file_mb * 1024 * 1024)
    pending: list[_Pending] = []
    stale: list[str] = []
    for done, cand in enumerate(candidates):
        if progress is not None:
            progress("read", done, len(candidates), cand.file)
        previous = stored.get(cand.source)
        reason: str | None = None
        try:
            size = cand.path.stat().st_size
            if size > limit:
                reason = (
                    f"too large ({_human(size)}; max_file_mb is {config.options.max_file_mb:g})"
                )
            else:
                data = cand.path.read_bytes()
        except OSError as exc:
            reason = f"unreadable ({exc.strerror or exc})"
        if reason is not None:  # not read: what the collection has of it stays
            kept = previous.chunks if previous else 0
            report.skipped.append(Skipped(file=cand.file, reason=reason, kept=kept))
            continue
        file_hash = hashlib.sha256(data).hexdigest()
        if previous is not None and (file_hash, current) in previous.versions:
            if len(previous.versions) == 1:
                report.unchanged.append(cand.file)
            else:  # the new version is stored already: only the old one must go
                pending.append(_repair(cand, file_hash, previous.versions[(file_hash, current)]))
            continue
        try:
            doc = read_document(data, cand.format)
            chunks = chunk_document(doc, config.options.chunk_spec)
            if not chunks:
                raise NotReadable("no text")
        except NotReadable as exc:
            report.skipped.append(Skipped(file=cand.file, reason=exc.reason))
            if previous is not None:
                stale.append(cand.source)
            continue
        pending.append(
            _Pending(
                candidate=cand,
                file_hash=file_hash,
                chunks=chunks,
                title=doc.title,
                format=doc.format,
                unit=doc.unit,
                update=previous is not None,
            )
        )
    if progress is not None:
        progress("read", len(candidates), len(candidates), "")
    return pending, stale


def _human(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1048576:.1f} MB"


def _repair(cand: Candidate, file_hash: str, chunks: int) -> _Pending:
    return _Pending(
        candidate=cand,
        file_hash=file_hash,
        chunks=[],
        title=None,
        format=cand.format,
        unit="lines",
        update=True,
        stored=chunks,
    )


def _rows(item: _Pending, version: str, now: float) -> list[dict[str, Any]]:
    cand = item.candidate
    rows: list[dict[str, Any]] = []
    for chunk in item.chunks:
        context = f"{cand.file} § {chunk.section}" if chunk.section else cand.file
        rows.append(
            {
                "id": chunk_id(cand.source, f"{item.file_hash}:{version}", chunk.index),
                "text": f"{context}\n\n{chunk.text}",
                "context": context,
                "source": cand.source,
                "file": cand.file,
                "file_hash": item.file_hash,
                "recipe": version,
                "format": item.format,
                "title": item.title,
                "section": chunk.section,
                "unit": item.unit,
                "start": chunk.start,
                "end": chunk.end,
                "chunk": chunk.index,
                "ingested_at": now,
            }
        )
    return rows


def _write(
    table: HybridTable,
    pending: list[_Pending],
    config: RagConfig,
    progress: ProgressCallback | None,
) -> None:
    """Embed and store the pending files' chunks; then delete their older versions."""
    from agentcore.memory import sql_quote

    version = recipe(config)
    total = sum(len(p.chunks) for p in pending)
    embedder = table.embedder
    now = time.time()
    done = 0
    rows: list[dict[str, Any]] = []
    replaced: list[_Pending] = []

    def flush() -> None:
        if rows:
            table.add(rows)
        old = [
            f"(source = {sql_quote(p.candidate.source)} AND (file_hash != "
            f"{sql_quote(p.file_hash)} OR recipe != {sql_quote(version)}))"
            for p in replaced
            if p.update
        ]
        if old:
            table.delete(" OR ".join(old))
        rows.clear()
        replaced.clear()

    if progress is not None and total:
        progress("embed", 0, total, "")
    for item in pending:
        item_rows = _rows(item, version, now)
        for start in range(0, len(item_rows), _EMBED_BATCH):
            batch = item_rows[start : start + _EMBED_BATCH]
            vectors = embedder.embed_documents([r["text"] for r in batch])
            for row, vector in zip(batch, vectors, strict=True):
                row["vector"] = vector
            done += len(batch)
            if progress is not None:
                progress("embed", done, total, item.candidate.file)
        rows.extend(item_rows)
        replaced.append(item)
        if len(rows) >= _WRITE_BATCH or len(replaced) >= _DELETE_BATCH:
            flush()
    if replaced:
        flush()


def _remove(
    table: HybridTable, sources: list[str], stored: dict[str, StoredFile]
) -> list[FileChange]:
    """Delete every chunk of ``sources``."""
    from agentcore.memory import sql_quote

    removed: list[FileChange] = []
    for start in range(0, len(sources), _DELETE_BATCH):
        batch = sources[start : start + _DELETE_BATCH]
        table.delete(f"source IN ({', '.join(sql_quote(s) for s in batch)})")
        removed.extend(FileChange(file=stored[s].file, chunks=stored[s].chunks) for s in batch)
    return removed

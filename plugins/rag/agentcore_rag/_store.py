"""Collections on disk: one ``HybridTable`` per collection, the write lock, the embedder.

A collection ``docs`` is the table ``rag_docs`` in the LanceDB database at ``[plugins.rag]
uri``. Every chunk row carries its file's content hash, so the table is its own manifest: an
ingest compares the files on disk with the hashes stored and touches only what changed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentcore.errors import StoreError, UserError
from agentcore_rag._options import RagOptions, check_collection, options

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]
    from lancedb.db import DBConnection

    from agentcore.config import Settings
    from agentcore.memory import Embedder, HybridTable
    from agentcore.tools import ToolContext

TABLE_PREFIX = "rag_"
#: Where the embedder's name is recorded in a table's schema metadata (by HybridTable).
_META_EMBEDDER = b"agentcore.embedder"
_RUST_LOCATION = re.compile(r",?\s*/\S+\.rs:\d+:\d+.*$", re.DOTALL)  # in LanceDB's errors
_EMBEDDERS: dict[str, Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def table_name(collection: str) -> str:
    """The LanceDB table that holds ``collection``."""
    return TABLE_PREFIX + check_collection(collection)


def chunk_schema() -> pa.Schema:
    """The columns of a collection's table (``vector`` is added by ``HybridTable``)."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("id", pa.string()),
            pa.field("text", pa.string()),  # context line + body: what is searched
            pa.field("context", pa.string()),  # "file § section": the first line of text
            pa.field("source", pa.string()),  # absolute path: the file's identity
            pa.field("file", pa.string()),  # the path shown in citations
            pa.field("file_hash", pa.string()),
            pa.field("recipe", pa.string()),  # reader version + chunk settings
            pa.field("format", pa.string()),
            pa.field("title", pa.string()),
            pa.field("section", pa.string()),
            pa.field("unit", pa.string()),  # lines, pages or cells
            pa.field("start", pa.int32()),
            pa.field("end", pa.int32()),
            pa.field("chunk", pa.int32()),
            pa.field("ingested_at", pa.float64()),
        ]
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RagConfig:
    """Everything an operation needs to find collections and embed text.

    Attributes:
        options: ``[plugins.rag]``.
        uri: Where the collections live.
        embedder_spec: The embedder collections are filled and searched with.
        settings: agentcore settings, for the embedder factory (``None``: loaded on demand).
    """

    options: RagOptions
    uri: str
    embedder_spec: str
    settings: Settings | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RagConfig:
        """Read the configuration from agentcore settings (the CLI, the Python API)."""
        opts = options(settings.plugins)
        return cls(
            options=opts,
            uri=opts.location(settings.data_dir),
            embedder_spec=opts.embedder or settings.memory.embedder,
            settings=settings,
        )

    @classmethod
    def from_context(cls, ctx: ToolContext) -> RagConfig:
        """Read the configuration a tool call sees."""
        opts = options(ctx.settings)
        settings = ctx.agentcore_settings
        spec = opts.embedder
        if spec is None:
            if settings is None:
                from agentcore.config import load_settings

                settings = load_settings()
            spec = settings.memory.embedder
        return cls(
            options=opts, uri=opts.location(ctx.data_dir), embedder_spec=spec, settings=settings
        )

    def embedder(self) -> Embedder:
        """The embedder, built once per spec and process (models are slow to load)."""
        with _EMBEDDERS_LOCK:
            cached = _EMBEDDERS.get(self.embedder_spec)
            if cached is None:
                from agentcore.memory import get_embedder

                cached = get_embedder(self.embedder_spec, settings=self.settings)
                _EMBEDDERS[self.embedder_spec] = cached
            return cached


@contextlib.contextmanager
def _reading(what: str) -> Iterator[None]:
    try:
        yield
    except (OSError, RuntimeError, ValueError) as exc:
        text = _RUST_LOCATION.sub("", str(exc)).strip().removeprefix("lance error: ")
        detail = text.splitlines()[0] if text else type(exc).__name__
        raise StoreError(
            f"{what}: {detail}",
            hint="if it is damaged, move it aside and ingest again; nothing was changed",
        ) from exc


def _connect(uri: str) -> DBConnection | None:
    """The database at ``uri``, or ``None`` for a local directory that does not exist yet."""
    if "://" not in uri and not Path(uri).is_dir():
        return None
    import lancedb

    with _reading(f"cannot open the RAG database at {uri}"):
        return lancedb.connect(uri)


def collection_names(uri: str) -> list[str]:
    """The collections stored at ``uri``, sorted."""
    db = _connect(uri)
    if db is None:
        return []
    names: list[str] = []
    token: str | None = None
    with _reading(f"cannot list the tables at {uri}"):
        while True:
            page = db.list_tables(page_token=token)
            names.extend(page.tables)
            token = page.page_token
            if not token:
                break
    return sorted(n[len(TABLE_PREFIX) :] for n in names if n.startswith(TABLE_PREFIX))


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectionInfo:
    """A collection as ``agentcore rag list`` shows it.

    Attributes:
        name: The collection's name.
        chunks: Chunks stored.
        files: Files they come from.
        embedder: The embedder that filled it (``""`` when unknown).
        error: Why it could not be read, when it could not.
    """

    name: str
    chunks: int = 0
    files: int = 0
    embedder: str = ""
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "chunks": self.chunks,
            "files": self.files,
            "embedder": self.embedder,
            "error": self.error,
        }


def describe_collections(uri: str) -> list[CollectionInfo]:
    """Every collection at ``uri`` with its counts; one that cannot be read says why."""
    db = _connect(uri)
    out: list[CollectionInfo] = []
    for name in collection_names(uri):
        assert db is not None
        try:
            with _reading(f"cannot read collection '{name}'"):
                table = db.open_table(table_name(name))
                meta = table.schema.metadata or {}
                sources = table.search().select(["source"]).limit(None).to_arrow()
                out.append(
                    CollectionInfo(
                        name=name,
                        chunks=sources.num_rows,
                        files=len(set(sources.column("source").to_pylist())),
                        embedder=meta.get(_META_EMBEDDER, b"").decode(),
                    )
                )
        except StoreError as exc:
            out.append(CollectionInfo(name=name, error=exc.message))
    return out


def unknown_collection(name: str, uri: str) -> UserError:
    """The error for a collection that does not exist, naming the ones that do."""
    known = collection_names(uri)
    if not known:
        return UserError(
            f"there are no RAG collections yet (looked in {uri})",
            hint=f"ingest documents first: agentcore rag ingest PATH --collection {name}",
        )
    return UserError(
        f"unknown collection '{name}'",
        hint=f"the collections are: {', '.join(known)}",
    )


def open_collection(
    config: RagConfig, name: str, *, create: bool = False, reembed: bool = False
) -> HybridTable:
    """Open ``name``'s table; with ``create``, make it when missing.

    Raises:
        UserError: The collection does not exist (and not ``create``).
        EmbedderMismatchError: It was filled by another embedder than the configured one.
        StoreError: It cannot be opened (damaged, no permission).
    """
    check_collection(name)
    if not create and name not in collection_names(config.uri):
        raise unknown_collection(name, config.uri)
    from agentcore.memory import HybridTable

    return HybridTable.open(
        config.uri,
        table_name(name),
        schema=chunk_schema(),
        embedder=config.embedder(),
        reembed=reembed,
        reembed_hint=f"agentcore rag ingest PATH... --collection {name} --reembed",
    )


def drop_collection(config: RagConfig, name: str) -> int:
    """Delete a collection; returns how many chunks it had.

    Raises:
        UserError: It does not exist, or another process is writing to it.
    """
    check_collection(name)
    db = _connect(config.uri)
    if db is None or name not in collection_names(config.uri):
        raise unknown_collection(name, config.uri)
    with write_lock(config, name):
        with _reading(f"cannot read collection '{name}'"):
            chunks = int(db.open_table(table_name(name)).count_rows())
        with _reading(f"cannot drop collection '{name}'"):
            db.drop_table(table_name(name))
    return chunks


def _lock_path(config: RagConfig, name: str) -> Path | None:
    if "://" in config.uri:
        return None  # object storage: LanceDB's own commit protocol is all there is
    return Path(config.uri) / f"{table_name(name)}.lock"


@contextlib.contextmanager
def write_lock(config: RagConfig, name: str) -> Iterator[None]:
    """Hold the collection's write lock (an ``flock`` on a file beside the table).

    Waits up to ``lock_wait_s``. Readers never take it: LanceDB readers see the last
    committed version while a writer works.

    Raises:
        UserError: Another process still holds it after the wait.
    """
    path = _lock_path(config, name)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + config.options.lock_wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
                    raise UserError(
                        f"collection '{name}' is being written by another process"
                        + (f" ({holder})" if holder else ""),
                        hint="wait for it to finish and run this again; nothing was changed",
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@dataclass(slots=True, kw_only=True)
class StoredFile:
    """What a collection holds of one file.

    Attributes:
        file: The path shown in citations.
        versions: Chunks per ``(file_hash, recipe)``: one version normally; more than one
            means an earlier ingest stopped half-way through replacing the file, which the
            next one repairs.
    """

    file: str
    versions: dict[tuple[str, str], int]

    @property
    def chunks(self) -> int:
        """How many chunks, all versions together."""
        return sum(self.versions.values())


def manifest(table: HybridTable) -> dict[str, StoredFile]:
    """What the table holds, per file (by ``source``)."""
    out: dict[str, StoredFile] = {}
    for row in table.rows(columns=["source", "file", "file_hash", "recipe"]):
        entry = out.setdefault(str(row["source"]), StoredFile(file=str(row["file"]), versions={}))
        version = (str(row["file_hash"]), str(row["recipe"]))
        entry.versions[version] = entry.versions.get(version, 0) + 1
    return out

"""Saving query results: every row to a Parquet file in the workspace, streamed from DuckDB.

A truncated result is written before the call returns: the file is then the only place with
every row, and the model is told to use it. A result the model sees whole (no more rows than
``max_rows``) is written by a background thread a moment after the reply (``SAVE_DELAY_S``),
while the model reads it: written at once, it would compete with the end of the call for the
interpreter and slow every quick query. Anything that may read the file first waits for it:
a later SQL call that names a result file, :func:`agentcore_sql.flush`, the end of the run and
the end of the process.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from agentcore_sql._engine import Database, Session, saver

#: Rows per Arrow batch pulled from DuckDB.
BATCH_ROWS = 8192
#: How long after the reply a result shown whole is written (unless something waits for it).
SAVE_DELAY_S = 0.05


@dataclass(kw_only=True, slots=True)
class Fetched:
    """The head of a result, and where all of it is (or will be) saved.

    Attributes:
        schema: The result's columns.
        head: The rows read so far: all of them when ``complete``.
        total: The number of rows in the result.
        path: The Parquet file with every row.
        complete: The whole result fits in ``head`` and is not saved yet: call
            :func:`save_later` once the reply is ready. Otherwise the file is written.
    """

    schema: pa.Schema
    head: pa.Table
    total: int
    path: Path
    complete: bool


def save_later(db: Database, fetched: Fetched) -> None:
    """Write a complete result in the background, ``SAVE_DELAY_S`` from now at the latest."""
    now = threading.Event()
    due = time.monotonic() + SAVE_DELAY_S
    future: Future[None] = saver().submit(_save_when_due, db, fetched, due, now)
    with db.lock:
        db.pending = [(f, e) for f, e in db.pending if not f.done()]
        db.pending.append((future, now))


def fetch(session: Session, relation: duckdb.DuckDBPyRelation, max_rows: int) -> Fetched:
    """Read the first ``max_rows`` rows of ``relation``; write every row when there are more.

    Raises:
        duckdb.Error: The query failed (or was interrupted) while its rows were read.
        OSError: The file could not be written.
    """
    db = session.db
    reader = relation.to_arrow_reader(BATCH_ROWS)
    try:
        schema = reader.schema
        batches: list[pa.RecordBatch] = []
        seen = 0
        done = False
        while seen <= max_rows:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                done = True
                break
            batches.append(batch)
            seen += batch.num_rows
        path = db.claim_result_path()
        if done:
            table = pa.Table.from_batches(batches, schema)
            return Fetched(
                schema=schema, head=table, total=table.num_rows, path=path, complete=True
            )
        head = pa.Table.from_batches(batches, schema).slice(0, max_rows)
        stream = itertools.chain(batches, reader)
        total = write(db, schema, stream, path, session=session)
        return Fetched(schema=schema, head=head, total=total, path=path, complete=False)
    finally:
        reader.close()  # the reader holds the connection until it is closed


def write(
    db: Database,
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch] | list[pa.RecordBatch],
    path: Path,
    *,
    session: Session | None = None,
) -> int:
    """Write batches to ``path`` atomically (a temporary file renamed into place).

    pyarrow writes the file; for the few types it cannot put in Parquet (intervals), DuckDB
    does. Returns the number of rows written.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    rows = 0

    def counted() -> Iterator[pa.RecordBatch]:
        nonlocal rows
        for batch in batches:
            rows += batch.num_rows
            yield batch

    try:
        try:
            writer = pq.ParquetWriter(tmp, schema)
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            _with_duckdb(db, schema, counted(), tmp, session)
        else:
            with writer:
                for batch in counted():
                    writer.write_batch(batch)
        if db.owner is not None:
            os.chown(tmp, *db.owner)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return rows


def _with_duckdb(
    db: Database,
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    tmp: Path,
    session: Session | None,
) -> None:
    helper = db.conn.cursor()
    if session is not None:
        session.helpers.append(helper)
    try:
        source = pa.RecordBatchReader.from_batches(schema, batches)
        helper.from_arrow(source).write_parquet(tmp.as_posix())
    finally:
        if session is not None:
            session.helpers.remove(helper)
        helper.close()


def _save_when_due(db: Database, fetched: Fetched, due: float, now: threading.Event) -> None:
    now.wait(max(0.0, due - time.monotonic()))
    # Nobody reads this write's outcome; a failure leaves no file, which a later read of the
    # path reports.
    with contextlib.suppress(Exception):
        write(db, fetched.schema, fetched.head.to_batches(), fetched.path)

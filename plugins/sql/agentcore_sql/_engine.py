"""One locked-down DuckDB database per workspace, one session (connection) per run.

The database lives at ``<workspace>/.agentcore/sql/state.duckdb`` so that its tables persist
across calls and processes (``agentcore tools call`` from a shell). A process opens it once,
locks it down (file access confined to the workspace and the data dirs, no extensions, no
configuration changes) and gives each run its own connection whose default schema is the
run's scratch schema. DuckDB lets one process at a time open a database file for writing; a
second process waits ``lock_wait_s`` and then hears who holds it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from agentcore.tools import ToolContext, ToolError
from agentcore_sql._options import SqlOptions

STATE_DIR = Path(".agentcore") / "sql"
STATE_FILE = "state.duckdb"
#: Bookkeeping (which files were loaded as which tables) lives in this schema.
META_SCHEMA = "agentcore"
_RESULT_FILE = re.compile(r"^query-(\d+)\.parquet$")
_LOCK_PID = re.compile(r"PID (\d+)")


def quote_ident(name: str) -> str:
    """Quote a SQL identifier for DuckDB, doubling any double quote inside it."""
    return '"' + name.replace('"', '""') + '"'


def quote_str(value: str) -> str:
    """Quote a SQL string literal, doubling any single quote inside it."""
    return "'" + value.replace("'", "''") + "'"


def first_row(
    cursor: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query's result (read to its end, so the connection is free)."""
    rows = cursor.execute(sql, params).fetchall()
    return rows[0] if rows else None


def scratch_schema(run_id: str) -> str:
    """The scratch schema of a run: ``run_`` and the run id, lowercased, as an identifier."""
    safe = re.sub(r"[^0-9a-z_]+", "_", run_id.lower()).strip("_") or "default"
    return f"run_{safe}"[:63]


@dataclass(kw_only=True, slots=True, eq=False)
class Database:
    """A workspace's DuckDB database, open in this process."""

    path: Path
    workspace: Path
    data_dirs: tuple[Path, ...]
    key: tuple[object, ...]
    conn: duckdb.DuckDBPyConnection
    owner: tuple[int, int] | None
    sessions: dict[str, Session] = field(default_factory=dict)
    #: Results being saved in the background, each with the event that makes it start now.
    pending: list[tuple[Future[None], threading.Event]] = field(default_factory=list)
    next_result: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def results_dir(self) -> Path:
        """Where query results are saved (``.agentcore/sql`` in the workspace)."""
        return self.path.parent

    def claim_result_path(self) -> Path:
        """A fresh ``query-<n>.parquet`` path; only this process can write results here."""
        with self.lock:
            n = self.next_result
            self.next_result += 1
        return self.results_dir / f"query-{n}.parquet"

    def wait_saved(self) -> None:
        """Wait until the results being saved in the background are on disk."""
        with self.lock:
            pending, self.pending = self.pending, []
        for _, now in pending:
            now.set()
        for future, _ in pending:
            with contextlib.suppress(Exception):  # a failed save was already cleaned up
                future.result()


@dataclass(kw_only=True, slots=True, eq=False)
class Session:
    """One run's connection: its default schema is the run's scratch schema."""

    run_id: str
    schema: str
    db: Database
    cursor: duckdb.DuckDBPyConnection
    lock: threading.Lock = field(default_factory=threading.Lock)
    closed: bool = False
    #: Extra connections working for the current call (a Parquet writer); interrupted with it.
    helpers: list[duckdb.DuckDBPyConnection] = field(default_factory=list)

    def interrupt(self) -> None:
        """Stop whatever the session is running (called from the watchdog thread)."""
        for conn in (self.cursor, *self.helpers):
            with contextlib.suppress(Exception):
                conn.interrupt()


_DATABASES: dict[Path, Database] = {}
_LOCK = threading.Lock()
_SAVER: ThreadPoolExecutor | None = None
_SAVER_LOCK = threading.Lock()


def saver() -> ThreadPoolExecutor:
    """The background thread that writes small query results to Parquet."""
    global _SAVER
    with _SAVER_LOCK:
        if _SAVER is None:
            _SAVER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agentcore-sql-save")
        return _SAVER


@contextlib.contextmanager
def session(ctx: ToolContext, opts: SqlOptions) -> Iterator[Session]:
    """Hold the run's session for one tool call (calls of one run take turns).

    Raises:
        ToolError: The database cannot be opened (held by another process, corrupt), or an
            earlier call of the same run is still running.
    """
    for _ in range(3):
        current = _session(ctx, opts)
        if not current.lock.acquire(timeout=opts.timeout_s + 5):
            raise ToolError("another SQL call of this run is still running; wait for it to finish")
        try:
            if current.closed:  # closed by close_run while we waited; open a new one
                continue
            yield current
            return
        finally:
            with contextlib.suppress(duckdb.Error):  # leave no half-read result behind
                current.cursor.abort()
            current.lock.release()
    raise ToolError("the SQL session was closed while this call waited; call the tool again")


def _session(ctx: ToolContext, opts: SqlOptions) -> Session:
    workspace = ctx.workspace.resolve()
    path = workspace / STATE_DIR / STATE_FILE
    key = (opts.data_dirs, opts.memory_limit, opts.threads, opts.max_temp_directory_size)
    with _LOCK:
        db = _DATABASES.get(path)
        if db is not None and db.key != key:
            # Settings changed within one process (rare): the lock-down is fixed per open
            # database, so reopen it with the new ones.
            _close_database(db)
            db = None
        if db is None:
            db = _open(path, workspace, opts, key, ctx.new_file_owner())
            _DATABASES[path] = db
    with db.lock:
        current = db.sessions.get(ctx.run_id)
        if current is not None:
            return current
        cursor = db.conn.cursor()
        schema = scratch_schema(ctx.run_id)
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
        cursor.execute(f"USE {quote_ident(schema)}")
        current = Session(run_id=ctx.run_id, schema=schema, db=db, cursor=cursor)
        db.sessions[ctx.run_id] = current
    run_id = ctx.run_id
    ctx.defer(lambda: close_run(workspace, run_id))
    return current


def _open(
    path: Path,
    workspace: Path,
    opts: SqlOptions,
    key: tuple[object, ...],
    owner: tuple[int, int] | None,
) -> Database:
    make_dirs(workspace, path.parent, owner)
    fresh = not path.exists()
    conn = _connect(path, opts)
    try:
        roots = [workspace, *(d for d in opts.data_dirs if d != workspace)]
        # A trailing slash: DuckDB matches prefixes, and /data must not admit /data-secret.
        conn.execute("SET allowed_directories = ?", [[f"{root}/" for root in roots]])
        conn.execute("SET enable_external_access = false")
        conn.execute("SET lock_configuration = true")
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {META_SCHEMA}")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {META_SCHEMA}.sources (schema_name VARCHAR, "
            "name VARCHAR, path VARCHAR, format VARCHAR, kind VARCHAR, "
            "loaded_at TIMESTAMP DEFAULT current_timestamp, PRIMARY KEY (schema_name, name))"
        )
    except BaseException:
        conn.close()
        raise
    if fresh and owner is not None:
        for made in (path, path.with_name(path.name + ".wal")):
            with contextlib.suppress(OSError):
                os.chown(made, *owner)
    numbers = [int(m.group(1)) for p in path.parent.iterdir() if (m := _RESULT_FILE.match(p.name))]
    return Database(
        path=path,
        workspace=workspace,
        data_dirs=opts.data_dirs,
        key=key,
        conn=conn,
        owner=owner,
        next_result=max(numbers, default=0) + 1,
    )


def make_dirs(workspace: Path, target: Path, owner: tuple[int, int] | None) -> None:
    """Create ``target`` and its missing parents inside ``workspace``, owned by ``owner``."""
    missing = []
    parent = target
    while parent != workspace and not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
        if owner is not None:
            os.chown(directory, *owner)


def _connect(path: Path, opts: SqlOptions) -> duckdb.DuckDBPyConnection:
    config: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        # SQL must not reach the Python objects (data frames, Arrow tables) of this process.
        "python_enable_replacements": False,
        "memory_limit": opts.memory_limit,
        "max_temp_directory_size": opts.max_temp_directory_size,
        "threads": opts.threads,
    }
    shown = path.as_posix()
    give_up = time.monotonic() + opts.lock_wait_s
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), config=config)
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" not in message.lower():
                raise ToolError(
                    f"could not open the SQL database {shown}: {message}. If the file is "
                    "damaged, delete it to start with an empty database (loaded tables are lost)."
                ) from None
            if time.monotonic() >= give_up:
                pid = _LOCK_PID.search(message)
                holder = f"another process (PID {pid.group(1)})" if pid else "another process"
                raise ToolError(
                    f"the workspace's SQL database {shown} is in use by {holder}; DuckDB lets "
                    f"one process at a time write it. Waited {opts.lock_wait_s:g} s. Try again "
                    "when that run or command has finished, or use another workspace."
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        except duckdb.Error as exc:
            raise ToolError(
                f"could not open the SQL database {shown}: {exc}. If the file is damaged, "
                "delete it to start with an empty database (loaded tables are lost)."
            ) from None


def close_run(workspace: Path, run_id: str) -> None:
    """Close a run's session; close the workspace's database when no session is left.

    Called when the run ends (through ``ToolContext.defer``). Results still being saved are
    finished first. Closing the database releases it for other processes.
    """
    path = workspace.resolve() / STATE_DIR / STATE_FILE
    with _LOCK:
        db = _DATABASES.get(path)
        if db is None:
            return
        with db.lock:
            current = db.sessions.pop(run_id, None)
            last = not db.sessions
        if current is not None:
            _close_session(current)
        if last:
            _close_database(db)


def flush(workspace: Path) -> None:
    """Wait until the query results of ``workspace`` being saved in the background are written.

    The end of a run, :func:`close_run` and :func:`close_all` do this themselves.
    """
    with _LOCK:
        db = _DATABASES.get(workspace.resolve() / STATE_DIR / STATE_FILE)
    if db is not None:
        db.wait_saved()


def close_all() -> None:
    """Close every session and database of this process (also run at interpreter exit)."""
    with _LOCK:
        for db in list(_DATABASES.values()):
            _close_database(db)


def open_databases() -> list[Path]:
    """The database files this process has open (for tests and diagnostics)."""
    with _LOCK:
        return sorted(_DATABASES)


def _close_session(current: Session) -> None:
    current.interrupt()  # a call cancelled by the graph may still be running its query
    got = current.lock.acquire(timeout=10)
    try:
        current.closed = True
        with contextlib.suppress(duckdb.Error):
            current.cursor.close()
    finally:
        if got:
            current.lock.release()


def _close_database(db: Database) -> None:
    """Close ``db`` (the caller holds ``_LOCK``)."""
    with db.lock:
        sessions = list(db.sessions.values())
        db.sessions.clear()
    for current in sessions:
        _close_session(current)
    db.wait_saved()
    with contextlib.suppress(duckdb.Error):
        db.conn.close()
    _DATABASES.pop(db.path, None)


atexit.register(close_all)

"""The model registry: one DuckDB file under the data dir, written by the host process only.

DuckDB lets one process write a database file at a time, so every operation opens a short
connection and retries while another process holds the lock. Tables:

* ``model_runs``: one row per ``train_model`` call, versioned per (dataset fingerprint, target).
* ``model_audits``: evaluations and fairness reports of a model.
* ``data_audits``: leakage checks and drift reports of a dataset, by fingerprint.

Schema changes are ordered migrations recorded in ``schema_migrations``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentcore.tools import ToolError

if TYPE_CHECKING:
    import duckdb

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE model_runs (
        model_id VARCHAR PRIMARY KEY,
        run_id VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        dataset_path VARCHAR NOT NULL,
        dataset_fingerprint VARCHAR NOT NULL,
        n_rows BIGINT NOT NULL,
        target VARCHAR NOT NULL,
        task VARCHAR NOT NULL,
        family VARCHAR NOT NULL,
        params VARCHAR NOT NULL,
        features VARCHAR NOT NULL,
        cv_metrics VARCHAR NOT NULL,
        holdout_metrics VARCHAR,
        artifact_path VARCHAR NOT NULL,
        artifact_sha256 VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        library_versions VARCHAR NOT NULL,
        workspace VARCHAR NOT NULL,
        details VARCHAR NOT NULL
    );
    CREATE TABLE model_audits (
        model_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        run_id VARCHAR NOT NULL,
        data_path VARCHAR NOT NULL,
        data_fingerprint VARCHAR NOT NULL,
        summary VARCHAR NOT NULL
    );
    CREATE TABLE data_audits (
        kind VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        run_id VARCHAR NOT NULL,
        dataset_fingerprint VARCHAR NOT NULL,
        dataset_path VARCHAR NOT NULL,
        other_fingerprint VARCHAR,
        target VARCHAR,
        summary VARCHAR NOT NULL
    );
    """,
)
_JSON_FIELDS = (
    "params",
    "features",
    "cv_metrics",
    "holdout_metrics",
    "library_versions",
    "details",
)
_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
#: How long to wait for another process's write lock before giving up.
LOCK_WAIT_S = 15.0


@dataclass(kw_only=True, slots=True, frozen=True)
class ModelRecord:
    """One row of ``model_runs``; JSON columns decoded."""

    model_id: str
    run_id: str
    created_at: datetime
    dataset_path: str
    dataset_fingerprint: str
    n_rows: int
    target: str
    task: str
    family: str
    params: dict[str, Any]
    features: dict[str, list[str]]
    cv_metrics: dict[str, Any]
    holdout_metrics: dict[str, Any] | None
    artifact_path: str
    artifact_sha256: str
    version: int
    library_versions: dict[str, str]
    workspace: str
    details: dict[str, Any]


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


class Registry:
    """The registry file at ``path`` (created, and migrated, on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with _LOCKS_GUARD:
            self._lock = _LOCKS.setdefault(path.resolve(), threading.Lock())

    @classmethod
    def for_context(cls, data_dir: Path) -> Registry:
        """The registry of an agentcore data dir: ``<data_dir>/ml/registry.duckdb``."""
        return cls(data_dir / "ml" / "registry.duckdb")

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short connection, migrated; waits while another process writes."""
        import duckdb

        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + LOCK_WAIT_S
        delay = 0.02
        with self._lock:
            while True:
                try:
                    con = duckdb.connect(str(self.path))
                    break
                except duckdb.IOException as exc:
                    if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                        raise ToolError(
                            f"the model registry {self.path} is unavailable: {exc}"
                        ) from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.5)
            try:
                self._migrate(con)
                yield con
            finally:
                con.close()

    @staticmethod
    def _migrate(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")
        row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
        done = int(row[0]) if row else 0
        for version, sql in enumerate(MIGRATIONS[done:], start=done + 1):
            con.execute("BEGIN TRANSACTION")
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?)", [version])
            con.execute("COMMIT")

    # --- models -----------------------------------------------------------------------------

    def add_model(self, fields: Mapping[str, Any]) -> int:
        """Insert a ``model_runs`` row and return its version.

        The version is 1 + the number of earlier rows with the same dataset fingerprint and
        target, counted in the same transaction as the insert.
        """
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                row = con.execute(
                    "SELECT coalesce(max(version), 0) + 1 FROM model_runs "
                    "WHERE dataset_fingerprint = ? AND target = ?",
                    [fields["dataset_fingerprint"], fields["target"]],
                ).fetchone()
                version = int(row[0]) if row else 1
                values = {
                    **fields,
                    "version": version,
                    "created_at": datetime.now(UTC).replace(tzinfo=None),
                }
                for key in _JSON_FIELDS:
                    values[key] = _dumps(values[key])
                names = list(values)
                con.execute(
                    f"INSERT INTO model_runs ({', '.join(names)}) "
                    f"VALUES ({', '.join('?' for _ in names)})",
                    [values[n] for n in names],
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return version

    def get_model(self, model_id: str) -> ModelRecord | None:
        """The model's row, or ``None``."""
        with self.connect() as con:
            cur = con.execute("SELECT * FROM model_runs WHERE model_id = ?", [model_id])
            row = cur.fetchone()
            if row is None:
                return None
            names = [d[0] for d in cur.description or ()]
        values = dict(zip(names, row, strict=True))
        for key in _JSON_FIELDS:
            values[key] = json.loads(values[key]) if values[key] is not None else None
        return ModelRecord(**values)

    def recent_models(self, limit: int = 10) -> list[tuple[str, str, str, int]]:
        """``(model_id, target, family, version)`` of the latest models, newest first."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT model_id, target, family, version FROM model_runs "
                "ORDER BY created_at DESC LIMIT ?",
                [limit],
            ).fetchall()
        return [(str(a), str(b), str(c), int(d)) for a, b, c, d in rows]

    # --- audits -----------------------------------------------------------------------------

    def add_model_audit(
        self, *, model_id: str, kind: str, run_id: str, data: Mapping[str, Any], summary: Any
    ) -> None:
        """Record an evaluation or fairness report of a model."""
        with self.connect() as con:
            con.execute(
                "INSERT INTO model_audits VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    model_id,
                    kind,
                    datetime.now(UTC).replace(tzinfo=None),
                    run_id,
                    data["path"],
                    data["sha256"],
                    _dumps(summary),
                ],
            )

    def add_data_audit(
        self,
        *,
        kind: str,
        run_id: str,
        data: Mapping[str, Any],
        summary: Any,
        other_fingerprint: str | None = None,
        target: str | None = None,
    ) -> None:
        """Record a leakage check or drift report of a dataset."""
        with self.connect() as con:
            con.execute(
                "INSERT INTO data_audits VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    kind,
                    datetime.now(UTC).replace(tzinfo=None),
                    run_id,
                    data["sha256"],
                    data["path"],
                    other_fingerprint,
                    target,
                    _dumps(summary),
                ],
            )

    def model_audits(self, model_id: str) -> list[dict[str, Any]]:
        """A model's audits, oldest first."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT kind, created_at, run_id, data_path, data_fingerprint, summary "
                "FROM model_audits WHERE model_id = ? ORDER BY created_at",
                [model_id],
            ).fetchall()
        keys = ("kind", "created_at", "run_id", "data_path", "data_fingerprint", "summary")
        return [{**dict(zip(keys, r, strict=True)), "summary": json.loads(r[5])} for r in rows]

    def data_audits(self, fingerprint: str, kind: str) -> list[dict[str, Any]]:
        """Audits of kind ``kind`` whose (reference) dataset has ``fingerprint``, oldest first."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT created_at, run_id, dataset_path, other_fingerprint, target, summary "
                "FROM data_audits WHERE dataset_fingerprint = ? AND kind = ? ORDER BY created_at",
                [fingerprint, kind],
            ).fetchall()
        keys = ("created_at", "run_id", "dataset_path", "other_fingerprint", "target", "summary")
        return [{**dict(zip(keys, r, strict=True)), "summary": json.loads(r[5])} for r in rows]

"""``sql_result``: the answer's SQL returns the same result set as the gold answer.

The scorer runs the candidate query itself, in a fresh in-memory DuckDB holding only the
suite's tables, with file access switched off and the configuration locked once they are
loaded, so a query can neither read nor write anything else. Result sets are compared as
multisets of rows (or as sequences with ``ordered``): numbers numerically (floats within a
tolerance, integers exactly), ``NULL`` equal to ``NULL``, everything else as text.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice, product
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from agentcore.errors import MissingDependencyError, SpecError
from agentcore.evals._types import Sample, Score, Scorer
from agentcore.evals.scorers._answer import code_blocks, expected_for

__all__ = ["SqlResult", "compare_results", "load_table_sql"]

SQL_TOOL = "sql_query"
_READERS = {
    ".csv": "read_csv_auto",
    ".tsv": "read_csv_auto",
    ".parquet": "read_parquet",
    ".pq": "read_parquet",
    ".json": "read_json_auto",
    ".jsonl": "read_json_auto",
    ".ndjson": "read_json_auto",
}
# Trying column orders for ignore_column_order: give up after this many full comparisons.
_MAX_PERMUTATIONS = 200
# Matching leftover rows pairwise (after the sorted merge) costs their product.
_MAX_LEFTOVER_PAIRS = 4_000_000

Cell = tuple[int, Any]  # (kind, value): kinds below, ordered for sorting
_NULL, _BOOL, _NUM, _TEXT = 0, 1, 2, 3
Row = tuple[Cell, ...]


def _cell(value: Any) -> Cell:
    if value is None:
        return (_NULL, None)
    if isinstance(value, bool):
        return (_BOOL, value)
    if isinstance(value, int):
        return (_NUM, value)
    if isinstance(value, float | Decimal):
        return (_NUM, float(value))
    return (_TEXT, str(value))


def _row(values: Sequence[Any]) -> Row:
    return tuple(_cell(v) for v in values)


def _show(row: Row) -> str:
    shown = ", ".join("NULL" if k == _NULL else repr(v) for k, v in row)
    return f"({shown})" if len(shown) <= 120 else f"({shown[:119]}…)"


@dataclass(frozen=True, slots=True)
class _Tolerance:
    rel: float
    abs: float

    def cells(self, a: Cell, b: Cell) -> bool:
        if a[0] != b[0]:
            return False
        if a[0] != _NUM:
            return bool(a[1] == b[1])
        x, y = a[1], b[1]
        if isinstance(x, int) and isinstance(y, int):
            return x == y  # ids and counts: no tolerance
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return math.isclose(x, y, rel_tol=self.rel, abs_tol=self.abs)

    def rows(self, a: Row, b: Row) -> bool:
        return len(a) == len(b) and all(self.cells(x, y) for x, y in zip(a, b, strict=True))


def _key(row: Row) -> tuple[tuple[int, float, str], ...]:
    out = []
    for kind, value in row:
        if kind == _NUM:
            out.append((kind, math.inf if math.isnan(value) else float(value), ""))
        elif kind == _TEXT:
            out.append((kind, 0.0, value))
        else:
            out.append((kind, float(bool(value)), ""))
    return tuple(out)


def _unmatched(got: list[Row], want: list[Row], tol: _Tolerance) -> tuple[list[int], list[int]]:
    """Rows of each side with no partner on the other (multisets, within tolerance)."""
    gi = sorted(range(len(got)), key=lambda i: _key(got[i]))
    wi = sorted(range(len(want)), key=lambda i: _key(want[i]))
    left_got: list[int] = []
    left_want: list[int] = []
    i = j = 0
    while i < len(gi) and j < len(wi):
        a, b = got[gi[i]], want[wi[j]]
        if tol.rows(a, b):
            i, j = i + 1, j + 1
        elif _key(a) < _key(b):
            left_got.append(gi[i])
            i += 1
        else:
            left_want.append(wi[j])
            j += 1
    left_got += gi[i:]
    left_want += wi[j:]
    # Float noise can put two near-equal rows in opposite orders: pair what is left.
    if left_got and left_want and len(left_got) * len(left_want) <= _MAX_LEFTOVER_PAIRS:
        still_want = list(left_want)
        still_got = []
        for g in left_got:
            k = next((k for k, w in enumerate(still_want) if tol.rows(got[g], want[w])), None)
            if k is None:
                still_got.append(g)
            else:
                del still_want[k]
        left_got, left_want = still_got, still_want
    return sorted(left_got), sorted(left_want)


def _count(rows: list[Row], row: Row, tol: _Tolerance) -> int:
    return sum(tol.rows(r, row) for r in rows)


def _diff(got: list[Row], want: list[Row], *, ordered: bool, tol: _Tolerance) -> str | None:
    """The first difference between two result sets with the same columns, or ``None``."""
    if ordered:
        for n, (a, b) in enumerate(zip(got, want, strict=False), 1):
            if not tol.rows(a, b):
                return f"row {n}: got {_show(a)}, expected {_show(b)}"
        if len(got) > len(want):
            return f"{len(got)} rows, expected {len(want)}: extra row {_show(got[len(want)])}"
        if len(got) < len(want):
            return f"{len(got)} rows, expected {len(want)}: missing row {_show(want[len(got)])}"
        return None
    extra, missing = _unmatched(got, want, tol)
    if not extra and not missing:
        return None
    more = len(extra) + len(missing) - 1
    tail = f" (and {more} more difference{'s' if more > 1 else ''})" if more else ""
    counts = f"{len(got)} rows, expected {len(want)}; " if len(got) != len(want) else ""
    row = want[missing[0]] if missing else got[extra[0]]
    n_got, n_want = _count(got, row, tol), _count(want, row, tol)
    if n_got and n_want:
        return f"{counts}row {_show(row)} appears {n_got} times, expected {n_want}{tail}"
    what = "missing row" if missing else "unexpected row"
    return f"{counts}{what} {_show(row)}{tail}"


def compare_results(
    got: Sequence[Sequence[Any]],
    want: Sequence[Sequence[Any]],
    *,
    ordered: bool = False,
    ignore_column_order: bool = False,
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-9,
) -> str | None:
    """Compare two result sets; return the first difference, or ``None`` when equivalent.

    Args:
        got: The candidate's rows.
        want: The expected rows.
        ordered: Row order matters.
        ignore_column_order: Columns may come in any order.
        rel_tol: Relative tolerance for floats (integers compare exactly).
        abs_tol: Absolute tolerance for floats.

    """
    tol = _Tolerance(rel=rel_tol, abs=abs_tol)
    got_rows = [_row(r) for r in got]
    want_rows = [_row(r) for r in want]
    if got_rows and want_rows and len(got_rows[0]) != len(want_rows[0]):
        return f"{len(got_rows[0])} columns, expected {len(want_rows[0])}"
    first = _diff(got_rows, want_rows, ordered=ordered, tol=tol)
    if first is None or not ignore_column_order or not got_rows:
        return first
    for order in _column_orders(got_rows, want_rows, tol):
        moved = [tuple(r[k] for k in order) for r in got_rows]
        if _diff(moved, want_rows, ordered=ordered, tol=tol) is None:
            return None
    return f"{first} (in any column order)"


def _column_orders(got: list[Row], want: list[Row], tol: _Tolerance) -> list[tuple[int, ...]]:
    """Column orders of ``got`` worth trying: each column with one that has its values."""

    def column(rows: list[Row], k: int) -> list[Row]:
        return [(r[k],) for r in rows]

    width = len(want[0])
    options = [
        [k for k in range(width) if not any(_unmatched(column(got, k), column(want, j), tol))]
        for j in range(width)
    ]
    orders = (p for p in product(*options) if len(set(p)) == width)
    return list(islice(orders, _MAX_PERMUTATIONS))


def load_table_sql(name: str, path: Path) -> str:
    """The DuckDB statement that loads one data file as a table."""
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(_READERS))
        raise SpecError(f"sql_result: table '{name}': cannot read {path.name}", hint=known)
    quoted_name = '"' + name.replace('"', '""') + '"'
    quoted_path = "'" + str(path).replace("'", "''") + "'"
    return f"CREATE TABLE {quoted_name} AS SELECT * FROM {reader}({quoted_path})"


class _QueryFailed(Exception):
    pass


def _run_query(
    sql: str, tables: dict[str, Path], timeout_s: float
) -> tuple[list[tuple[Any, ...]], int]:
    """Run ``sql`` in a fresh locked-down DuckDB holding ``tables``: rows and column count.

    Raises:
        _QueryFailed: The query failed or timed out (the message says why).

    """
    try:
        import duckdb
    except ImportError:
        raise MissingDependencyError("duckdb", install="pip install duckdb") from None

    con = duckdb.connect(":memory:")
    try:
        for name, path in tables.items():
            con.execute(load_table_sql(name, path))
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        timer = threading.Timer(timeout_s, con.interrupt)
        timer.start()
        try:
            con.execute(sql)
            if con.description is None:
                raise _QueryFailed("the query returned no result set")
            width = len(con.description)
            rows = con.fetchall()
        except duckdb.InterruptException:
            raise _QueryFailed(f"the query ran longer than {timeout_s:g}s") from None
        except duckdb.Error as exc:
            raise _QueryFailed(" ".join(str(exc).split())[:500]) from None
        finally:
            timer.cancel()
        return rows, width
    finally:
        con.close()


def candidate_sql(sample: Sample) -> tuple[str | None, str]:
    """The answer's SQL: the last successful ``sql_query`` call, else the last sql block."""
    for call in reversed(sample.tool_calls()):
        sql = call.args.get("sql")
        if call.tool == SQL_TOOL and not call.is_error and isinstance(sql, str) and sql.strip():
            return sql, f"the last successful {SQL_TOOL} call"
    blocks = code_blocks(sample.answer, "sql")
    if blocks and blocks[-1].strip():
        return blocks[-1], "the answer's last sql block"
    return None, ""


class SqlResult(Scorer):
    """The answer's SQL returns the same result set as the gold answer.

    The candidate is the SQL of the last successful ``sql_query`` call of the run, else the
    last ```` ```sql ```` block of the answer. The expected result is ``{rows: [[...], ...]}``
    (literal rows) or ``{sql: "..."}`` (a gold query run the same way), from the ``expected``
    option or the case's ``expected``. Column names are ignored.

    Attributes:
        tables: Table name -> CSV, Parquet or JSON file, relative to the run's workspace
            first, then to the suite's folder.
        expected: ``{rows: ...}`` or ``{sql: ...}`` (default: the case's ``expected``).
        ordered: Row order matters (for ``ORDER BY`` questions).
        ignore_column_order: Columns may come in any order.
        rel_tol: Relative tolerance for floats (integers compare exactly).
        abs_tol: Absolute tolerance for floats.
        timeout_s: Longest a query may run.

    """

    name: ClassVar[str] = "sql_result"
    uses_workspace: ClassVar[bool] = True

    tables: dict[str, str] = Field(default_factory=dict)
    expected: dict[str, Any] | list[Any] | None = None
    ordered: bool = False
    ignore_column_order: bool = False
    rel_tol: float = Field(1e-6, ge=0.0)
    abs_tol: float = Field(1e-9, ge=0.0)
    timeout_s: float = Field(60.0, gt=0.0)

    async def score(self, sample: Sample) -> Score:
        tables = {name: _locate(name, path, sample) for name, path in self.tables.items()}
        want, want_width = await self._expected(sample, tables)
        sql, source = candidate_sql(sample)
        if sql is None:
            return self._fail("no SQL found: no successful sql_query call and no sql block")
        try:
            got, got_width = await asyncio.to_thread(_run_query, sql, tables, self.timeout_s)
        except _QueryFailed as exc:
            return self._fail(f"the query failed: {exc}", sql=sql, source=source)
        details: dict[str, Any] = {"sql": sql, "source": source, "rows": len(got)}
        why: str | None
        if got_width != want_width and want_width:
            why = f"{got_width} columns, expected {want_width}"
        else:
            why = await asyncio.to_thread(self._compare, got, want)
        if why is None:
            return Score(
                scorer=self.name,
                value=1.0,
                passed=True,
                explanation=f"same result set ({len(got)} rows)",
                details=details,
            )
        return self._fail(why, **details)

    def _compare(self, got: list[Any], want: list[Any]) -> str | None:
        return compare_results(
            got,
            want,
            ordered=self.ordered,
            ignore_column_order=self.ignore_column_order,
            rel_tol=self.rel_tol,
            abs_tol=self.abs_tol,
        )

    async def _expected(self, sample: Sample, tables: dict[str, Path]) -> tuple[list[Any], int]:
        spec = expected_for(self.expected, sample, self.name)
        if isinstance(spec, list):
            spec = {"rows": spec}
        if not isinstance(spec, dict) or len(spec.keys() & {"rows", "sql"}) != 1:
            raise SpecError(
                f"case '{sample.case.id}': sql_result expects {{rows: [[...], ...]}} or "
                f"{{sql: '...'}}, got {spec!r}"[:300]
            )
        if "sql" in spec:
            try:
                return await asyncio.to_thread(_run_query, str(spec["sql"]), tables, self.timeout_s)
            except _QueryFailed as exc:
                raise SpecError(
                    f"case '{sample.case.id}': the gold query of sql_result failed: {exc}"
                ) from None
        rows = [_as_row(r) for r in spec["rows"] or []]
        return rows, max((len(r) for r in rows), default=0)

    def _fail(self, why: str, **details: Any) -> Score:
        return Score(scorer=self.name, value=0.0, passed=False, explanation=why, details=details)


def _as_row(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def _locate(name: str, path: str, sample: Sample) -> Path:
    candidate = Path(path).expanduser()
    if candidate.is_absolute():
        if candidate.is_file():
            return candidate
        places: list[Path] = []
    else:
        places = [p for p in (sample.workspace, sample.suite_dir) if p is not None]
        for base in places:
            if (base / candidate).is_file():
                return base / candidate
    where = " nor ".join(str(p) for p in places) or "anywhere"
    raise SpecError(f"sql_result: table '{name}': {path} not found in {where}")

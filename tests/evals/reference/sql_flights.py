"""The reference agent for sql-flights: a researcher that loads the Parquet files and runs SQL.

The planner gives the question to the researcher (the agent whose instructions say to answer
questions about data files with ``sql_load`` and ``sql_query``). The researcher loads each
file the case ships as a view named after it, runs the reference query below (written by hand
in DuckDB's dialect, independently of the pandas gold answers of
``tests/evals/suites/make_sql_flights.py``) and reports the result with its SQL. The real
DuckDB of the SQL plugin runs every query; the sql_result scorer runs the last one again on the
suite's tables and compares it with the gold rows.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from langchain_core.messages import AIMessage

from agentcore.evals._types import Case
from tests.evals.reference._policy import ReferencePolicy, Step, Turn, tool_calls

SQL = {
    "count-all": "SELECT count(*) AS flights FROM flights",
    "cancelled": "SELECT count(*) AS cancelled FROM flights WHERE dep_time IS NULL",
    "no-tailnum": "SELECT count(*) AS flights FROM flights WHERE tailnum IS NULL",
    "per-origin": "SELECT origin, count(*) AS flights FROM flights GROUP BY origin ORDER BY origin",
    "distinct-dest": "SELECT count(DISTINCT dest) AS destinations FROM flights",
    "top5-dest": (
        "SELECT dest, count(*) AS flights FROM flights GROUP BY dest ORDER BY flights DESC LIMIT 5"
    ),
    "busiest-month": (
        "SELECT month, count(*) AS flights FROM flights GROUP BY month "
        "ORDER BY flights DESC LIMIT 1"
    ),
    "weekday": (
        "SELECT dayname(make_date(year, month, day)) AS weekday, count(*) AS flights "
        "FROM flights GROUP BY weekday ORDER BY flights DESC"
    ),
    "christmas": "SELECT count(*) AS flights FROM flights WHERE month = 12 AND day = 25",
    "busiest-day": (
        "SELECT month, day, count(*) AS flights FROM flights GROUP BY month, day "
        "ORDER BY flights DESC LIMIT 1"
    ),
    "top-airline": (
        "SELECT a.name, count(*) AS flights FROM flights f JOIN airlines a USING (carrier) "
        "GROUP BY a.name ORDER BY flights DESC LIMIT 1"
    ),
    "jfk-top3": (
        "SELECT ap.name, count(*) AS flights FROM flights f "
        "JOIN airports ap ON f.dest = ap.faa WHERE f.origin = 'JFK' "
        "GROUP BY ap.name ORDER BY flights DESC LIMIT 3"
    ),
    "unknown-dest": (
        "SELECT DISTINCT f.dest FROM flights f ANTI JOIN airports ap ON f.dest = ap.faa "
        "ORDER BY f.dest"
    ),
    "manufacturers": (
        "SELECT p.manufacturer, count(*) AS flights FROM flights f "
        "JOIN planes p USING (tailnum) GROUP BY p.manufacturer ORDER BY flights DESC LIMIT 3"
    ),
    "tails-not-in-planes": (
        "SELECT count(DISTINCT f.tailnum) AS tailnums FROM flights f "
        "ANTI JOIN planes p USING (tailnum) WHERE f.tailnum IS NOT NULL"
    ),
    "mean-dep-delay": (
        "SELECT origin, avg(dep_delay) AS avg_dep_delay FROM flights GROUP BY origin "
        "ORDER BY origin"
    ),
    "median-arr-delay": "SELECT median(arr_delay) AS median_arr_delay FROM flights",
    "p90-dep-delay": (
        "SELECT origin, quantile_cont(dep_delay, 0.9) AS p90_dep_delay FROM flights "
        "GROUP BY origin ORDER BY origin"
    ),
    "worst-hour": (
        # An hour whose only flight was cancelled has no average (NULL): not the answer.
        "SELECT hour, avg(dep_delay) AS avg_dep_delay FROM flights GROUP BY hour "
        "HAVING avg(dep_delay) IS NOT NULL ORDER BY avg_dep_delay DESC LIMIT 1"
    ),
    "cancel-rate": (
        "SELECT carrier, avg(CASE WHEN dep_time IS NULL THEN 1 ELSE 0 END) AS cancel_rate "
        "FROM flights GROUP BY carrier ORDER BY carrier"
    ),
    "late-share": (
        "SELECT avg(CASE WHEN arr_delay > 15 THEN 1 ELSE 0 END) AS late_share "
        "FROM flights WHERE arr_delay IS NOT NULL"
    ),
    "worst-airlines": (
        "SELECT a.name, avg(f.arr_delay) AS avg_arr_delay FROM flights f "
        "JOIN airlines a USING (carrier) GROUP BY a.name ORDER BY avg_arr_delay DESC LIMIT 3"
    ),
    "longest-route": (
        "SELECT DISTINCT origin, dest, distance FROM flights "
        "WHERE distance = (SELECT max(distance) FROM flights)"
    ),
    "planes-per-origin": (
        "SELECT origin, count(DISTINCT tailnum) AS planes FROM flights GROUP BY origin "
        "ORDER BY origin"
    ),
    "summer-delay": (
        "SELECT avg(arr_delay) AS avg_arr_delay FROM flights WHERE month IN (6, 7, 8)"
    ),
}


class SqlFlightsReference(ReferencePolicy):
    """Researcher: sql_load every file, one sql_query, then the result and its SQL."""

    def plan(self, case: Case) -> list[Step]:
        question = case.input.split("\n\n", 1)[0]
        files = ", ".join(PurePosixPath(f).name for f in case.files)
        return [
            Step(
                id="s1",
                agent="researcher",
                instruction=(
                    f"Answer with SQL on the nycflights13 Parquet files in the workspace "
                    f"({files}): {question} Load each file with sql_load, query with "
                    "sql_query, and report the result table and the final SQL query in a "
                    "```sql block."
                ),
            )
        ]

    def work(self, turn: Turn) -> AIMessage | str:
        if turn.index == 0:
            loads = [
                ("sql_load", {"path": PurePosixPath(f).name, "name": PurePosixPath(f).stem})
                for f in turn.case.files
            ]
            return tool_calls(loads, turn=0)
        sql = SQL[turn.case.id]
        if turn.index == 1:
            return tool_calls([("sql_query", {"sql": sql})], turn=1)
        table = turn.result("sql_query")
        return f"Result:\n\n{table}\n\nThe query:\n\n```sql\n{sql}\n```"

    def synthesise(self, case: Case, summaries: dict[str, str]) -> str:
        return super().synthesise(case, summaries) + "\n\n(Source: sql_query on the Parquet files.)"

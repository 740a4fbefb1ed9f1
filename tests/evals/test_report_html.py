"""The HTML report: one self-contained file whose plots show the log's numbers, all text escaped."""

from __future__ import annotations

from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_testkit import PLANNER_MODEL, log_of, realistic_log, sample

from agentcore.evals._log import LogWriter, read_log
from agentcore.evals._types import EvalLog
from agentcore.evals.report import write_html
from agentcore.evals.report._html import ANSWER_CHARS


class Page(HTMLParser):
    """The elements of a page, with their attributes and the text inside each <details>."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.plot: str | None = None
        self.marks: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.script_text: list[str] = []
        self._in_script = False
        self.details: list[str] = []
        self._details_depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.elements.append((tag, values))
        if tag == "svg":
            self.plot = values.get("data-plot")
        elif self.plot and values.get("class") in ("bar", "point", "bin"):
            self.marks[self.plot].append(values)
        if tag == "script":
            self._in_script = True
        if tag == "details":
            self._details_depth += 1
            self.details.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self.plot = None
        if tag == "script":
            self._in_script = False
        if tag == "details":
            self._details_depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_script:
            self.script_text.append(data)
        if self._details_depth:
            self.details[-1] += data

    def tags(self, name: str) -> list[dict[str, str]]:
        return [attrs for tag, attrs in self.elements if tag == name]


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture
def log() -> EvalLog:
    return realistic_log()


@pytest.fixture
def page(log: EvalLog, tmp_path: Path) -> Page:
    return parse(write_html(log, tmp_path / "sub" / "report.html"))


def test_the_four_plots_are_there(page: Page) -> None:
    plots = [a["data-plot"] for a in page.tags("svg")]
    assert plots == ["score-by-tag", "cost-vs-score", "latency", "agent-cost"]
    for plot in plots:
        assert page.marks[plot], f"{plot} has no data marks"


def test_score_by_tag_bars_are_the_mean_case_score_per_tag(page: Page, log: EvalLog) -> None:
    assert log.summary is not None
    scores: dict[str, list[float]] = defaultdict(list)
    for case in log.summary.case_summaries:
        for tag in case.tags:
            scores[tag].append(case.mean_score)
    bars = {b["data-label"]: float(b["data-value"]) for b in page.marks["score-by-tag"]}
    assert set(bars) == set(scores) == {"sql", "ml", "rag", "routing", "coding", "hard"}
    for tag, values in scores.items():
        assert bars[tag] == pytest.approx(sum(values) / len(values), abs=1e-5)


def test_cost_against_score_has_one_point_per_case(page: Page, log: EvalLog) -> None:
    assert log.summary is not None
    points = {p["data-label"]: p for p in page.marks["cost-vs-score"]}
    cases = log.summary.case_summaries
    assert len(points) == len(cases) == 24
    for case in cases:
        point = points[case.case_id]
        assert float(point["data-x"]) == pytest.approx(case.cost_usd / case.epochs, rel=1e-5)
        assert float(point["data-y"]) == pytest.approx(case.mean_score, abs=1e-5)


def test_latency_histogram_counts_every_sample_in_its_bin(page: Page, log: EvalLog) -> None:
    bins = [
        (float(b["data-lo"]), float(b["data-hi"]), int(b["data-count"]))
        for b in page.marks["latency"]
    ]
    assert sum(count for _, _, count in bins) == len(log.samples) == 72
    for lo, hi, count in bins:
        inside = [s for s in log.samples if lo <= s.duration_s < hi]
        if hi == bins[-1][1]:
            inside = [s for s in log.samples if lo <= s.duration_s <= hi]
        assert len(inside) == count, (lo, hi)


def test_agent_cost_bars_are_split_by_model(page: Page, log: EvalLog) -> None:
    assert log.summary is not None
    bars = page.marks["agent-cost"]
    by_agent: dict[str, float] = defaultdict(float)
    for bar in bars:
        by_agent[bar["data-label"]] += float(bar["data-value"])
    for agent, usage in log.summary.usage.by_agent.items():
        assert by_agent[agent] == pytest.approx(usage.cost_usd, rel=1e-4)
    planner = [b for b in bars if b["data-label"] == "planner"]
    assert [b["data-series"] for b in planner] == [PLANNER_MODEL]
    coder = [b for b in bars if b["data-label"] == "coder"]
    assert [b["data-series"] for b in coder] == ["openai:gpt-4o-mini"]


def test_nothing_is_loaded_from_elsewhere(page: Page, log: EvalLog, tmp_path: Path) -> None:
    for tag, attrs in page.elements:
        for name in ("src", "href", "xlink:href", "srcset"):
            assert name not in attrs, (tag, attrs)
    assert page.tags("link") == []
    text = (tmp_path / "sub" / "report.html").read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text
    assert "@import" not in text and "url(" not in text


def test_answers_and_explanations_are_escaped(tmp_path: Path) -> None:
    evil = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    log = log_of(
        [
            sample("c1", passed=False, answer=evil, explanation=f"got {evil}", tags=["<b>t</b>"]),
            sample("c2", passed=True),
        ],
        model="m<i>x</i>",
    )
    html = write_html(log, tmp_path / "r.html").read_text(encoding="utf-8")
    page = parse(tmp_path / "r.html")
    assert len(page.tags("script")) == 1  # ours, with no src
    assert page.tags("img") == []
    assert page.tags("i") == []
    assert "<b>t</b>" not in html and "&lt;b&gt;t&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "alert('x')" not in "".join(page.script_text)
    assert evil in "".join(page.text)  # shown to the reader as text


def test_each_failing_sample_has_a_details_with_explanation_and_answer(
    page: Page, log: EvalLog
) -> None:
    failing = [s for s in log.samples if not s.passed]
    details = page.tags("details")
    assert len(details) == len(failing) == 28
    assert {(d["data-case"], int(d["data-epoch"])) for d in details} == {
        (s.case_id, s.epoch) for s in failing
    }
    keys = [(d["data-case"], d["data-epoch"]) for d in details]
    by_key = dict(zip(keys, page.details, strict=True))
    for s in failing:
        body = by_key[(s.case_id, str(s.epoch))]
        assert s.scores[0].explanation in body
        assert s.answer in body


def test_the_headline_and_the_case_table_show_the_summary(page: Page, log: EvalLog) -> None:
    assert log.summary is not None
    cards = [a["data-metric"] for a in page.tags("div") if "data-metric" in a]
    assert cards[:5] == ["accuracy", "mean score", "pass@1", "pass@3", "pass^3"]
    text = "".join(page.text)
    assert f"{log.summary.accuracy:.1%}" in text
    assert f"{log.summary.pass_hat_k[3]:.3f}" in text
    rows = [a["data-case"] for a in page.tags("tr") if "data-case" in a]
    assert rows == [c.case_id for c in log.summary.case_summaries]
    assert "ev-20250314-0930" in text and "2025-03-14 09:30:00" in text


def test_a_long_answer_is_cut(tmp_path: Path) -> None:
    answer = "y" * (ANSWER_CHARS + 500)
    log = log_of([sample("c1", passed=False, answer=answer)])
    html = write_html(log, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "y" * ANSWER_CHARS in html and "y" * (ANSWER_CHARS + 1) not in html
    assert "500 more characters" in html


def test_an_unfinished_log_says_so_and_still_plots(tmp_path: Path) -> None:
    done = realistic_log(cases=6)
    log = log_of(done.samples[:10], suite="mixed", epochs=3, finished=False)
    log.header.case_ids = [f"x{i}" for i in range(6)]
    page = parse(write_html(log, tmp_path / "r.html"))
    text = "".join(page.text)
    assert "Unfinished: 10 of 18 samples" in text
    assert len(page.marks["latency"]) >= 1
    assert sum(int(b["data-count"]) for b in page.marks["latency"]) == 10


def test_a_log_without_samples(tmp_path: Path) -> None:
    log = log_of([], finished=False)
    page = parse(write_html(log, tmp_path / "r.html"))
    assert "No samples yet." in "".join(page.text)
    assert page.tags("svg") == []


def test_a_log_read_back_from_its_file(tmp_path: Path) -> None:
    log = realistic_log(cases=5, epochs=2)
    assert log.summary is not None
    path = tmp_path / "ev.jsonl"
    with LogWriter.create(path, log.header) as writer:
        for record in log.samples:
            writer.write_sample(record)
        writer.write_summary(log.summary)
    page = parse(write_html(read_log(path), tmp_path / "r.html"))
    assert len(page.marks["cost-vs-score"]) == 5
    assert sum(int(b["data-count"]) for b in page.marks["latency"]) == 10


def test_without_cost_the_plots_show_tokens(tmp_path: Path) -> None:
    log = log_of(
        [
            sample("a", passed=True, cost=0.0, tokens=1000, agents={"planner": 0.5, "coder": 0.5}),
            sample("b", passed=False, cost=0.0, tokens=3000, agents={"planner": 1.0}),
        ]
    )
    page = parse(write_html(log, tmp_path / "r.html"))
    bars = {b["data-label"]: float(b["data-value"]) for b in page.marks["agent-cost"]}
    assert bars == {"coder": 500.0, "planner": 3500.0}
    points = {p["data-label"]: float(p["data-x"]) for p in page.marks["cost-vs-score"]}
    assert points == {"a": 1000.0, "b": 3000.0}
    assert "Tokens (no cost recorded) by agent" in "".join(page.text)

"""``retrieval_recall`` and ``citations`` on the output of real ``rag_search`` calls."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from agentcore_rag import ingest, rag_search

from agentcore.errors import SpecError
from agentcore.evals import Case, Sample
from agentcore.evals.scorers._retrieval import Citations, RetrievalRecall, parse_passages
from agentcore.tools import ToolContext, config_with_context

# Sections longer than a chunk, so that each one is a passage of its own.
GUIDE = (
    "# User guide\n\nagentcore runs a team of agents.\n\n## Install\n\n"
    + "### Linux\n\n"
    + "Install the package with pip on Linux, then check the version. " * 20
    + "\n\n### macOS\n\n"
    + "Use Homebrew on macOS to get Python, then pip. " * 25
    + "\n\n## Usage\n\n"
    + "Run a task with agentcore run and a task description. " * 25
    + "\n"
)

NOTES = """\
Penguins live in the southern hemisphere.

Gentoo penguins are the fastest swimmers.
"""

# Long sections: a search returning several of them is longer than the trace keeps.
HISTORY = "# Release history\n\n" + "".join(
    f"## Version {n}.0\n\n"
    + f"Version {n}.0 of agentcore made the planner start faster. " * 12
    + "\n\n"
    for n in range(1, 7)
)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir with the collection 'docs' ingested from real files."""
    monkeypatch.setenv("AGENTCORE_MEMORY_EMBEDDER", "testing:hashing")
    data = tmp_path / "data"
    monkeypatch.setenv("AGENTCORE_DATA_DIR", str(data))
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text(GUIDE)
    (docs / "notes.txt").write_text(NOTES)
    (docs / "history.md").write_text(HISTORY)
    ingest([docs], collection="docs")
    return data


class Trace:
    """Real rag_search calls, recorded as the graph records them (results cut at 2,000)."""

    def __init__(self, data_dir: Path, workspace: Path) -> None:
        self.data_dir = data_dir
        self.workspace = workspace
        self.records: list[dict[str, Any]] = []
        self.outputs: list[str] = []

    def search(self, query: str, **args: Any) -> str:
        args = {"query": query, "collection": "docs", **args}
        ctx = ToolContext(
            run_id="run-1",
            agent="researcher",
            workspace=self.workspace,
            data_dir=self.data_dir,
            settings={},
            emit=lambda kind, data: None,
        )
        call_id = f"c{len(self.records)}"
        self.records.append(
            {
                "type": "tool_call",
                "agent": "researcher",
                "step": "s1",
                "tool": "rag_search",
                "args": args,
                "call_id": call_id,
            }
        )
        output = asyncio.run(rag_search.ainvoke(args, config=config_with_context(ctx)))
        assert isinstance(output, str)
        self.records.append(
            {
                "type": "tool_result",
                "agent": "researcher",
                "step": "s1",
                "tool": "rag_search",
                "call_id": call_id,
                "is_error": False,
                "chars": len(output),
                "output": output[:2000],
            }
        )
        self.outputs.append(output)
        return output


@pytest.fixture
def trace(data_dir: Path, tmp_path: Path) -> Trace:
    return Trace(data_dir, tmp_path)


def sample(trace: Trace, answer: str = "", expected: Any = None, **kwargs: Any) -> Sample:
    return Sample(
        case=Case(id="q1", input="How do I install on Linux?", expected=expected),
        epoch=1,
        answer=answer,
        status="completed",
        trace=list(trace.records),
        **{"data_dir": trace.data_dir, **kwargs},
    )


def run(scorer: Any, s: Sample) -> Any:
    return asyncio.run(scorer.score(s))


def test_the_citations_of_a_real_search_are_parsed(trace: Trace) -> None:
    output = trace.search("pip install on Linux", k=3)
    passages = parse_passages(output)
    assert len(passages) == 3
    assert {p.file for p in passages} == {"docs/guide.md"}
    linux = [p for p in passages if p.section == "User guide \u203a Install \u203a Linux"]
    assert len(linux) == 1
    assert 1 <= linux[0].start <= linux[0].end


def test_recall_over_the_expected_sources(trace: Trace) -> None:
    trace.search("pip install on Linux", k=2)
    linux = run(RetrievalRecall(), sample(trace, expected=["guide.md § Linux"]))
    assert linux.passed and linux.value == 1.0
    assert linux.explanation == "retrieved 1 of 1 expected source(s)"

    both = sample(trace, expected=["docs/guide.md § Linux", {"file": "notes.txt", "lines": [1, 3]}])
    half = run(RetrievalRecall(), both)
    assert (half.passed, half.value) == (False, 0.5)
    assert half.details["missed"] == ["notes.txt (lines 1-3)"]
    assert "missed: notes.txt (lines 1-3)" in half.explanation
    assert run(RetrievalRecall(min_recall=0.5), both).passed

    wrong_section = run(RetrievalRecall(sources=["guide.md § macOS"]), sample(trace))
    assert not wrong_section.passed


def test_lines_must_overlap_the_passage(trace: Trace) -> None:
    trace.search("penguins southern hemisphere swimmers", k=1)
    assert run(
        RetrievalRecall(sources=[{"file": "notes.txt", "lines": "2-3"}]), sample(trace)
    ).passed
    far = run(RetrievalRecall(sources=[{"source": "notes.txt", "lines": [50, 60]}]), sample(trace))
    assert not far.passed


def test_a_result_cut_in_the_trace_is_searched_again(trace: Trace) -> None:
    output = trace.search("release version planner start faster", k=6)
    assert len(output) > 2000  # the trace keeps only the first 2,000 characters
    everything = parse_passages(output)
    seen = parse_passages(output[:2000])
    assert len(seen) < len(everything)
    late = everything[-1]
    expected = [{"file": late.file, "section": late.section, "lines": [late.start, late.end]}]
    recovered = run(RetrievalRecall(), sample(trace, expected=expected))
    assert recovered.passed, recovered.explanation
    assert "notes" not in recovered.details

    without = run(RetrievalRecall(), sample(trace, expected=expected, data_dir=None))
    assert not without.passed
    assert "was cut in the trace" in without.details["notes"][0]


def test_no_search_fails_and_says_so(trace: Trace) -> None:
    score = run(RetrievalRecall(), sample(trace, expected=["guide.md"]))
    assert not score.passed
    assert score.explanation == "the run made no rag_search call"


def test_bad_expected_sources_are_suite_errors(trace: Trace) -> None:
    with pytest.raises(SpecError, match="needs the expected sources"):
        run(RetrievalRecall(), sample(trace))
    with pytest.raises(SpecError, match="lines must be"):
        run(RetrievalRecall(sources=[{"file": "a.md", "lines": "soon"}]), sample(trace))
    with pytest.raises(SpecError, match="an expected source must be"):
        run(Citations(sources=[{"path": "a.md"}]), sample(trace))


def test_an_answer_citing_the_expected_source_passes(trace: Trace) -> None:
    trace.search("pip install on Linux", k=2)
    expected = ["guide.md § Linux"]
    cited = "Run `pip install agentcore` [docs/guide.md § User guide \u203a Install \u203a Linux]."
    score = run(Citations(only_retrieved=True), sample(trace, cited, expected))
    assert score.passed, score.explanation
    assert score.details["cited"] == ["guide.md § Linux"]
    assert score.details["not_retrieved"] == []

    uncited = run(Citations(), sample(trace, "Run pip install agentcore.", expected))
    assert not uncited.passed
    assert uncited.explanation.startswith("cites 0 of the expected source(s), needs 1")

    other_section = "See guide.md § Usage."
    assert not run(Citations(), sample(trace, other_section, expected)).passed


def test_a_made_up_citation_fails_when_only_retrieved(trace: Trace) -> None:
    trace.search("pip install on Linux", k=1)
    answer = "Use pip (docs/guide.md § Linux); see also docs/secret-setup.md and faq.pdf."
    lenient = run(Citations(), sample(trace, answer, ["guide.md"]))
    assert lenient.passed
    strict = run(Citations(only_retrieved=True), sample(trace, answer, ["guide.md"]))
    assert not strict.passed and strict.value == 0.0
    assert strict.details["not_retrieved"] == ["docs/secret-setup.md", "faq.pdf"]
    assert "cites what no rag_search returned: docs/secret-setup.md, faq.pdf" in strict.explanation


def test_min_zero_checks_only_that_citations_were_retrieved(trace: Trace) -> None:
    trace.search("penguins swimmers", k=1)
    ok = run(Citations(min=0, only_retrieved=True), sample(trace, "Gentoos are fast (notes.txt)."))
    assert ok.passed and ok.value == 1.0


def test_expected_may_be_a_mapping_with_sources_labelled_by_passage(trace: Trace) -> None:
    trace.search("pip install on Linux", k=2)
    expected = {
        "contains": "pip",
        "sources": [
            {"file": "docs/guide.md", "section": "Linux", "passage": "guide:2"},
            {"file": "docs/guide.md", "section": "Linux", "passage": "guide:3"},
        ],
    }
    score = run(RetrievalRecall(), sample(trace, expected=expected))
    assert score.passed, score.explanation
    assert score.details["found"] == ["docs/guide.md § Linux"]  # one source, two labels
    cited = run(Citations(), sample(trace, "pip (docs/guide.md § Linux)", expected))
    assert cited.passed


def test_a_chunk_spanning_sibling_sections_belongs_to_each_of_them() -> None:
    SEP = "\u203a"  # the RAG plugin's section path separator
    from agentcore.evals.scorers._retrieval import Passage, Source

    chunk = Passage(
        file="datamodel.md", section=f"Customizing attribute access {SEP} Invoking, __slots__"
    )
    assert Source(
        file="datamodel.md", section=f"Customizing attribute access {SEP} __slots__"
    ).matches(chunk)
    assert Source(file="datamodel.md", section="__slots__").matches(chunk)
    assert Source(file="datamodel.md", section="Customizing attribute access").matches(chunk)
    assert not Source(file="datamodel.md", section=f"Basic customization {SEP} __slots__").matches(
        chunk
    )
    assert not Source(
        file="datamodel.md", section=f"Customizing attribute access {SEP} __dict__"
    ).matches(chunk)

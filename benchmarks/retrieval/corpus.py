"""Passages of the Python help topics (``pydoc_data.topics``), built deterministically.

The corpus is the reference text that ships with every CPython (``help("with")`` prints one of
its 79 topics): real prose about the language, offline, ~465,000 characters. The topics change
between patch releases (3.11.2 and 3.11.7 differ in a quarter of the passages), so the labels
are tied to one snapshot: ``pydoc_topics-3.11.7.json.gz`` is ``pydoc_data.topics.topics`` of
CPython 3.11.7, written by ``python benchmarks/retrieval/corpus.py --write-snapshot`` on that
Python (a test checks it still equals the installed topics when run there). The labelled
questions in ``pydoc_questions.yaml`` point at passage ids made by the rule below, so the rule
must not change without relabelling (``CORPUS_SHA256`` guards this).

The rule:

1. Topics are taken shortest first (ties by name), so that text which appears in several topics
   (the ``with`` statement is both the topic "with" and a section of "compound") is kept in the
   most specific one.
2. A topic is cut into sections at its reST-style headings: a line underlined by a line of the
   same length made of one of ``* = - ~``. A section's heading path ("Special method names >
   Basic customization") starts every passage made from it.
3. A section's body is cut into blocks: a block starts at a line in column 0 after a blank line;
   indented paragraphs that follow (a method's description under its signature, a grammar rule
   or a code example under the sentence introducing it) stay in the block.
4. A block whose whitespace-collapsed text already appeared in a topic taken earlier is dropped.
   Then a section with fewer than ``MIN_SECTION_WORDS`` words left is dropped whole (leftover
   "See also:" or "is semantically equivalent to:" lines).
5. Consecutive blocks of a section are packed greedily into passages of at most ``MAX_WORDS``
   words (body words, whitespace-separated). A block longer than that is split at its blank
   lines, a paragraph longer than that between sentences, and a sentence longer than that (a
   long code listing) at its line breaks.
6. A passage's id is ``<topic>:<n>``, n counting the topic's passages from 0.

Run this file to print the corpus statistics and its fingerprint, or to print passages:
``python benchmarks/retrieval/corpus.py [--show ID...] [--grep WORD]``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MAX_WORDS = 120
MIN_SECTION_WORDS = 15
UNDERLINES = "*=-~"
QUESTIONS = Path(__file__).with_name("pydoc_questions.yaml")
LABELLED_ON = "3.11.7"  # the CPython whose help topics were labelled
SNAPSHOT = Path(__file__).with_name(f"pydoc_topics-{LABELLED_ON}.json.gz")
CORPUS_SHA256 = "6ba9fded8cf1ce647bd9cf7c45278537f2d581d3fbc5a79b53505cf8b7842edf"


@dataclass(frozen=True, slots=True, kw_only=True)
class Passage:
    id: str
    topic: str
    section: str
    text: str  # the heading path, a blank line, then the body


def _is_underline(line: str, above: str) -> bool:
    return (
        bool(line)
        and line[0] in UNDERLINES
        and len(set(line)) == 1
        and len(line) == len(above)
        and bool(above.strip())
    )


def _sections(text: str) -> Iterator[tuple[str, list[str]]]:
    """(heading path, body lines) for each section of a topic, in order."""
    lines = text.split("\n")
    path: list[tuple[str, str]] = []  # (underline char, title)
    levels: list[str] = []  # underline chars in order of first use: the heading levels
    body: list[str] = []
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and _is_underline(lines[i + 1], lines[i]):
            if path:
                yield " > ".join(title for _, title in path), body
            char = lines[i + 1][0]
            if char not in levels:
                levels.append(char)
            level = levels.index(char)
            path = [p for p in path if levels.index(p[0]) < level]
            path.append((char, lines[i].strip()))
            body = []
            i += 2
            continue
        body.append(lines[i])
        i += 1
    if path:
        yield " > ".join(title for _, title in path), body


def _blocks(body: list[str]) -> list[str]:
    """Rule 3: a block is a column-0 paragraph with the indented paragraphs after it."""
    blocks: list[list[str]] = []
    previous_blank = True
    for line in body:
        if line.strip() and previous_blank and not line[0].isspace():
            blocks.append([])
        if not blocks:
            blocks.append([])
        blocks[-1].append(line)
        previous_blank = not line.strip()
    return ["\n".join(b).strip("\n") for b in blocks if any(line.strip() for line in b)]


def _words(text: str) -> int:
    return len(text.split())


def _greedy(parts: list[str], sep: str, limit: int = MAX_WORDS) -> list[str]:
    """Consecutive parts joined by sep while the result stays within limit words."""
    out: list[str] = []
    current: list[str] = []
    count = 0
    for part in parts:
        n = _words(part)
        if not n:
            continue
        if current and count + n > limit:
            out.append(sep.join(current))
            current, count = [], 0
        current.append(part)
        count += n
    if current:
        out.append(sep.join(current))
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(*])")


def _split_long(block: str, limit: int = MAX_WORDS) -> list[str]:
    """Rule 5: a block over limit words split at blank lines, then sentences, then lines."""
    if _words(block) <= limit:
        return [block]
    pieces: list[str] = []
    for paragraph in re.split(r"\n\s*\n", block):
        if _words(paragraph) <= limit:
            pieces.append(paragraph)
            continue
        sentences: list[str] = []
        for sentence in _SENTENCE_END.split(paragraph):
            if _words(sentence) <= limit:
                sentences.append(sentence)
            else:
                sentences.extend(_greedy(sentence.split("\n"), "\n", limit))
        pieces.extend(_greedy(sentences, " ", limit))
    return _greedy(pieces, "\n\n", limit)


def _normalise(text: str) -> str:
    return " ".join(text.split())


def installed_topics() -> dict[str, str]:
    """The help topics of the running Python."""
    from pydoc_data.topics import topics

    return dict(topics)


def load_topics() -> dict[str, str]:
    """The labelled snapshot of the help topics."""
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as f:
        topics: dict[str, str] = json.load(f)
    return topics


def write_snapshot() -> None:
    data = json.dumps(installed_topics(), sort_keys=True, ensure_ascii=False, indent=0)
    SNAPSHOT.with_name(f"pydoc_topics-{sys.version.split()[0]}.json.gz").write_bytes(
        gzip.compress(data.encode("utf-8"), compresslevel=9, mtime=0)
    )


@cache
def build_corpus() -> tuple[Passage, ...]:
    """All passages, in topic order (shortest topic first)."""
    topics = load_topics()
    seen: set[str] = set()
    passages: list[Passage] = []
    for topic in sorted(topics, key=lambda name: (len(topics[name]), name)):
        kept_blocks: list[tuple[str, list[str]]] = []
        topic_blocks: set[str] = set()
        for section, body in _sections(topics[topic]):
            blocks = [b for b in _blocks(body) if _normalise(b) not in seen]
            topic_blocks.update(_normalise(b) for b in _blocks(body))
            if sum(_words(b) for b in blocks) >= MIN_SECTION_WORDS:
                kept_blocks.append((section, blocks))
        seen |= topic_blocks
        n = 0
        for section, blocks in kept_blocks:
            pieces = [piece for block in blocks for piece in _split_long(block)]
            for body_text in _greedy(pieces, "\n\n"):
                passages.append(
                    Passage(
                        id=f"{topic}:{n}",
                        topic=topic,
                        section=section,
                        text=f"{section}\n\n{body_text}",
                    )
                )
                n += 1
    return tuple(passages)


def sub_passages(limit: int) -> list[tuple[str, str]]:
    """(parent passage id, text): every passage's body cut again by rule 5 into pieces of at
    most ``limit`` words, each under the passage's heading path. For small-to-big retrieval:
    search the pieces, return their passages."""
    out = []
    for p in build_corpus():
        body = p.text.split("\n\n", 1)[1]
        for piece in _split_long(body, limit):
            out.append((p.id, f"{p.section}\n\n{piece}"))
    return out


def corpus_sha256() -> str:
    """Fingerprint of the passages (ids and texts): labels are valid only for this one."""
    digest = hashlib.sha256()
    for passage in build_corpus():
        digest.update(passage.id.encode() + b"\0" + passage.text.encode() + b"\0")
    return digest.hexdigest()


def by_id() -> dict[str, Passage]:
    return {p.id: p for p in build_corpus()}


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    id: str
    question: str
    relevant: tuple[str, ...]
    topic: str
    note: str


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """The labelled questions (pydoc_questions.yaml)."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Question(
            id=str(q["id"]),
            question=str(q["question"]),
            relevant=tuple(str(r) for r in q["relevant"]),
            topic=str(q["topic"]),
            note=str(q.get("note", "")),
        )
        for q in data["questions"]
    ]


def check_labels() -> str | None:
    """Why the labels may not fit the passages, or None when they do."""
    if corpus_sha256() == CORPUS_SHA256:
        return None
    return (
        f"the passages are not those the questions were labelled on (corpus sha256 "
        f"{corpus_sha256()[:12]}, labelled {CORPUS_SHA256[:12]}): the cutting rule or "
        f"{SNAPSHOT.name} changed, relabel pydoc_questions.yaml"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--show", nargs="*", default=[], help="print these passages")
    parser.add_argument("--grep", help="print the ids of passages containing this (regex, i)")
    parser.add_argument("--topic", help="print every passage of this topic")
    parser.add_argument(
        "--write-snapshot", action="store_true", help="snapshot this Python's help topics"
    )
    args = parser.parse_args()
    if args.write_snapshot:
        write_snapshot()
        return
    passages = build_corpus()
    index = by_id()
    for pid in args.show:
        print(f"--- {pid}\n{index[pid].text}\n")
    if args.topic:
        for p in passages:
            if p.topic == args.topic:
                print(f"--- {p.id}\n{p.text}\n")
    if args.grep:
        pattern = re.compile(args.grep, re.I)
        for p in passages:
            if pattern.search(p.text):
                print(p.id, "|", p.section)
    if not (args.show or args.grep or args.topic):
        words = sorted(_words(p.text) for p in passages)
        print(
            f"{SNAPSHOT.name}: {len(passages)} passages from "
            f"{len({p.topic for p in passages})} topics; words per passage: min {words[0]}, "
            f"median {words[len(words) // 2]}, max {words[-1]}, total {sum(words)}; "
            f"sha256 {corpus_sha256()}"
        )


if __name__ == "__main__":
    main()

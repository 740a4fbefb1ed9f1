"""``retrieval_recall`` and ``citations``: did the run find the right passages, and cite them?

Both read what the run's ``rag_search`` calls returned from its trace: every passage comes
under its citation, ``[n] docs/guide.md § Install > Linux (lines 12-30)`` (typeset with a
U+203A between sections and an en dash in the span). The trace keeps the first 2,000
characters of a tool result; when a result was cut and the run's data dir is known, the same
search is run again on its collection to recover the passages after the cut.

Expected sources (the case's ``expected``, or the ``sources`` option) are a list whose items
are a file (``"guide.md"``), a file and section (``"guide.md § Install"``), or a mapping
``{file: ..., section: ..., lines: [start, end]}`` (``source`` is accepted for ``file``).
A source matches a passage when the file is the same (or one path ends with the other), the
section, if given, is part of the passage's section path (case-insensitive), and the lines, if
given, overlap the passage's span. The expected value may also be a mapping with the list under
``sources`` (next to other scorers' keys). A ``passage`` (or ``id``) key is accepted as a label
but not matched: ``rag_search`` shows citations, not chunk ids, so sources that differ only by
passage count once.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from agentcore.errors import SpecError, UserError
from agentcore.evals._types import Sample, Score, Scorer

_CITATION = re.compile(
    r"^\[\d+\]\s+(?P<file>\S.*?)(?:\s+§\s+(?P<section>.+?))?"
    r"\s+\((?:lines?|p\.|pp\.|cells?)\s+(?P<start>\d+)(?:\u2013(?P<end>\d+))?\)"
    r"(?:\s+\[collection [^\]]+\])?\s*$",
    re.MULTILINE,
)
#: Document types ``rag_search`` cites (``agentcore_rag.FORMATS``), for spotting cited files.
_DOC_EXTENSIONS = ("md", "markdown", "txt", "rst", "html", "htm", "pdf", "py", "ipynb")
_SECTION_SEP = re.compile(r"\s*[\u203a>/]\s*")


@dataclass(frozen=True, kw_only=True, slots=True)
class Passage:
    """Where a retrieved passage comes from."""

    file: str
    section: str = ""
    start: int = 0
    end: int = 0


@dataclass(frozen=True, kw_only=True, slots=True)
class Source:
    """An expected source: a file, and optionally a section and a line span."""

    file: str
    section: str | None = None
    lines: tuple[int, int] | None = None

    def __str__(self) -> str:
        text = self.file + (f" § {self.section}" if self.section else "")
        return text + (f" (lines {self.lines[0]}-{self.lines[1]})" if self.lines else "")

    def matches(self, passage: Passage) -> bool:
        """Whether ``passage`` comes from this source."""
        if not _same_file(self.file, passage.file):
            return False
        if self.section and not any(
            self.section.casefold() in label.casefold() for label in _section_paths(passage.section)
        ):
            return False
        if self.lines is not None:
            start, end = self.lines
            return passage.start <= end and start <= max(passage.end, passage.start)
        return True


def _section_paths(label: str) -> list[str]:
    """The section paths a chunk's label stands for.

    A chunk spanning sibling sections is labelled with their common path and their names
    joined by commas (``Install \u203a Linux, macOS``): it belongs to each of them.
    """
    head, sep, last = label.rpartition("\u203a")
    names = [n.strip() for n in last.split(",")]
    if len(names) < 2:
        return [label]
    return [label, *(f"{head}{sep} {name}" if sep else name for name in names)]


class RetrievalRecall(Scorer):
    """Recall of the expected sources over the passages the run's ``rag_search`` calls returned.

    The value is the share of expected sources that some returned passage comes from; the
    sample passes when it is at least ``min_recall`` (by default every expected source).

    Attributes:
        sources: The expected sources (default: the case's ``expected``).
        min_recall: The recall needed to pass, 0 to 1.

    Example:
        ```yaml
        expected: ["guide.md § Install", {file: notes.txt, lines: [1, 3]}]
        scorers: [{retrieval_recall: {min_recall: 0.5}}]
        ```
    """

    name: ClassVar[str] = "retrieval_recall"

    sources: list[str | dict[str, Any]] | None = None
    min_recall: float = Field(1.0, ge=0.0, le=1.0)

    async def score(self, sample: Sample) -> Score:
        """Compare the expected sources with the passages the run retrieved.

        Raises:
            SpecError: No expected sources, or one is malformed.
        """
        expected = expected_sources(self.sources, sample, self.name)
        passages, notes = await asyncio.to_thread(retrieved_passages, sample)
        found = [s for s in expected if any(s.matches(p) for p in passages)]
        missed = [str(s) for s in expected if s not in found]
        recall = len(found) / len(expected)
        passed = recall >= self.min_recall
        searches = sum(1 for c in sample.tool_calls() if c.tool == "rag_search")
        if not searches:
            explanation = "the run made no rag_search call"
        else:
            explanation = f"retrieved {len(found)} of {len(expected)} expected source(s)"
            if missed:
                explanation += f"; missed: {', '.join(missed)}"
        return Score(
            scorer=self.name,
            value=recall,
            passed=passed,
            explanation=explanation,
            details={
                "recall": recall,
                "found": [str(s) for s in found],
                "missed": missed,
                "retrieved": sorted({_describe(p) for p in passages}),
                "searches": searches,
                **({"notes": notes} if notes else {}),
            },
        )


class Citations(Scorer):
    """The final answer cites expected sources, and (optionally) only sources it retrieved.

    A source is cited when its file name appears in the answer and, when the source names a
    section, that section does too.

    Attributes:
        sources: The expected sources (default: the case's ``expected``).
        min: How many expected sources the answer must cite.
        only_retrieved: Fail an answer that cites a document no ``rag_search`` call returned
            (a made-up citation).

    Example:
        ```yaml
        scorers: [{citations: {min: 1, only_retrieved: true}}]
        ```
    """

    name: ClassVar[str] = "citations"

    sources: list[str | dict[str, Any]] | None = None
    min: int = Field(1, ge=0)
    only_retrieved: bool = False

    async def score(self, sample: Sample) -> Score:
        """Check the answer's citations against the expected and the retrieved sources.

        Raises:
            SpecError: No expected sources (while ``min`` > 0), or one is malformed.
        """
        expected = expected_sources(self.sources, sample, self.name) if self.min else []
        answer = sample.answer
        cited = [s for s in expected if _cites(answer, s)]
        problems: list[str] = []
        if len(cited) < self.min:
            problems.append(
                f"cites {len(cited)} of the expected source(s), needs {self.min} "
                f"(expected: {', '.join(str(s) for s in expected)})"
            )
        details: dict[str, Any] = {"cited": [str(s) for s in cited]}
        if self.only_retrieved:
            passages, notes = await asyncio.to_thread(retrieved_passages, sample)
            retrieved = sorted({p.file for p in passages})
            exts = {*_DOC_EXTENSIONS, *(Path(f).suffix.lstrip(".") for f in retrieved)}
            invented = [
                f
                for f in _cited_files(answer, exts)
                if not any(_same_file(f, r) for r in retrieved)
            ]
            details |= {"retrieved": retrieved, "not_retrieved": invented}
            if notes:
                details["notes"] = notes
            if invented:
                problems.append(f"cites what no rag_search returned: {', '.join(invented)}")
        passed = not problems
        value = min(1.0, len(cited) / self.min) if self.min else 1.0
        if self.only_retrieved and details["not_retrieved"]:
            value = 0.0
        explanation = (
            "; ".join(problems)
            if problems
            else f"cites {len(cited)} expected source(s)"
            + (" and nothing it did not retrieve" if self.only_retrieved else "")
        )
        return Score(
            scorer=self.name, value=value, passed=passed, explanation=explanation, details=details
        )


def expected_sources(option: list[Any] | None, sample: Sample, scorer: str) -> list[Source]:
    """The expected sources: the ``sources`` option, else the case's ``expected``.

    Raises:
        SpecError: There are none, or an item is not a file, ``file § section`` or mapping.
    """
    raw = option if option is not None else sample.case.expected
    if isinstance(raw, dict) and "sources" in raw:  # expected: {sources: [...], contains: ...}
        raw = raw["sources"]
    if isinstance(raw, str | dict):
        raw = [raw]
    where = f"case '{sample.case.id}': the {scorer} scorer"
    if not isinstance(raw, list) or not raw:
        raise SpecError(
            f"{where} needs the expected sources",
            hint="set the case's expected (or the option sources) to a list like "
            "['guide.md § Install', {file: notes.txt, lines: [1, 3]}]",
        )
    # Sources that differ only by passage id are one source here (see the module docstring).
    return list(dict.fromkeys(_source(item, where) for item in raw))


def _source(item: Any, where: str) -> Source:
    if isinstance(item, str) and item.strip():
        name, _, part = item.partition("§")
        return Source(file=name.strip(), section=part.strip() or None)
    if isinstance(item, dict):
        file = item.get("file", item.get("source"))
        unknown = set(item) - {"file", "source", "section", "lines", "passage", "id"}
        if isinstance(file, str) and file.strip() and not unknown:
            section = item.get("section")
            return Source(
                file=file.strip(),
                section=str(section).strip() if section else None,
                lines=_lines(item.get("lines"), where),
            )
    raise SpecError(
        f"{where}: an expected source must be a file name, 'file § section' or "
        f"{{file, section?, lines?}}; got {item!r}"
    )


def _lines(value: Any, where: str) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*(?:[-\u2013]\s*\d+\s*)?", value):
        ends = [int(n) for n in re.findall(r"\d+", value)]
        return (ends[0], ends[-1])
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
    ):
        return (value[0], value[1])
    raise SpecError(f"{where}: lines must be N, 'A-B' or [A, B]; got {value!r}")


def retrieved_passages(sample: Sample) -> tuple[list[Passage], list[str]]:
    """The passages the run's successful ``rag_search`` calls returned, and notes.

    A result the trace cut is searched again on the run's collection (the same query,
    collection and k) when the sample's data dir is known; else only its first passages count
    and a note says so.
    """
    calls = {r.get("call_id"): r for r in sample.trace if r.get("type") == "tool_call"}
    passages: list[Passage] = []
    notes: list[str] = []
    for record in sample.trace:
        if record.get("type") != "tool_result" or record.get("tool") != "rag_search":
            continue
        if record.get("is_error"):
            continue
        output = str(record.get("output") or "")
        found = parse_passages(output)
        if int(record.get("chars") or 0) > len(output):
            args = dict((calls.get(record.get("call_id")) or {}).get("args") or {})
            again, note = _search_again(sample, args)
            if again is not None and {_describe(p) for p in found} <= {_describe(p) for p in again}:
                found = again
            elif note:
                notes.append(note)
        passages.extend(found)
    return passages, notes


def parse_passages(text: str) -> list[Passage]:
    """The citations of a ``rag_search`` result, in order."""
    return [
        Passage(
            file=m["file"],
            section=m["section"] or "",
            start=int(m["start"]),
            end=int(m["end"] or m["start"]),
        )
        for m in _CITATION.finditer(text)
    ]


def _search_again(sample: Sample, args: dict[str, Any]) -> tuple[list[Passage] | None, str]:
    query = args.get("query")
    cut = "a rag_search result was cut in the trace; only its first passages count"
    if sample.data_dir is None or not isinstance(query, str):
        return None, cut
    try:
        from agentcore_rag import search

        from agentcore.config import load_settings

        settings = load_settings({"data_dir": str(sample.data_dir)})
        collection = args.get("collection")
        result = search(
            query,
            collection=collection if isinstance(collection, str) and collection else None,
            k=int(args.get("k") or 5),
            settings=settings,
        )
    except (ImportError, UserError) as exc:
        return None, f"{cut} (searching again failed: {exc})"
    return [
        Passage(
            file=h.citation.file,
            section=h.citation.section,
            start=h.citation.start,
            end=h.citation.end,
        )
        for h in result.hits
    ], ""


def _describe(p: Passage) -> str:
    return p.file + (f" § {p.section}" if p.section else "") + f" ({p.start}-{p.end})"


def _same_file(a: str, b: str) -> bool:
    a, b = a.strip().replace("\\", "/").casefold(), b.strip().replace("\\", "/").casefold()
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def _cites(answer: str, source: Source) -> bool:
    text = answer.casefold()
    name = Path(source.file).name.casefold()
    if source.file.casefold() not in text and not re.search(
        rf"(?<![\w.-]){re.escape(name)}(?![\w-])", text
    ):
        return False
    if source.section:
        last = _SECTION_SEP.split(source.section.strip())[-1].casefold()
        return source.section.casefold() in text or last in text
    return True


def _cited_files(answer: str, extensions: set[str]) -> list[str]:
    exts = "|".join(sorted((re.escape(e) for e in extensions if e), key=len, reverse=True))
    pattern = rf"(?<![\w/.@:-])((?:[\w.-]+/)*[\w-][\w.-]*\.(?:{exts}))(?![\w/-])"
    seen: dict[str, None] = {}
    for match in re.finditer(pattern, answer, re.IGNORECASE):
        seen.setdefault(match.group(1), None)
    return list(seen)

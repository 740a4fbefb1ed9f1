"""Structure-aware chunking: sections stay whole when they fit, code blocks are not cut.

Blocks (paragraphs, code blocks, a function) are packed in order into chunks of at most
``size``. A chunk ends at a section boundary unless it is still small (under a third of the
size) or the next section is a sibling or child of the current one (the subsections of one
section; a class then its methods) and both fit. Inside a section, a new chunk
starts with the last ``overlap`` of the previous one, so a passage cut at a boundary is whole
in one of them. A block larger than the size is split at paragraph, line, sentence and word
boundaries, in that order of preference; an atomic block (code) is split only when it is
over twice the size, and the pieces of a fenced block each get the fences back.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from agentcore_rag._document import Block, Document

SizeUnit = Literal["chars", "tokens"]
Measure = Callable[[str], int]

_TOKEN = re.compile(r"\w+|[^\w\s]")
# Split points, most preferred first: paragraphs, lines, sentence ends, any whitespace.
_SEPARATORS = (
    re.compile(r"\n[ \t]*\n\s*"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?;:])\s+"),
    re.compile(r"\s+"),
)
_MAX_SECTION_NAMES = 3
#: Between the parts of a heading path in a citation (a single right-pointing angle quote).
PATH_SEP = " \u203a "


def count_tokens(text: str) -> int:
    """Approximate tokens: words and punctuation marks (no tokenizer model needed)."""
    return sum(1 for _ in _TOKEN.finditer(text))


def measure_for(unit: SizeUnit) -> Measure:
    """The function that measures text in ``unit``."""
    return len if unit == "chars" else count_tokens


@dataclass(frozen=True, slots=True, kw_only=True)
class ChunkSpec:
    """How big chunks are.

    Attributes:
        size: The most a chunk holds (a code block may reach twice this rather than be cut).
        overlap: How much of a chunk's end the next chunk of the same section repeats.
        unit: ``chars``, or ``tokens`` (approximate: words and punctuation marks).
    """

    size: int = 1200
    overlap: int = 150
    unit: SizeUnit = "chars"


@dataclass(frozen=True, slots=True, kw_only=True)
class Chunk:
    """A piece of a document as it is stored and searched.

    Attributes:
        index: Position in the document, from 0.
        text: The chunk's text.
        section: The heading path as shown in a citation, e.g. ``Install \u203a Linux``.
        start: First line, page or cell.
        end: Last line, page or cell.
    """

    index: int
    text: str
    section: str
    start: int
    end: int


@dataclass(frozen=True, slots=True, kw_only=True)
class _Piece:
    text: str
    heading: tuple[str, ...]
    start: int
    end: int
    block: int  # index of the block it came from
    sep: str  # what separated it from the previous piece of the same block
    fenced: bool = False  # from a fenced block: never overlapped by a part of it
    is_heading: bool = False


def chunk_document(doc: Document, spec: ChunkSpec) -> list[Chunk]:
    """Cut ``doc`` into chunks; the same document and spec always give the same chunks."""
    measure = measure_for(spec.unit)
    line_based = doc.unit == "lines"
    pieces: list[_Piece] = []
    for number, block in enumerate(doc.blocks):
        if block.text.strip():
            pieces.extend(_expand(block, number, spec, measure, line_based=line_based))
    return _pack(pieces, spec, measure, line_based=line_based)


def chunk_id(source: str, file_hash: str, index: int) -> str:
    """A chunk's id: the same file content at the same position always gets the same id."""
    return hashlib.sha256(f"{source}\0{file_hash}\0{index}".encode()).hexdigest()[:32]


def section_label(headings: Sequence[tuple[str, ...]]) -> str:
    """Render the sections a chunk covers: their common path, then the names that differ.

    A chunk that holds the start of the enclosing section (its heading, a class's header)
    is labelled with that section alone.

    ``[("Install", "Linux"), ("Install", "macOS")]`` gives ``Install \u203a Linux, macOS``.
    """
    distinct = list(dict.fromkeys(h for h in headings))
    if not distinct:
        return ""
    common: list[str] = []
    for parts in zip(*distinct, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    if common and tuple(common) in distinct:  # the enclosing section itself is in it
        return PATH_SEP.join(common)
    names = list(dict.fromkeys(h[len(common)] for h in distinct if len(h) > len(common)))
    if len(names) > _MAX_SECTION_NAMES:
        names = [*names[:_MAX_SECTION_NAMES], "…"]
    label = PATH_SEP.join(common)
    if names:
        label = f"{label}{PATH_SEP}{', '.join(names)}" if label else ", ".join(names)
    return label


def split_text(text: str, limit: int, measure: Measure) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of ``text``, each measuring at most ``limit``.

    Cuts at the most preferred boundary that works (paragraph, line, sentence, word) and
    only cuts inside a word when a single word is over the limit.
    """
    return [(s, e) for s, e in _split(text, 0, len(text), max(1, limit), measure, 0) if e > s]


def _split(
    text: str, lo: int, hi: int, limit: int, measure: Measure, level: int
) -> list[tuple[int, int]]:
    if measure(text[lo:hi]) <= limit:
        return [(lo, hi)]
    for depth in range(level, len(_SEPARATORS)):
        parts: list[tuple[int, int]] = []
        pos = lo
        for match in _SEPARATORS[depth].finditer(text, lo, hi):
            if match.start() > pos:
                parts.append((pos, match.start()))
            pos = match.end()
        if pos < hi:
            parts.append((pos, hi))
        if len(parts) > 1:
            return _group(text, parts, limit, measure, depth)
    return _hard_cut(text, lo, hi, limit, measure)


def _group(
    text: str, parts: list[tuple[int, int]], limit: int, measure: Measure, depth: int
) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    for start, end in parts:
        if cur is not None and measure(text[cur[0] : end]) <= limit:
            cur = (cur[0], end)
            continue
        if cur is not None:
            spans.append(cur)
        if measure(text[start:end]) <= limit:
            cur = (start, end)
        else:
            spans.extend(_split(text, start, end, limit, measure, depth + 1))
            cur = None
    if cur is not None:
        spans.append(cur)
    return spans


def _hard_cut(text: str, lo: int, hi: int, limit: int, measure: Measure) -> list[tuple[int, int]]:
    if measure is len:
        return [(s, min(s + limit, hi)) for s in range(lo, hi, limit)]
    # Token units: cut before every limit-th token.
    starts = [m.start() for m in _TOKEN.finditer(text, lo, hi)]
    cuts = [lo, *starts[limit::limit], hi]
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _expand(
    block: Block, number: int, spec: ChunkSpec, measure: Measure, *, line_based: bool
) -> list[_Piece]:
    text = block.text.strip("\n")
    cap = 2 * spec.size if block.atomic else spec.size
    if measure(text) <= cap:
        return [
            _Piece(
                text=text,
                heading=block.heading,
                start=block.start,
                end=block.end,
                block=number,
                sep="\n\n",
                fenced=block.fence is not None,
                is_heading=block.is_heading,
            )
        ]
    body, first_line, opening, closing = text, block.start, "", ""
    lines = text.split("\n")
    if block.fence is not None and len(lines) >= 2:
        opening, closing = block.fence
        has_close = lines[-1].strip() == closing.strip()
        body = "\n".join(lines[1 : -1 if has_close else None])
        first_line += 1
    wrap = measure(f"{opening}\n\n{closing}") if opening else 0
    limit = max(1, spec.size - spec.overlap - wrap)
    pieces: list[_Piece] = []
    previous_end = 0
    for start, end in split_text(body, limit, measure):
        piece = body[start:end].rstrip()
        lead = len(piece) - len(piece.lstrip())
        piece = piece.strip()
        if not piece:
            continue
        if line_based:
            first = first_line + body.count("\n", 0, start + lead)
            last = first + piece.count("\n")
        else:
            first, last = block.start, block.end
        if opening:
            piece = f"{opening}\n{piece}\n{closing}"
        pieces.append(
            _Piece(
                text=piece,
                heading=block.heading,
                start=first,
                end=last,
                block=number,
                sep=body[previous_end:start] or " ",
                fenced=bool(opening),
            )
        )
        previous_end = end
    return pieces


def _join(pieces: Sequence[_Piece], *, line_based: bool) -> str:
    out: list[str] = []
    previous: _Piece | None = None
    for piece in pieces:
        if previous is not None:
            if piece.block == previous.block and not piece.fenced:
                out.append(piece.sep)
            elif line_based and piece.start == previous.end + 1:
                out.append("\n")
            else:
                out.append("\n\n")
        out.append(piece.text)
        previous = piece
    return "".join(out)


def _related(current: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """Whether ``new`` is a child or a sibling of ``current`` (under a shared heading)."""
    if current and new[: len(current)] == current:
        return True
    return len(current) >= 2 and len(new) == len(current) and new[:-1] == current[:-1]


def _pack(
    pieces: list[_Piece], spec: ChunkSpec, measure: Measure, *, line_based: bool
) -> list[Chunk]:
    chunks: list[Chunk] = []
    small = spec.size // 3
    current: list[_Piece] = []

    def emit() -> None:
        chunks.append(
            Chunk(
                index=len(chunks),
                text=_join(current, line_based=line_based),
                section=section_label([p.heading for p in current]),
                start=min(p.start for p in current),
                end=max(p.end for p in current),
            )
        )

    for piece in pieces:
        if not current:
            current = [piece]
            continue
        fits = measure(_join([*current, piece], line_based=line_based)) <= spec.size
        same = piece.heading == current[-1].heading
        if fits and (
            same
            or measure(_join(current, line_based=line_based)) < small
            or _related(current[-1].heading, piece.heading)
        ):
            current.append(piece)
            continue
        carried: list[_Piece] = []
        if (
            len(current) > 1
            and current[-1].is_heading
            and measure(_join([current[-1], piece], line_based=line_based)) <= spec.size
        ):  # a heading goes with its section, never at the end of a chunk
            carried, same = [current.pop()], False
        emit()
        tail = _overlap(current, piece, spec, measure, line_based=line_based) if same else []
        current = [*carried, *tail, piece]
    if current:
        emit()
    return chunks


def _overlap(
    previous: list[_Piece], nxt: _Piece, spec: ChunkSpec, measure: Measure, *, line_based: bool
) -> list[_Piece]:
    """The end of the previous chunk that the next one repeats (within one section)."""
    if spec.overlap <= 0:
        return []
    tail: list[_Piece] = []
    for piece in reversed(previous):
        if piece.heading != nxt.heading:
            break
        if measure(_join([piece, *tail], line_based=line_based)) <= spec.overlap:
            tail.insert(0, piece)
            continue
        if not tail and not piece.fenced:
            part = _tail_lines(piece, spec.overlap, measure, line_based=line_based)
            if part is not None:
                tail = [part]
        break
    while tail and measure(_join([*tail, nxt], line_based=line_based)) > spec.size:
        tail.pop(0)
    return tail


def _tail_lines(piece: _Piece, budget: int, measure: Measure, *, line_based: bool) -> _Piece | None:
    lines = piece.text.split("\n")
    kept: list[str] = []
    for line in reversed(lines):
        if measure("\n".join([line, *kept])) > budget:
            break
        kept.insert(0, line)
    if not kept:  # one long line: its last words
        words = lines[-1].split(" ")
        while words and measure(" ".join(words)) > budget:
            words.pop(0)
        if not words:
            return None
        kept = [" ".join(words)]
    text = "\n".join(kept).strip()
    if not text:
        return None
    start = max(piece.start, piece.end - len(kept) + 1) if line_based else piece.start
    return _Piece(
        text=text,
        heading=piece.heading,
        start=start,
        end=piece.end,
        block=piece.block,
        sep=piece.sep,
    )

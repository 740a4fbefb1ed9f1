"""What a reader makes of a file: blocks of text, each with its heading path and position."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: How a document counts positions: source lines (text formats, code, HTML), PDF pages, or
#: notebook cells. Every position is 1-based and inclusive.
Unit = Literal["lines", "pages", "cells"]


class NotReadable(Exception):
    """A file that cannot be read as its type says; ``reason`` is shown in the ingest summary."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    """A run of text the chunker keeps together when it can: a paragraph, a code block.

    Attributes:
        text: The text, as it appears in the source (for HTML and PDF: as extracted).
        heading: The heading path the block sits under, outermost first; ``()`` before the
            first heading. Consecutive blocks with the same heading form a section.
        start: First line, page or cell of the block (see the document's ``unit``).
        end: Last line, page or cell.
        atomic: Code and the like: never split unless it is far over the chunk size.
        fence: For a fenced code block, its opening and closing fence lines: a block split
            in pieces gets them around each piece, so every piece still reads as code.
        is_heading: The block is a heading line: a chunk never ends with one.
    """

    text: str
    heading: tuple[str, ...] = ()
    start: int
    end: int
    atomic: bool = False
    fence: tuple[str, str] | None = None
    is_heading: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """A file read into blocks, in document order.

    Attributes:
        format: The reader that made it (``markdown``, ``text``, ``rst``, ``html``, ``pdf``,
            ``python``, ``notebook``).
        unit: What ``Block.start`` / ``Block.end`` count.
        blocks: The blocks; empty when the file has no text.
        title: The document's title when it has one (first heading, ``<title>``, PDF title).
    """

    format: str
    unit: Unit
    blocks: tuple[Block, ...] = field(default=())
    title: str | None = None


def split_paragraphs(
    lines: list[str], *, first_line: int, heading: tuple[str, ...] = ()
) -> list[Block]:
    """Blank-line separated paragraphs of ``lines`` (line numbers from ``first_line``)."""
    blocks: list[Block] = []
    start: int | None = None
    for i, line in enumerate([*lines, ""]):
        if line.strip():
            if start is None:
                start = i
        elif start is not None:
            blocks.append(
                Block(
                    text="\n".join(lines[start:i]),
                    heading=heading,
                    start=first_line + start,
                    end=first_line + i - 1,
                )
            )
            start = None
    return blocks

"""Readers for plain text, Markdown and reStructuredText: headings become sections."""

from __future__ import annotations

import re

from agentcore_rag._document import Block, Document, split_paragraphs

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE_OPEN = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
_FENCE_CLOSE = re.compile(r"^\s*(`{3,}|~{3,})[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s")
_THEMATIC_BREAK = re.compile(r"^[\s*_-]+$")
_RST_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_RST_CODE_DIRECTIVE = re.compile(
    r"^\.\.\s+(code-block|code|sourcecode|literalinclude|doctest|testcode|math)::", re.I
)
_RST_TARGET = re.compile(r"^\.\.\s+_[^:]*:")


class HeadingStack:
    """The headings currently open, by level: ``push(2, "Linux")`` under ``Install``."""

    def __init__(self) -> None:
        self._open: list[tuple[int, str]] = []

    def push(self, level: int, title: str) -> tuple[str, ...]:
        """Open a heading at ``level``, closing any at that level or deeper."""
        while self._open and self._open[-1][0] >= level:
            self._open.pop()
        self._open.append((level, title.strip() or "(untitled)"))
        return self.path

    @property
    def path(self) -> tuple[str, ...]:
        """The open headings, outermost first."""
        return tuple(title for _, title in self._open)


def read_text(text: str) -> Document:
    """Plain text: blank-line separated paragraphs, no sections."""
    return Document(
        format="text", unit="lines", blocks=tuple(split_paragraphs(text.splitlines(), first_line=1))
    )


def read_markdown(text: str) -> Document:
    """Markdown: ATX and setext headings, fenced code kept whole, YAML front matter."""
    stack = HeadingStack()
    blocks = markdown_blocks(text, stack)
    title = next((b.heading[0] for b in blocks if b.heading), None)
    return Document(format="markdown", unit="lines", blocks=tuple(blocks), title=title)


def markdown_blocks(text: str, stack: HeadingStack) -> list[Block]:
    """Parse Markdown into blocks; ``stack`` carries headings over (notebook cells share one)."""
    lines = text.splitlines()
    blocks: list[Block] = []
    para: int | None = None
    i = _front_matter_end(lines)
    if i:
        blocks.append(Block(text="\n".join(lines[:i]), start=1, end=i, atomic=True))

    def flush(end: int) -> None:
        nonlocal para
        if para is not None:
            chunk = "\n".join(lines[para:end])
            if not _THEMATIC_BREAK.match(chunk):
                blocks.append(Block(text=chunk, heading=stack.path, start=para + 1, end=end))
            para = None

    while i < len(lines):
        line = lines[i]
        fence = _FENCE_OPEN.match(line)
        if fence and not (fence.group(1)[0] == "`" and "`" in fence.group(2)):
            flush(i)
            i = _fenced_block(lines, i, fence.group(1), stack.path, blocks)
            continue
        atx = _ATX.match(line)
        if atx:
            flush(i)
            path = stack.push(len(atx.group(1)), atx.group(2) or "")
            blocks.append(
                Block(text=line.strip(), heading=path, start=i + 1, end=i + 1, is_heading=True)
            )
        elif _SETEXT.match(line) and para is not None and not _LIST_ITEM.match(lines[para]):
            level = 1 if line.strip()[0] == "=" else 2
            path = stack.push(level, " ".join(x.strip() for x in lines[para:i]))
            text = "\n".join(lines[para : i + 1])
            blocks.append(
                Block(text=text, heading=path, start=para + 1, end=i + 1, is_heading=True)
            )
            para = None
        elif line.strip():
            if para is None:
                para = i
        else:
            flush(i)
        i += 1
    flush(len(lines))
    return blocks


def _front_matter_end(lines: list[str]) -> int:
    if not lines or lines[0].strip() != "---":
        return 0
    for j in range(1, min(len(lines), 200)):
        if lines[j].strip() in ("---", "..."):
            return j + 1
    return 0


def _fenced_block(
    lines: list[str], i: int, marker: str, heading: tuple[str, ...], blocks: list[Block]
) -> int:
    """Add the fenced block opening at ``i``; return the index after it (an open fence: EOF)."""
    j = i + 1
    while j < len(lines):
        close = _FENCE_CLOSE.match(lines[j])
        if close and close.group(1)[0] == marker[0] and len(close.group(1)) >= len(marker):
            break
        j += 1
    last = min(j, len(lines) - 1)
    closing = lines[j].strip() if j < len(lines) else marker
    blocks.append(
        Block(
            text="\n".join(lines[i : last + 1]),
            heading=heading,
            start=i + 1,
            end=last + 1,
            atomic=True,
            fence=(lines[i].strip(), closing),
        )
    )
    return last + 1


def _adornment(line: str) -> str | None:
    s = line.rstrip()
    if len(s) >= 3 and s[0] in _RST_PUNCT and s == s[0] * len(s):
        return s[0]
    return None


def read_rst(text: str) -> Document:
    """reStructuredText: section titles (underlined, optionally overlined) become sections.

    Heading levels follow the order in which adornment styles first appear, as in docutils.
    Literal blocks (after ``::``) and code directives are kept whole.
    """
    lines = text.splitlines()
    styles: list[tuple[str, bool]] = []
    stack = HeadingStack()
    blocks: list[Block] = []
    para: int | None = None
    title: str | None = None

    def flush(end: int) -> None:
        nonlocal para
        if para is not None:
            chunk = "\n".join(lines[para:end])
            blocks.append(Block(text=chunk, heading=stack.path, start=para + 1, end=end))
            para = None

    def heading(text_line: int, first: int, last: int, style: tuple[str, bool]) -> None:
        nonlocal title
        if style not in styles:
            styles.append(style)
        path = stack.push(styles.index(style) + 1, lines[text_line].strip())
        title = title or path[0]
        text = "\n".join(lines[first : last + 1])
        blocks.append(
            Block(text=text, heading=path, start=first + 1, end=last + 1, is_heading=True)
        )

    i = 0
    while i < len(lines):
        line = lines[i]
        over = _adornment(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if (
            over
            and para is None
            and i + 2 < len(lines)
            and nxt.strip()
            and _adornment(lines[i + 2]) == over
        ):
            heading(i + 1, i, i + 2, (over, True))
            i += 3
            continue
        under = _adornment(nxt)
        if (
            para is None
            and line.strip()
            and not line[0].isspace()
            and under
            and not _adornment(line)
            and len(nxt.rstrip()) >= min(len(line.rstrip()), 4)
        ):
            heading(i, i, i + 1, (under, False))
            i += 2
            continue
        if para is None and line.startswith(".. "):
            i = _rst_explicit(lines, i, stack.path, blocks)
            continue
        if line.strip():
            if para is None:
                para = i
            i += 1
            continue
        literal = para is not None and lines[i - 1].rstrip().endswith("::")
        flush(i)
        i = _rst_literal(lines, i, stack.path, blocks) if literal else i + 1
    flush(len(lines))
    return Document(format="rst", unit="lines", blocks=tuple(blocks), title=title)


def _indented_end(lines: list[str], j: int) -> int:
    """Index after the run of blank or indented lines starting at ``j``, trailing blanks off."""
    while j < len(lines) and (not lines[j].strip() or lines[j][0].isspace()):
        j += 1
    while j > 0 and not lines[j - 1].strip():
        j -= 1
    return j


def _rst_explicit(lines: list[str], i: int, heading: tuple[str, ...], blocks: list[Block]) -> int:
    end = max(_indented_end(lines, i + 1), i + 1)
    if not _RST_TARGET.match(lines[i]):
        blocks.append(
            Block(
                text="\n".join(lines[i:end]),
                heading=heading,
                start=i + 1,
                end=end,
                atomic=bool(_RST_CODE_DIRECTIVE.match(lines[i])),
            )
        )
    return end


def _rst_literal(lines: list[str], i: int, heading: tuple[str, ...], blocks: list[Block]) -> int:
    """The indented literal block after a ``::`` paragraph (``i`` is the blank line after it)."""
    j = i
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j >= len(lines) or not lines[j][0].isspace():
        return j
    end = _indented_end(lines, j)
    blocks.append(
        Block(text="\n".join(lines[j:end]), heading=heading, start=j + 1, end=end, atomic=True)
    )
    return end

"""HTML reader (BeautifulSoup): headings become sections; scripts, styles and navigation go."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from agentcore_rag._document import Block, Document
from agentcore_rag._read_text import HeadingStack

if TYPE_CHECKING:
    from bs4 import Tag

_DROP = (
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "svg",
    "iframe",
    "form",
    "button",
    "select",
    "canvas",
    "object",
    "embed",
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "body", "caption", "dd", "details"),
        *("dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "header"),
        *("hgroup", "hr", "html", "li", "main", "ol", "p", "section", "summary", "table"),
        *("tbody", "tfoot", "thead", "tr", "ul"),
    }
)
_CELLS = frozenset({"td", "th"})
_SPACE = re.compile(r"\s+")


class _Walker:
    """Turns the element tree into blocks, flushing inline text at every block boundary."""

    def __init__(self) -> None:
        self.stack = HeadingStack()
        self.blocks: list[Block] = []
        self._parts: list[str] = []
        self._first: int | None = None
        self._last = 0

    def flush(self) -> None:
        lines = (_SPACE.sub(" ", line).strip(" |") for line in "".join(self._parts).split("\n"))
        text = "\n".join(line for line in lines if line)
        if text and self._first is not None:
            self.blocks.append(
                Block(text=text, heading=self.stack.path, start=self._first, end=self._last)
            )
        self._parts, self._first = [], None

    def _note(self, line: int | None, newlines: int = 0) -> None:
        if line is None:
            return
        if self._first is None:
            self._first = line
        self._last = max(self._last, line + newlines, self._first)

    def walk(self, node: Tag) -> None:
        from bs4.element import NavigableString, PreformattedString, Tag

        for child in node.children:
            if isinstance(child, PreformattedString):  # comments, doctype, CDATA
                continue
            if isinstance(child, NavigableString):
                text = str(child)
                if text.strip():
                    self._note(node.sourceline, text.count("\n"))
                    self._parts.append(_SPACE.sub(" ", text))
                elif text and self._parts:
                    self._parts.append(" ")
            elif isinstance(child, Tag):
                self._element(child)

    def _element(self, tag: Tag) -> None:
        name = tag.name
        if name in _HEADINGS:
            self.flush()
            title = _SPACE.sub(" ", tag.get_text(" ", strip=True))
            if title:
                level = _HEADINGS[name]
                path = self.stack.push(level, title)
                line = tag.sourceline or self._last or 1
                self.blocks.append(
                    Block(
                        text=f"{'#' * level} {title}",
                        heading=path,
                        start=line,
                        end=line,
                        is_heading=True,
                    )
                )
        elif name == "pre":
            self.flush()
            raw = tag.get_text()
            code = raw.strip("\n")
            if code.strip():
                line = (tag.sourceline or self._last or 1) + raw.count("\n", 0, raw.index(code))
                self.blocks.append(
                    Block(
                        text=f"```\n{code}\n```",
                        heading=self.stack.path,
                        start=line,
                        end=line + code.count("\n"),
                        atomic=True,
                        fence=("```", "```"),
                    )
                )
        elif name == "br":
            self._parts.append("\n")
        elif name in _CELLS:
            if self._parts and "".join(self._parts).strip():
                self._parts.append(" | ")
            self.walk(tag)
        elif name in _BLOCKS:
            self.flush()
            if name == "li":
                self._parts.append("- ")
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)


def read_html(data: bytes) -> Document:
    """HTML: the text of ``<main>`` (or ``<body>``) as paragraphs under its headings.

    ``<pre>`` blocks are kept whole as code; table rows become ``cell | cell`` lines.
    Positions are source lines (approximate inside long inline runs).
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    title_tag = soup.find("title")
    title = _SPACE.sub(" ", title_tag.get_text(" ", strip=True)) if title_tag else None
    for tag in soup.find_all(_DROP):
        tag.decompose()
    for tag in soup.find_all(True, attrs={"role": "navigation"}):
        tag.decompose()
    mains = soup.find_all("main")
    root = mains[0] if len(mains) == 1 else (soup.find("body") or soup)
    walker = _Walker()
    walker.walk(root)
    walker.flush()
    blocks = tuple(walker.blocks)
    if not title:
        title = next((b.heading[0] for b in blocks if b.heading), None)
    return Document(format="html", unit="lines", blocks=blocks, title=title or None)

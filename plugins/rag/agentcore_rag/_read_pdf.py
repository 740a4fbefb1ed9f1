"""PDF reader (pypdf): text per page; the PDF's outline, when it has one, gives sections."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

from agentcore_rag._document import Block, Document, NotReadable, split_paragraphs

if TYPE_CHECKING:
    from pypdf import PdfReader


def read_pdf(data: bytes) -> Document:
    """A PDF's text, page by page; positions are page numbers (1-based).

    Raises:
        NotReadable: The file is not a PDF pypdf can open, needs a password, or has no
            text layer (a scan needs OCR first).
    """
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed-but-readable files are common
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise NotReadable("encrypted PDF (it needs a password)")
        pages = list(reader.pages)
    except NotReadable:
        raise
    except Exception as exc:  # pypdf raises many types for a damaged file
        raise NotReadable(f"not a readable PDF ({type(exc).__name__}: {exc})") from None
    headings = _outline_by_page(reader, len(pages))
    blocks: list[Block] = []
    for number, page in enumerate(pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception:  # one bad page must not lose the others
            continue
        heading = headings[number - 1]
        for paragraph in split_paragraphs(text.splitlines(), first_line=1):
            blocks.append(Block(text=paragraph.text, heading=heading, start=number, end=number))
    if not blocks:
        raise NotReadable("no text could be extracted (a scanned PDF needs OCR first)")
    return Document(format="pdf", unit="pages", blocks=tuple(blocks), title=_title(reader))


def _title(reader: PdfReader) -> str | None:
    try:
        meta = reader.metadata
        title = meta.title if meta is not None else None
    except Exception:
        return None
    return str(title).strip() or None if title else None


def _outline_by_page(reader: PdfReader, n_pages: int) -> list[tuple[str, ...]]:
    """For each page, the outline (bookmark) path in force on it; ``()`` before the first."""
    entries: list[tuple[int, tuple[str, ...]]] = []

    def visit(items: list[Any], parent: tuple[str, ...]) -> None:
        last: tuple[str, ...] = parent
        for item in items:
            if isinstance(item, list):
                visit(item, last)
                continue
            title = str(getattr(item, "title", "") or "").strip()
            if not title:
                continue
            last = (*parent, title)
            try:
                page = reader.get_destination_page_number(item)
            except Exception:
                continue
            if page is not None and 0 <= page < n_pages:
                entries.append((page, last))

    try:
        visit(list(reader.outline), ())
    except Exception:  # a broken outline only costs the section names
        entries = []
    entries.sort(key=lambda e: e[0])  # stable: same-page entries keep document order
    out: list[tuple[str, ...]] = []
    current: tuple[str, ...] = ()
    k = 0
    for page in range(n_pages):
        while k < len(entries) and entries[k][0] <= page:
            current = entries[k][1]
            k += 1
        out.append(current)
    return out

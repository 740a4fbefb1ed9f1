"""Which reader reads a file, and reading it: bytes in, a :class:`Document` out."""

from __future__ import annotations

from pathlib import Path

from agentcore_rag._document import Document, NotReadable

#: File suffix -> format. A directory walk picks up only these; a file named on the command
#: line with another suffix is read as plain text when it is text.
FORMATS: dict[str, str] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".rst": "rst",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".py": "python",
    ".ipynb": "notebook",
}
#: Bumped when a reader or the chunker changes what it makes of the same file, so that an
#: ingest re-reads files it would otherwise skip as unchanged.
READER_VERSION = 1
_SNIFF = 8192


def format_for(path: Path) -> str | None:
    """The format of ``path`` from its suffix, or ``None`` when no reader claims it."""
    return FORMATS.get(path.suffix.lower())


def decode(data: bytes) -> str:
    """Text of a file: UTF-8 (with or without BOM), else Windows-1252.

    Raises:
        NotReadable: The data looks binary (NUL bytes) or is not text in either encoding.
    """
    if b"\0" in data[:_SNIFF]:
        raise NotReadable("binary file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise NotReadable("not text (neither UTF-8 nor Windows-1252)") from None
    controls = sum(1 for c in text[:_SNIFF] if ord(c) < 32 and c not in "\t\n\r\f")
    if controls > len(text[:_SNIFF]) // 100:
        raise NotReadable("binary file")
    return text


def read_document(data: bytes, fmt: str) -> Document:
    """Read a file's bytes as ``fmt`` (a value of :data:`FORMATS`, or ``text``).

    Raises:
        NotReadable: The file is binary, not valid for its format, or has no text layer.
    """
    if fmt == "pdf":
        if not data.startswith(b"%PDF") and b"%PDF" not in data[:1024]:
            raise NotReadable("not a PDF (no %PDF header)")
        from agentcore_rag._read_pdf import read_pdf

        return read_pdf(data)
    if fmt == "html":
        if b"\0" in data[:_SNIFF]:
            raise NotReadable("binary file")
        from agentcore_rag._read_html import read_html

        return read_html(data)
    text = decode(data)
    if fmt == "markdown":
        from agentcore_rag._read_text import read_markdown

        return read_markdown(text)
    if fmt == "rst":
        from agentcore_rag._read_text import read_rst

        return read_rst(text)
    if fmt == "python":
        from agentcore_rag._read_code import read_python

        return read_python(text)
    if fmt == "notebook":
        from agentcore_rag._read_code import read_notebook

        return read_notebook(text)
    from agentcore_rag._read_text import read_text

    return read_text(text)

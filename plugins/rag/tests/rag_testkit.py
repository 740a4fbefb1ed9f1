"""Real small documents for the RAG tests: a PDF with a text layer and an outline, a notebook."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: Sequence[Sequence[str]], outline: Sequence[tuple[str, int]] = ()) -> bytes:
    """A real PDF: one page per entry, each line drawn in Helvetica; bookmarks by pypdf.

    ``outline`` lists ``(title, page_index)``; a title starting with ``"  "`` nests under the
    previous top-level entry.
    """
    objects: list[bytes] = []
    n_pages = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, lines in enumerate(pages):
        ops = ["BT", "/F1 11 Tf", "72 720 Td"]
        for j, line in enumerate(lines):
            if j:
                ops.append("0 -15 Td")
            ops.append(f"({_escape(line)}) Tj")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
        )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    raw = out.getvalue()
    if not outline:
        return raw
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(raw))
    parent = None
    for title, page in outline:
        if title.startswith("  ") and parent is not None:
            writer.add_outline_item(title=title.strip(), page_number=page, parent=parent)
        else:
            parent = writer.add_outline_item(title=title, page_number=page)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def make_notebook() -> str:
    """A real nbformat 4 notebook: Markdown headings, code cells with outputs, a raw cell."""
    cells = [
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": ["# Penguin analysis\n", "\n", "We study penguins."],
        },
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "source": ["import pandas as pd\n", "df = pd.read_csv('penguins.csv')\n", "len(df)"],
            "outputs": [
                {
                    "output_type": "execute_result",
                    "execution_count": 1,
                    "metadata": {},
                    "data": {"text/plain": ["344"]},
                }
            ],
        },
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": "## Body mass\n\nHeavier birds dive deeper.",
        },
        {
            "cell_type": "code",
            "execution_count": 2,
            "metadata": {},
            "source": "df.groupby('species').body_mass_g.mean()",
            "outputs": [
                {
                    "output_type": "stream",
                    "name": "stdout",
                    "text": ["Adelie 3700\n", "Gentoo 5076\n"],
                },
                {
                    "output_type": "error",
                    "ename": "KeyError",
                    "evalue": "'flipper'",
                    "traceback": [],
                },
            ],
        },
        {"cell_type": "raw", "metadata": {}, "source": "raw notes kept as text"},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "source": "", "outputs": []},
    ]
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}
        },
        "cells": cells,
    }
    return json.dumps(nb, indent=1)


# Small documents the reader, chunker and ingest tests share.
GUIDE_MD = """\
# User guide

agentcore runs a team of agents.

## Install

Pick the way that suits your machine.

### Linux

Install the package with pip:

```bash
pip install agentcore
agentcore --version
```

### macOS

Use Homebrew, then pip.

## Usage

Run a task with `agentcore run "TASK"`.
"""

NOTES_TXT = """\
Penguins live in the southern hemisphere.

Gentoo penguins are the fastest swimmers.
"""

MODULE_PY = '''\
"""Helpers for penguin data."""

import math

SPEED = 36


def body_mass_index(mass: float, length: float) -> float:
    """Mass over squared flipper length."""
    return mass / math.pow(length, 2)


class Colony:
    """A colony of penguins."""

    size = 0

    def grow(self, n: int) -> None:
        """Add birds to the colony."""
        self.size += n

    @property
    def empty(self) -> bool:
        return self.size == 0
'''

from __future__ import annotations

import json

import pytest
from agentcore_rag import Document, NotReadable, read_document
from rag_testkit import GUIDE_MD, MODULE_PY, make_notebook, make_pdf


def sections(doc: Document) -> list[tuple[tuple[str, ...], int, int, str]]:
    return [(b.heading, b.start, b.end, b.text.splitlines()[0]) for b in doc.blocks]


def lines_of(text: str, start: int, end: int) -> str:
    return "\n".join(text.splitlines()[start - 1 : end])


def test_markdown_headings_become_a_path_and_fenced_code_stays_whole() -> None:
    doc = read_document(GUIDE_MD.encode(), "markdown")

    assert (doc.format, doc.unit, doc.title) == ("markdown", "lines", "User guide")
    assert sections(doc) == [
        (("User guide",), 1, 1, "# User guide"),
        (("User guide",), 3, 3, "agentcore runs a team of agents."),
        (("User guide", "Install"), 5, 5, "## Install"),
        (("User guide", "Install"), 7, 7, "Pick the way that suits your machine."),
        (("User guide", "Install", "Linux"), 9, 9, "### Linux"),
        (("User guide", "Install", "Linux"), 11, 11, "Install the package with pip:"),
        (("User guide", "Install", "Linux"), 13, 16, "```bash"),
        (("User guide", "Install", "macOS"), 18, 18, "### macOS"),
        (("User guide", "Install", "macOS"), 20, 20, "Use Homebrew, then pip."),
        (("User guide", "Usage"), 22, 22, "## Usage"),
        (("User guide", "Usage"), 24, 24, 'Run a task with `agentcore run "TASK"`.'),
    ]
    fence = doc.blocks[6]
    assert fence.atomic and fence.fence == ("```bash", "```")
    assert fence.text == lines_of(GUIDE_MD, 13, 16)


def test_markdown_edge_cases_setext_front_matter_and_headings_inside_code() -> None:
    text = (
        "---\ntitle: Notes\n---\n"
        "Overview\n========\n\nText.\n\n"
        "Details\n-------\n\n"
        "~~~~python\n# not a heading\n\n```\nstill code\n~~~~\n\n"
        "- item\n---\n\n"
        "#### Deep\nbody\n"
    )

    doc = read_document(text.encode(), "markdown")

    assert sections(doc) == [
        ((), 1, 3, "---"),
        (("Overview",), 4, 5, "Overview"),
        (("Overview",), 7, 7, "Text."),
        (("Overview", "Details"), 9, 10, "Details"),
        (("Overview", "Details"), 12, 17, "~~~~python"),
        (("Overview", "Details"), 19, 20, "- item"),  # a list, then a rule: not a heading
        (("Overview", "Details", "Deep"), 22, 22, "#### Deep"),
        (("Overview", "Details", "Deep"), 23, 23, "body"),
    ]
    assert "# not a heading\n\n```\nstill code" in doc.blocks[4].text


def test_an_unclosed_fence_runs_to_the_end_and_loses_nothing() -> None:
    text = "# T\n\n```python\nx = 1\n\ny = 2\n"

    doc = read_document(text.encode(), "markdown")

    assert doc.blocks[-1].text == "```python\nx = 1\n\ny = 2"
    assert doc.blocks[-1].fence == ("```python", "```")


def test_rst_titles_take_levels_from_their_adornment_and_literal_blocks_stay_whole() -> None:
    text = (
        "=======\nManual\n=======\n\n"
        "Intro text.\n\n"
        "Setup\n=====\n\n"
        "Run this::\n\n    pip install x\n\n    x --help\n\n"
        "Details\n-------\n\n"
        ".. code-block:: python\n\n   print('hi')\n\n"
        ".. _target:\n\n"
        "Next\n=====\n\nEnd.\n"
    )

    doc = read_document(text.encode(), "rst")

    assert doc.title == "Manual"
    assert sections(doc) == [
        (("Manual",), 1, 3, "======="),
        (("Manual",), 5, 5, "Intro text."),
        (("Manual", "Setup"), 7, 8, "Setup"),
        (("Manual", "Setup"), 10, 10, "Run this::"),
        (("Manual", "Setup"), 12, 14, "    pip install x"),
        (("Manual", "Setup", "Details"), 16, 17, "Details"),
        (("Manual", "Setup", "Details"), 19, 21, ".. code-block:: python"),
        (("Manual", "Next"), 25, 26, "Next"),
        (("Manual", "Next"), 28, 28, "End."),
    ]
    assert [b.atomic for b in doc.blocks if "pip install" in b.text or "print" in b.text] == [
        True,
        True,
    ]


def test_plain_text_is_paragraphs_with_line_numbers() -> None:
    doc = read_document(b"one\ntwo\n\n\nthree\n", "text")

    assert sections(doc) == [((), 1, 2, "one"), ((), 5, 5, "three")]


def test_html_keeps_headings_and_text_and_drops_scripts_styles_and_navigation() -> None:
    html = """<!doctype html>
<html><head><title>Penguin facts</title><style>p { color: red }</style></head>
<body>
<nav><a href="/">Home</a> | <a href="/about">About</a></nav>
<div role="navigation">Skip me too</div>
<h1>Penguins</h1>
<p>Penguins are <b>flightless</b>
birds.</p>
<script>var tracking = "secret";</script>
<h2>Diet</h2>
<ul><li>Krill</li><li>Fish<br>and squid</li></ul>
<pre>
def eat(fish):
    return fish
</pre>
<table><tr><th>Species</th><th>Mass</th></tr><tr><td>Gentoo</td><td>5 kg</td></tr></table>
<!-- a comment -->
</body></html>
"""

    doc = read_document(html.encode(), "html")

    assert doc.title == "Penguin facts"
    assert [(b.heading, b.text) for b in doc.blocks] == [
        (("Penguins",), "# Penguins"),
        (("Penguins",), "Penguins are flightless birds."),
        (("Penguins", "Diet"), "## Diet"),
        (("Penguins", "Diet"), "- Krill"),
        (("Penguins", "Diet"), "- Fish\nand squid"),
        (("Penguins", "Diet"), "```\ndef eat(fish):\n    return fish\n```"),
        (("Penguins", "Diet"), "Species | Mass"),
        (("Penguins", "Diet"), "Gentoo | 5 kg"),
    ]
    assert [(b.start, b.end) for b in doc.blocks[:2]] == [(6, 6), (7, 8)]
    code = doc.blocks[5]
    assert code.atomic and (code.start, code.end) == (13, 14)
    everything = " ".join(b.text for b in doc.blocks)
    assert "tracking" not in everything and "Home" not in everything and "color" not in everything
    assert "Skip me" not in everything


def test_html_with_a_main_element_reads_only_main() -> None:
    html = b"<body><header>Site name</header><main><h2>Topic</h2><p>Body.</p></main></body>"

    doc = read_document(html, "html")

    assert [b.text for b in doc.blocks] == ["## Topic", "Body."]


def test_pdf_text_by_page_with_outline_sections() -> None:
    data = make_pdf(
        [
            ["Introduction", "Penguins are flightless seabirds."],
            ["Methods", "We weighed (carefully) 344 birds."],
            ["More methods", "Flippers were measured too."],
        ],
        outline=[("Introduction", 0), ("Methods", 1), ("  Weighing", 1)],
    )

    doc = read_document(data, "pdf")

    assert (doc.format, doc.unit) == ("pdf", "pages")
    assert [(b.heading, b.start, b.end) for b in doc.blocks] == [
        (("Introduction",), 1, 1),
        (("Methods", "Weighing"), 2, 2),
        (("Methods", "Weighing"), 3, 3),
    ]
    assert "We weighed (carefully) 344 birds." in doc.blocks[1].text


def test_a_pdf_without_outline_has_no_sections() -> None:
    doc = read_document(make_pdf([["Only page"]]), "pdf")

    assert [(b.heading, b.start, b.text) for b in doc.blocks] == [((), 1, "Only page")]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.4\ngarbage that is not a pdf", "not a readable PDF"),
        (b"hello", "not a PDF (no %PDF header)"),
    ],
)
def test_a_broken_pdf_is_not_readable(data: bytes, reason: str) -> None:
    with pytest.raises(NotReadable) as info:
        read_document(data, "pdf")

    assert info.value.reason.startswith(reason)


def test_a_pdf_without_text_says_it_needs_ocr() -> None:
    with pytest.raises(NotReadable) as info:
        read_document(make_pdf([[]]), "pdf")

    assert "scanned PDF needs OCR" in info.value.reason


def test_python_is_read_by_module_class_and_function_with_line_numbers() -> None:
    doc = read_document(MODULE_PY.encode(), "python")

    assert doc.title == "Helpers for penguin data."
    assert [(b.heading, b.start, b.end) for b in doc.blocks] == [
        ((), 1, 1),
        ((), 3, 3),
        ((), 5, 5),
        (("def body_mass_index",), 8, 10),
        (("class Colony",), 13, 16),
        (("class Colony", "def grow"), 18, 20),
        (("class Colony", "def empty"), 22, 24),
    ]
    for block in doc.blocks:  # every block is exactly its lines of the source
        assert block.text == lines_of(MODULE_PY, block.start, block.end)
    assert doc.blocks[-1].text.lstrip().startswith("@property")  # decorators come along


def test_comments_above_a_function_and_async_defs_come_along() -> None:
    source = "import x\n\n# Why this exists:\n# because.\nasync def fetch():\n    pass\n"

    doc = read_document(source.encode(), "python")

    assert [(b.heading, b.start, b.end) for b in doc.blocks] == [
        ((), 1, 1),
        (("async def fetch",), 3, 6),
    ]


def test_python_that_does_not_parse_is_read_as_text() -> None:
    doc = read_document(b"def broken(:\n    pass\n\nprint('still here')\n", "python")

    assert doc.format == "python"
    assert [b.text for b in doc.blocks] == ["def broken(:\n    pass", "print('still here')"]


def test_a_notebook_is_read_by_cell_with_markdown_sections_and_outputs() -> None:
    doc = read_document(make_notebook().encode(), "notebook")

    assert (doc.format, doc.unit, doc.title) == ("notebook", "cells", "Penguin analysis")
    assert [(b.heading, b.start, b.text.splitlines()[0]) for b in doc.blocks] == [
        (("Penguin analysis",), 1, "# Penguin analysis"),
        (("Penguin analysis",), 1, "We study penguins."),
        (("Penguin analysis",), 2, "```python"),
        (("Penguin analysis",), 2, "Output:"),
        (("Penguin analysis", "Body mass"), 3, "## Body mass"),
        (("Penguin analysis", "Body mass"), 3, "Heavier birds dive deeper."),
        (("Penguin analysis", "Body mass"), 4, "```python"),
        (("Penguin analysis", "Body mass"), 4, "Output:"),
        (("Penguin analysis", "Body mass"), 5, "raw notes kept as text"),
    ]
    assert doc.blocks[2].text == (
        "```python\nimport pandas as pd\ndf = pd.read_csv('penguins.csv')\nlen(df)\n```"
    )
    assert doc.blocks[3].text == "Output:\n344"
    assert doc.blocks[7].text == "Output:\nAdelie 3700\nGentoo 5076\nKeyError: 'flipper'"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{not json", "not a valid notebook (JSON error"),
        (json.dumps({"worksheets": []}), "not an nbformat 4 notebook"),
    ],
)
def test_a_broken_notebook_is_not_readable(raw: str, reason: str) -> None:
    with pytest.raises(NotReadable) as info:
        read_document(raw.encode(), "notebook")

    assert info.value.reason.startswith(reason)


@pytest.mark.parametrize("fmt", ["text", "markdown", "rst", "python", "notebook", "html"])
def test_binary_data_is_not_readable_as_text(fmt: str) -> None:
    with pytest.raises(NotReadable) as info:
        read_document(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 4, fmt)

    assert info.value.reason == "binary file"


def test_text_in_windows_1252_or_with_a_bom_is_read() -> None:
    assert read_document("café\n".encode("cp1252"), "text").blocks[0].text == "café"
    assert read_document("\ufeffnaïve\n".encode(), "text").blocks[0].text == "naïve"

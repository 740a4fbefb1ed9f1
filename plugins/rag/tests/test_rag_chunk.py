from __future__ import annotations

import itertools

import pytest
from agentcore_rag import Block, ChunkSpec, Document, chunk_document, read_document
from agentcore_rag._chunk import PATH_SEP as SEP
from agentcore_rag._chunk import chunk_id, count_tokens, section_label, split_text
from rag_testkit import GUIDE_MD, MODULE_PY, make_notebook

LONG_SECTION = "# Long\n\n" + "\n\n".join(
    f"Paragraph {n} talks about penguin colony number {n} and how its birds swim and dive."
    for n in range(1, 31)
)


def source_lines(text: str, start: int, end: int) -> list[str]:
    return text.splitlines()[start - 1 : end]


def test_a_small_document_is_one_chunk_with_every_line() -> None:
    chunks = chunk_document(read_document(GUIDE_MD.encode(), "markdown"), ChunkSpec())

    assert len(chunks) == 1
    assert (chunks[0].start, chunks[0].end) == (1, 24)
    for line in GUIDE_MD.splitlines():
        assert line in chunks[0].text


def test_chunks_stay_under_the_size_and_overlap_inside_a_section() -> None:
    spec = ChunkSpec(size=300, overlap=90)

    chunks = chunk_document(read_document(LONG_SECTION.encode(), "markdown"), spec)

    assert len(chunks) > 5
    assert all(len(c.text) <= spec.size for c in chunks)
    assert {c.section for c in chunks} == {"Long"}
    for before, after in itertools.pairwise(chunks):
        last_paragraph = before.text.split("\n\n")[-1]
        assert after.text.startswith(last_paragraph)  # the overlap repeats the end
        assert after.start <= before.end  # and the line spans say so


def test_line_spans_point_at_the_chunks_text_in_the_source() -> None:
    chunks = chunk_document(
        read_document(LONG_SECTION.encode(), "markdown"), ChunkSpec(size=300, overlap=90)
    )

    for chunk in chunks:
        lines = [line for line in source_lines(LONG_SECTION, chunk.start, chunk.end) if line]
        assert lines == [line for line in chunk.text.splitlines() if line]


def test_no_overlap_when_asked_for_none() -> None:
    chunks = chunk_document(
        read_document(LONG_SECTION.encode(), "markdown"), ChunkSpec(size=300, overlap=0)
    )

    assert all(b.start > a.end for a, b in itertools.pairwise(chunks))


def test_a_fenced_block_a_bit_over_the_size_is_not_cut() -> None:
    code = "\n".join(f"print({n})  # step {n}" for n in range(12))
    text = f"# Code\n\nIntro.\n\n```python\n{code}\n```\n\nAfter.\n"
    spec = ChunkSpec(size=200, overlap=30)

    chunks = chunk_document(read_document(text.encode(), "markdown"), spec)

    whole = f"```python\n{code}\n```"
    assert 200 < len(whole) <= 400
    assert sum(whole in c.text for c in chunks) == 1


def test_a_huge_fenced_block_is_cut_at_lines_and_every_piece_is_fenced() -> None:
    code = "\n".join(f"value_{n} = compute({n})" for n in range(60))
    text = f"```python\n{code}\n```\n"
    spec = ChunkSpec(size=200, overlap=40)

    chunks = chunk_document(read_document(text.encode(), "markdown"), spec)

    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text.startswith("```python\n") and chunk.text.endswith("\n```")
        body = chunk.text.splitlines()[1:-1]
        assert body == source_lines(text, chunk.start, chunk.end)
    covered = {n for c in chunks for n in range(c.start, c.end + 1)}
    assert covered == set(range(2, 62))  # every line of code is in some chunk


def test_small_sections_merge_and_the_citation_names_them() -> None:
    text = "# A\n\none\n\n# B\n\ntwo\n\n# C\n\nthree\n"

    chunks = chunk_document(read_document(text.encode(), "markdown"), ChunkSpec(size=200))

    assert [(c.section, c.start, c.end) for c in chunks] == [("A, B, C", 1, 11)]


def test_a_big_section_does_not_swallow_the_next_one() -> None:
    first = "\n\n".join(["# First", *(f"Sentence number {n} of the first part." for n in range(8))])
    text = f"{first}\n\n# Second\n\nShort.\n"

    chunks = chunk_document(read_document(text.encode(), "markdown"), ChunkSpec(size=400))

    assert [c.section for c in chunks] == ["First", "Second"]
    assert chunks[1].text == "# Second\n\nShort."  # no overlap across sections


def test_a_chunk_never_ends_with_a_heading() -> None:
    body = " ".join(["word"] * 45)
    text = f"# Top\n\n## One\n\n{body}\n\n## Two\n\n{body}\n\n## Three\n\n{body}\n"

    chunks = chunk_document(read_document(text.encode(), "markdown"), ChunkSpec(size=250))

    for chunk in chunks:
        assert not chunk.text.splitlines()[-1].startswith("#")
    assert [c.text.splitlines()[0] for c in chunks] == ["# Top", "## Two", "## Three"]


def test_methods_of_a_class_are_packed_together_and_named() -> None:
    chunks = chunk_document(read_document(MODULE_PY.encode(), "python"), ChunkSpec(size=400))

    assert [(c.section, c.start, c.end) for c in chunks] == [
        ("def body_mass_index", 1, 10),
        ("class Colony", 13, 24),
    ]


def test_notebook_chunks_count_cells() -> None:
    chunks = chunk_document(read_document(make_notebook().encode(), "notebook"), ChunkSpec())

    assert [(c.section, c.start, c.end) for c in chunks] == [
        ("Penguin analysis", 1, 5),
    ]


def test_token_units_measure_words_and_punctuation() -> None:
    assert count_tokens("Hello, world! It's 2 o'clock.") == 12
    spec = ChunkSpec(size=60, overlap=10, unit="tokens")

    chunks = chunk_document(read_document(LONG_SECTION.encode(), "markdown"), spec)

    assert len(chunks) > 5
    assert all(count_tokens(c.text) <= 60 for c in chunks)


def test_a_long_line_without_breaks_is_cut_at_words() -> None:
    words = " ".join(f"w{n}" for n in range(400))

    spans = split_text(words, 100, len)

    assert all(e - s <= 100 for s, e in spans)
    assert " ".join(words[s:e] for s, e in spans) == words
    assert split_text("x" * 250, 100, len) == [(0, 100), (100, 200), (200, 250)]


def test_pdf_and_other_page_based_blocks_keep_their_pages_when_split() -> None:
    text = " ".join(f"Sentence {n} on page two." for n in range(60))
    doc = Document(
        format="pdf",
        unit="pages",
        blocks=(Block(text="Page one.", start=1, end=1), Block(text=text, start=2, end=2)),
    )

    chunks = chunk_document(doc, ChunkSpec(size=300, overlap=50))

    assert chunks[0].start == 1
    assert {(c.start, c.end) for c in chunks[1:]} == {(2, 2)}


def test_chunking_is_deterministic_and_ids_depend_on_content_and_position() -> None:
    doc = read_document(LONG_SECTION.encode(), "markdown")
    spec = ChunkSpec(size=300, overlap=90)

    assert chunk_document(doc, spec) == chunk_document(doc, spec)
    assert chunk_id("/a.md", "h1", 0) == chunk_id("/a.md", "h1", 0)
    assert (
        len({chunk_id("/a.md", "h1", 0), chunk_id("/a.md", "h2", 0), chunk_id("/a.md", "h1", 1)})
        == 3
    )


@pytest.mark.parametrize(
    ("headings", "label"),
    [
        ([], ""),
        ([()], ""),
        ([("Install", "Linux")], f"Install{SEP}Linux"),
        ([("Install", "Linux"), ("Install", "macOS")], f"Install{SEP}Linux, macOS"),
        ([("Install",), ("Install", "Linux"), ("Install", "macOS")], "Install"),
        ([("A",), ("B",), ("C",), ("D",)], "A, B, C, …"),
    ],
)
def test_section_labels(headings: list[tuple[str, ...]], label: str) -> None:
    assert section_label(headings) == label


def test_overlap_never_starts_inside_a_code_block() -> None:
    code = "\n".join(f"step_{n}()" for n in range(22))
    text = (
        "# Run\n\nIntro line.\n\n```python\n"
        + code
        + "\n```\n\n"
        + "\n\n".join(f"After the code, note {n} explains the step." for n in range(6))
    )

    chunks = chunk_document(
        read_document(text.encode(), "markdown"), ChunkSpec(size=260, overlap=100)
    )

    assert len(chunks) >= 2
    for chunk in chunks:
        fences = [line for line in chunk.text.splitlines() if line.startswith("```")]
        assert len(fences) % 2 == 0, chunk.text

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from agentcore_rag import (
    Citation,
    RagConfig,
    format_for_model,
    ingest,
    rag_search,
    search,
)
from agentcore_rag._chunk import PATH_SEP as SEP
from agentcore_rag._search import EN_DASH
from agentcore_rag._store import open_collection
from rag_testkit import make_notebook, make_pdf

from agentcore.errors import UserError
from agentcore.plugins import load_registry
from agentcore.tools import Risk, ToolContext, ToolError, config_with_context, tool_meta


def empty_dir(path: Path) -> None:
    shutil.rmtree(path)
    path.mkdir()


async def call(ctx: ToolContext, **args: Any) -> str:
    result = await rag_search.ainvoke(args, config=config_with_context(ctx))
    assert isinstance(result, str)
    return result


async def refused(ctx: ToolContext, **args: Any) -> str:
    with pytest.raises(ToolError) as info:
        await call(ctx, **args)
    return info.value.message


@pytest.mark.parametrize(
    ("citation", "text"),
    [
        (Citation(file="a.md", section="", unit="lines", start=3, end=3), "a.md (line 3)"),
        (
            Citation(
                file="docs/guide.md", section=f"Install{SEP}Linux", unit="lines", start=9, end=16
            ),
            f"docs/guide.md § Install{SEP}Linux (lines 9{EN_DASH}16)",
        ),
        (
            Citation(file="p.pdf", section="Methods", unit="pages", start=2, end=2),
            "p.pdf § Methods (p. 2)",
        ),
        (
            Citation(file="p.pdf", section="", unit="pages", start=2, end=4),
            f"p.pdf (pp. 2{EN_DASH}4)",
        ),
        (
            Citation(file="n.ipynb", section="", unit="cells", start=1, end=5),
            f"n.ipynb (cells 1{EN_DASH}5)",
        ),
        (Citation(file="n.ipynb", section="", unit="cells", start=4, end=4), "n.ipynb (cell 4)"),
    ],
)
def test_citations_read_like_references(citation: Citation, text: str) -> None:
    assert str(citation) == text
    assert citation.to_json()["text"] == text


def test_hits_carry_citations_for_every_format(
    tmp_path: Path, docs: Path, config: RagConfig
) -> None:
    (docs / "paper.pdf").write_bytes(
        make_pdf(
            [["Abstract"], ["Krill stocks decline near the colony."]],
            [("Abstract", 0), ("Results", 1)],
        )
    )
    (docs / "analysis.ipynb").write_text(make_notebook())
    ingest([docs], collection="docs", config=config)

    def top(query: str) -> str:
        return str(search(query, collection="docs", k=1, config=config).hits[0].citation)

    assert top("krill stocks decline") == f"docs/paper.pdf § Abstract, Results (pp. 1{EN_DASH}2)"
    assert (
        top("groupby species body_mass_g")
        == f"docs/analysis.ipynb § Penguin analysis (cells 1{EN_DASH}5)"
    )
    assert top("mass over squared flipper length") == (
        f"docs/code/penguins.py § def body_mass_index, class Colony (lines 1{EN_DASH}24)"
    )
    assert top("pip install agentcore") == f"docs/guide.md § User guide (lines 1{EN_DASH}24)"


def test_the_passage_text_is_the_chunk_without_its_context_line(
    docs: Path, config: RagConfig
) -> None:
    ingest([docs], collection="docs", config=config)

    [hit] = search("gentoo swimmers", collection="docs", k=1, config=config).hits

    assert hit.text == (docs / "notes.txt").read_text().strip()
    table = open_collection(config, "docs")
    [row] = table.rows(where=f"id = '{hit.id}'")
    assert row["text"] == f"docs/notes.txt\n\n{hit.text}"  # what BM25 and the embedder see


async def test_the_tool_returns_numbered_passages_under_their_citations(
    docs: Path, config: RagConfig, make_ctx: Callable[..., ToolContext]
) -> None:
    ingest([docs], collection="docs", config=config)

    text = await call(make_ctx(), query="gentoo penguins swimmers", collection="docs", k=2)

    lines = text.splitlines()
    assert lines[0].startswith(
        "2 passage(s) from collection 'docs' for \"gentoo penguins swimmers\""
    )
    assert lines[2] == "[1] docs/notes.txt (lines 1" + EN_DASH + "3)"
    assert lines[3] == "Penguins live in the southern hemisphere."
    assert "[2] " in text


async def test_the_tool_searches_every_collection_when_none_is_named(
    tmp_path: Path, docs: Path, config: RagConfig, make_ctx: Callable[..., ToolContext]
) -> None:
    faq = tmp_path / "faq"
    faq.mkdir()
    (faq / "krill.md").write_text("# Krill\n\nKrill is what penguins eat most.\n")
    ingest([docs], collection="docs", config=config)
    ingest([faq], collection="faq", config=config)

    text = await call(make_ctx(), query="what do penguins eat krill", k=3)

    assert "from collections docs, faq" in text
    assert "[1] faq/krill.md § Krill (lines 1" in text and "[collection faq]" in text


async def test_the_default_collection_is_searched_when_none_is_named(
    tmp_path: Path,
    docs: Path,
    config: RagConfig,
    make_ctx: Callable[..., ToolContext],
    plugin_settings: dict[str, dict[str, Any]],
) -> None:
    ingest([docs], collection="docs", config=config)
    ingest([docs / "notes.txt"], collection="other", config=config)
    plugin_settings["rag"]["default_collection"] = "docs"

    text = await call(make_ctx(), query="penguins", k=5)

    assert "from collection 'docs'" in text


async def test_an_unknown_collection_is_a_tool_error_naming_the_collections(
    docs: Path, config: RagConfig, make_ctx: Callable[..., ToolContext]
) -> None:
    ingest([docs], collection="docs", config=config)
    ingest([docs / "notes.txt"], collection="notes", config=config)

    message = await refused(make_ctx(), query="penguins", collection="manuals")

    assert message == "unknown collection 'manuals'; the collections are: docs, notes"


async def test_no_collections_at_all_tells_the_model_to_ingest(
    make_ctx: Callable[..., ToolContext],
) -> None:
    message = await refused(make_ctx(), query="penguins", collection="docs")

    assert message.startswith("there are no RAG collections yet")
    assert "agentcore rag ingest PATH --collection docs" in message


async def test_an_empty_collection_tells_the_model_to_ingest(
    docs: Path, config: RagConfig, make_ctx: Callable[..., ToolContext]
) -> None:
    ingest([docs], collection="docs", config=config)
    empty_dir(docs)
    assert ingest([docs], collection="docs", config=config).chunks == 0

    message = await refused(make_ctx(), query="penguins", collection="docs")

    assert message == (
        "collection 'docs' is empty; ingest documents into it: "
        "agentcore rag ingest PATH... --collection docs"
    )
    assert (await refused(make_ctx(), query="penguins")).startswith("every collection is empty")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"query": "x", "k": 0}, "k must be between 1 and 20, got 0"),
        ({"query": "x", "k": 21}, "k must be between 1 and 20, got 21"),
        ({"query": "   "}, "the query is empty; say what to look for, in plain words"),
        ({"query": "x", "collection": "no such"}, "invalid collection name 'no such'"),
    ],
)
async def test_bad_arguments_are_tool_errors(
    docs: Path,
    config: RagConfig,
    make_ctx: Callable[..., ToolContext],
    args: dict[str, Any],
    message: str,
) -> None:
    ingest([docs], collection="docs", config=config)

    assert (await refused(make_ctx(), **args)).startswith(message)


async def test_a_bad_setting_is_a_tool_error(
    make_ctx: Callable[..., ToolContext], plugin_settings: dict[str, dict[str, Any]]
) -> None:
    plugin_settings["rag"]["chunk_size"] = "big"

    message = await refused(make_ctx(), query="x")

    assert message.startswith("[plugins.rag] chunk_size must be a whole number")


def test_long_passages_are_shortened_for_the_model_but_not_in_search(
    tmp_path: Path, config: RagConfig
) -> None:
    page = tmp_path / "long.md"
    page.write_text("# Long\n\n" + "\n".join(f"Line {n} about penguins." for n in range(60)))
    ingest([page], collection="docs", config=config)

    result = search("penguins", collection="docs", k=20, config=config)

    shown = format_for_model(result)
    assert len(shown) < sum(len(h.text) for h in result.hits) + 500
    assert all(len(h.text) > 0 for h in result.hits)


def test_search_modes(docs: Path, config: RagConfig) -> None:
    ingest([docs], collection="docs", config=config)

    for mode in ("hybrid", "vector", "fts"):
        result = search("gentoo swimmers", collection="docs", k=1, mode=mode, config=config)  # type: ignore[arg-type]
        assert result.hits[0].citation.file == "docs/notes.txt"


def test_an_empty_query_or_bad_k_is_a_user_error(docs: Path, config: RagConfig) -> None:
    ingest([docs], collection="docs", config=config)

    with pytest.raises(UserError, match="the query is empty"):
        search(" ", collection="docs", config=config)
    with pytest.raises(UserError, match="k must be between 1 and 50"):
        search("x", collection="docs", k=51, config=config)


def test_the_plugin_registers_the_tool_read_only_and_the_rag_command() -> None:
    registry = load_registry()

    assert registry.tools["rag_search"] is rag_search
    assert registry.owners["tools"]["rag_search"] == "rag"
    assert tool_meta(rag_search).risk == Risk.READ_ONLY
    from agentcore_rag._cli import app

    assert registry.items["commands"]["rag"] is app


def test_the_model_sees_query_collection_and_k_but_not_the_context() -> None:
    shape = rag_search.tool_call_schema.model_json_schema()

    assert sorted(shape["properties"]) == ["collection", "k", "query"]
    assert shape["required"] == ["query"]
    assert all(p.get("description") for p in shape["properties"].values())
    assert "citation" in rag_search.description

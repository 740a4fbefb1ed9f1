from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Literal

import pytest
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import ValidationError

from agentcore.errors import ToolError
from agentcore.tools import (
    CONTEXT_KEY,
    Risk,
    ToolContext,
    ToolMeta,
    config_with_context,
    context_from_config,
    tool,
    tool_meta,
)


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    return ToolContext(run_id="run-1", agent="coder", workspace=tmp_path, data_dir=tmp_path)


@tool(risk="writes", timeout_s=5, requires_approval=True, max_output_chars=100)
def save_note(ctx: ToolContext, title: str, body: str = "", tags: list[str] | None = None) -> str:
    """Save a note in the workspace.

    A second paragraph the model also reads.

    Args:
        title: The note's title,
            which may run over two lines.
        body: The text.
        tags: Labels for the note.

    Returns:
        Where it was saved.
    """
    return f"{ctx.run_id}/{ctx.agent}: {title} {body} {tags}"


def test_decorator_returns_a_langchain_tool_named_after_the_function() -> None:
    assert isinstance(save_note, BaseTool)
    assert save_note.name == "save_note"


def test_description_is_the_docstring_up_to_its_sections() -> None:
    assert save_note.description == (
        "Save a note in the workspace.\n\nA second paragraph the model also reads."
    )


def test_schema_hides_the_context_and_carries_arg_descriptions() -> None:
    schema = save_note.tool_call_schema.model_json_schema()  # what the model sees
    props = schema["properties"]
    assert set(props) == {"title", "body", "tags"}
    assert schema["required"] == ["title"]
    assert props["title"]["description"] == "The note's title, which may run over two lines."
    assert props["body"] == {
        "default": "",
        "description": "The text.",
        "title": "Body",
        "type": "string",
    }
    assert "Where it was saved" not in str(schema)


def test_extra_arguments_are_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        save_note.args_schema.model_validate({"title": "t", "ctx": "sneaky"})  # type: ignore[union-attr]


def test_arguments_are_validated(ctx: ToolContext) -> None:
    with pytest.raises(ValidationError):
        asyncio.run(save_note.ainvoke({"body": "no title"}, config=config_with_context(ctx)))


def test_metadata_is_attached() -> None:
    assert tool_meta(save_note) == ToolMeta(
        risk=Risk.WRITES, timeout_s=5, requires_approval=True, max_output_chars=100
    )
    assert tool_meta(save_note).risk == "writes"  # a str enum, serialises as its value


def test_defaults_and_name_override() -> None:
    @tool(name="lookup_word")
    def lookup(word: str) -> str:
        """Look a word up."""
        return word

    assert lookup.name == "lookup_word"
    assert tool_meta(lookup) == ToolMeta()
    assert tool_meta(lookup).risk is Risk.READ_ONLY


def test_plain_langchain_tool_gets_default_metadata() -> None:
    plain = StructuredTool.from_function(func=lambda x: x, name="plain", description="d")
    assert tool_meta(plain) == ToolMeta()


def test_unknown_risk_is_refused() -> None:
    with pytest.raises(ValueError, match="'dangerous' is not a valid Risk"):

        @tool(risk="dangerous")
        def f(x: int) -> int:
            """Do it."""
            return x


def test_a_docstring_is_required() -> None:
    with pytest.raises(TypeError, match="tool 'undocumented' needs a docstring"):

        @tool()
        def undocumented(x: int) -> int:
            return x


async def test_sync_function_runs_in_a_worker_thread(ctx: ToolContext) -> None:
    seen: list[str] = []

    @tool()
    def where() -> str:
        """Report the thread."""
        seen.append(threading.current_thread().name)
        return "ok"

    assert await where.ainvoke({}) == "ok"
    assert seen and seen[0] != threading.main_thread().name


async def test_async_function_is_awaited_and_receives_the_context(ctx: ToolContext) -> None:
    @tool()
    async def whoami(ctx: ToolContext, suffix: Literal["!", "?"] = "!") -> str:
        """Say who calls."""
        await asyncio.sleep(0)
        return f"{ctx.agent}{suffix}"

    assert await whoami.ainvoke({"suffix": "?"}, config=config_with_context(ctx)) == "coder?"


async def test_sync_function_receives_the_context(ctx: ToolContext) -> None:
    result = await save_note.ainvoke({"title": "t", "tags": ["a"]}, config=config_with_context(ctx))
    assert result == "run-1/coder: t  ['a']"


async def test_context_parameter_may_have_any_name(ctx: ToolContext) -> None:
    @tool()
    def run_of(context: ToolContext) -> str:
        """Name the run."""
        return context.run_id

    assert run_of.tool_call_schema.model_json_schema()["properties"] == {}
    assert await run_of.ainvoke({}, config=config_with_context(ctx)) == "run-1"


async def test_a_tool_needing_context_outside_a_run_says_so() -> None:
    with pytest.raises(ToolError, match="needs an agentcore run context"):
        await save_note.ainvoke({"title": "t"})


async def test_tool_error_propagates_with_its_message(ctx: ToolContext) -> None:
    @tool()
    def fails() -> str:
        """Fail."""
        raise ToolError("try again with a smaller number")

    with pytest.raises(ToolError, match="try again with a smaller number"):
        await fails.ainvoke({})


def test_config_with_context_keeps_the_rest_of_the_config(ctx: ToolContext) -> None:
    config = config_with_context(ctx, {"tags": ["x"], "configurable": {"thread_id": "t"}})
    assert config["tags"] == ["x"]
    assert config["configurable"] == {"thread_id": "t", CONTEXT_KEY: ctx}
    assert context_from_config(config) is ctx


def test_context_from_config_refuses_a_missing_or_wrong_context() -> None:
    with pytest.raises(ToolError):
        context_from_config(None)
    with pytest.raises(ToolError):
        context_from_config({"configurable": {CONTEXT_KEY: "not a context"}})

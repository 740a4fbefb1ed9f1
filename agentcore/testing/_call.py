"""What one offline model call knows, and the helpers every offline model shares."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import tool_call_chunk

AGENT_KEY = "agentcore_agent"
STEP_KEY = "agentcore_step"
RUN_KEY = "agentcore_run"
# bind_tools sets this call kwarg when with_structured_output binds its schema as a tool.
STRUCTURED_KWARG = "agentcore_structured_tool"
_TOOL_CHOICE_MODES = frozenset({"auto", "any", "required", "none"})


@dataclass(frozen=True, kw_only=True, slots=True)
class CallInfo:
    """What an offline model knows about the call it is answering.

    Attributes:
        agent: The calling agent (``metadata["agentcore_agent"]``), or None outside a graph.
        step: The plan step id (``metadata["agentcore_step"]``), or None.
        run_id: The run id (``metadata["agentcore_run"]``), or None.
        tools: Names of the tools bound for this call, in order.
        tool_choice: ``"auto"``, ``"any"``, ``"required"``, ``"none"``, a tool name, or None.
        structured_tool: The tool ``with_structured_output`` bound, if any.
        call_index: 0-based count of earlier calls by the same agent to this model.
        global_index: 0-based count of earlier calls by anyone to this model.
    """

    agent: str | None
    step: str | None
    run_id: str | None
    tools: tuple[str, ...]
    tool_choice: str | None
    structured_tool: str | None
    call_index: int
    global_index: int

    @property
    def output_tool(self) -> str | None:
        """The tool a structured reply must call: the structured-output tool, else the tool
        ``tool_choice`` names, else the only bound tool."""
        if self.structured_tool:
            return self.structured_tool
        if self.tool_choice and self.tool_choice not in _TOOL_CHOICE_MODES:
            return self.tool_choice
        return self.tools[0] if len(self.tools) == 1 else None


@dataclass(frozen=True, kw_only=True, slots=True)
class RecordedCall:
    """One call an offline model answered: what it was asked and what it said."""

    info: CallInfo
    messages: tuple[BaseMessage, ...]
    response: AIMessage


def tool_names(tools: Sequence[Mapping[str, Any]] | None) -> tuple[str, ...]:
    """Names of tools already converted to the OpenAI format by ``bind_tools``."""
    names: list[str] = []
    for spec in tools or ():
        fn = spec.get("function")
        name = fn.get("name") if isinstance(fn, Mapping) else spec.get("name")
        if isinstance(name, str):
            names.append(name)
    return tuple(names)


def normalize_tool_choice(choice: Any) -> str | None:
    """Reduce the tool_choice spellings of the providers to a mode or a tool name."""
    if choice is None or choice is False:
        return None
    if choice is True:
        return "any"
    if isinstance(choice, str):
        return choice
    if isinstance(choice, Mapping):
        fn = choice.get("function")
        if isinstance(fn, Mapping) and isinstance(fn.get("name"), str):
            return str(fn["name"])
        if isinstance(choice.get("name"), str):
            return str(choice["name"])
        if isinstance(choice.get("type"), str):
            return {"tool": "any"}.get(choice["type"], choice["type"])
    return str(choice)


def message_text(message: BaseMessage) -> str:
    """The text of a message, whether its content is a string or a list of blocks."""
    content = message.content
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, Mapping) and isinstance(block.get("text"), str):
            parts.append(block["text"])
    return "".join(parts)


_TASK_HEADER = re.compile(r"^\s*(?:overall\s+)?task\b[^:\n]*:(.*)$", re.IGNORECASE)


def find_task(messages: Sequence[BaseMessage]) -> str:
    """The task a conversation is about, for ``{task}`` placeholders.

    The first line starting with ``Task:`` (or ``Overall task ...:``) in any message wins: the
    rest of that line, or when it is empty, the lines below it up to the first blank line.
    Otherwise the text of the first human message.
    """
    for message in messages:
        lines = message_text(message).splitlines()
        for i, line in enumerate(lines):
            match = _TASK_HEADER.match(line)
            if not match:
                continue
            if rest := match.group(1).strip():
                return rest
            body: list[str] = []
            for following in lines[i + 1 :]:
                if not following.strip():
                    if body:
                        break
                    continue
                body.append(following)
            if body:
                return "\n".join(body).strip()
    human = next((m for m in messages if isinstance(m, HumanMessage)), None)
    return message_text(human).strip() if human is not None else ""


def fill_task(value: Any, task: str) -> Any:
    """Replace ``{task}`` in every string inside ``value`` (dicts and lists included)."""
    if isinstance(value, str):
        return value.replace("{task}", task)
    if isinstance(value, dict):
        return {k: fill_task(v, task) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_task(v, task) for v in value]
    return value


def _tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def _message_size(message: BaseMessage) -> str:
    text = message_text(message)
    if isinstance(message, AIMessage) and message.tool_calls:
        text += json.dumps([[c["name"], c["args"]] for c in message.tool_calls], sort_keys=True)
    return text


def estimate_usage(prompt: Sequence[BaseMessage], reply: AIMessage) -> UsageMetadata:
    """Deterministic token counts: about one token per four characters of text."""
    input_tokens = max(1, sum(_tokens(_message_size(m)) for m in prompt))
    output_tokens = max(1, _tokens(_message_size(reply)))
    return UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )


def _text_pieces(text: str, pieces: int = 3) -> list[str]:
    """Split text into up to ``pieces`` parts at word boundaries; "".join gives it back."""
    words = re.findall(r"\S+\s*|\s+", text)
    if len(words) <= 1:
        return [text] if text else []
    size = math.ceil(len(words) / pieces)
    return ["".join(words[i : i + size]) for i in range(0, len(words), size)]


def stream_chunks(message: AIMessage) -> Iterator[AIMessageChunk]:
    """Chunks that add up to ``message``: text in a few pieces, then each tool call's
    arguments in two pieces; usage and response metadata ride on the last chunk."""
    chunks: list[AIMessageChunk]
    if isinstance(message.content, str):
        pieces = _text_pieces(message.content)
        chunks = [AIMessageChunk(content=piece, id=message.id) for piece in pieces]
    else:  # content blocks (e.g. a replayed Anthropic reply) travel whole
        chunks = [AIMessageChunk(content=list(message.content), id=message.id)]
    for index, call in enumerate(message.tool_calls):
        args = json.dumps(call["args"])
        half = len(args) // 2
        first = tool_call_chunk(name=call["name"], args=args[:half], id=call["id"], index=index)
        rest = tool_call_chunk(name=None, args=args[half:], id=None, index=index)
        chunks.append(AIMessageChunk(content="", tool_call_chunks=[first], id=message.id))
        chunks.append(AIMessageChunk(content="", tool_call_chunks=[rest], id=message.id))
    last = AIMessageChunk(
        content="",
        id=message.id,
        usage_metadata=message.usage_metadata,
        response_metadata=dict(message.response_metadata),
        additional_kwargs=dict(message.additional_kwargs),
        chunk_position="last",
    )
    yield from chunks
    yield last

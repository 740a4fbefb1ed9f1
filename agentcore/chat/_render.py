"""How a chat turn looks: live events and streamed tokens, then the answer, sources and usage.

The live part is :class:`agentcore.cli._render.LiveSink` (what ``agentcore run`` shows), made
pausable so that an approval question can take the terminal in the middle of a run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from agentcore.cli._render import LiveSink, shorten

if TYPE_CHECKING:
    from rich.console import Console

    from agentcore.chat._session import ChatSession, Turn
    from agentcore.events import RunEvent
    from agentcore.result import RunResult

MAX_SOURCES = 8
_STATUS_STYLE = {"completed": "green", "limit_reached": "yellow", "cancelled": "yellow"}
_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]+")
_SOURCE_LINE = re.compile(r"^\s*(?:URL|Source):\s*(\S.*?)\s*$", re.MULTILINE)
_CITATION_LINE = re.compile(r"^\[\d+\]\s+(\S.*?)(?:\s+\[collection [^\]]+\])?\s*$", re.MULTILINE)
# Tools whose results carry citations, and tools whose argument names the source read.
_CITING_TOOLS = {"web_search": _SOURCE_LINE, "rag_search": _CITATION_LINE}
_READING_TOOLS = {"read_file": "path"}


class TurnSink(LiveSink):
    """Live events of one run: a spinner with who is working, event lines, answer tokens.

    On a terminal the spinner and the streamed answer live in a transient region; elsewhere
    (a pipe) only the event lines are printed. :meth:`pause` hands the terminal back, e.g.
    for an approval question.
    """

    def __init__(self, console: Console) -> None:
        super().__init__(console)
        self.run_id: str | None = None
        self.task: str | None = None
        self.streamed = False
        # Steps started and not ended: a step that paused for an approval starts again
        # from the top when the run goes on, and says so; once is enough on screen.
        self._open_steps: set[str] = set()

    def __enter__(self) -> TurnSink:
        if self.console.is_terminal:
            super().__enter__()
        return self

    def pause(self) -> None:
        """Stop the live region so that something else can use the terminal."""
        self.__exit__(None, None, None)

    def resume(self) -> None:
        """Start the live region again after :meth:`pause`."""
        if self._live is None:
            self.__enter__()

    def handle(self, event: RunEvent) -> None:
        if event.kind == "run_start":
            self.run_id = event.data.get("run_id") or self.run_id
            self.task = event.data.get("task") or self.task
        elif event.kind == "token":
            self.streamed = True
        elif event.kind == "step_start" and event.step:
            if event.step in self._open_steps:
                return
            self._open_steps.add(event.step)
        elif event.kind == "step_end" and event.step:
            self._open_steps.discard(event.step)
        elif event.kind == "approval":
            self.console.print(approval_line(event.data), markup=False, highlight=False)
            return
        elif event.kind == "approval_request":
            return  # the approval callback asks; nothing to add
        super().handle(event)


def approval_line(data: Mapping[str, Any]) -> str:
    """One line about an approval decision the run received."""
    tool = data.get("tool", "?")
    decision = data.get("decision", "?")
    if decision == "deny":
        by = " by the [approvals] policy" if data.get("by") == "policy" else ""
        return f"  ✗ {tool}: not approved{by}"
    how = " (always, this session)" if decision == "always" else ""
    if data.get("by") == "policy":
        how += " by the [approvals] policy"
    return f"  ✓ {tool}: approved{how}"


def sources(result: RunResult) -> list[str]:
    """What the run's answer rests on: URLs and citations the tools returned, files read.

    Taken from the run's trace, in the order they came up, without duplicates; URLs in the
    answer itself come first.
    """
    found: dict[str, None] = {}

    def add(source: str) -> None:
        found.setdefault(source.strip().rstrip(".,;:"), None)

    for url in _URL.findall(result.answer):
        add(url)
    for record in result.trace:
        tool = record.get("tool")
        if record.get("type") == "tool_call" and tool in _READING_TOOLS:
            args = record.get("args")
            if isinstance(args, Mapping) and isinstance(args.get(_READING_TOOLS[tool]), str):
                add(str(args[_READING_TOOLS[tool]]))
        elif record.get("type") == "tool_result" and tool in _CITING_TOOLS:
            if record.get("is_error"):
                continue
            pattern = _CITING_TOOLS[str(tool)]
            for match in pattern.findall(str(record.get("output") or "")):
                add(match)
    return list(found)


def usage_line(turn: Turn, session: ChatSession | None = None) -> str:
    """``completed · 1.2s · 1,234 tokens · $0.0012 · run ID`` (and the session's total)."""
    parts = [turn.status, f"{turn.duration_s:.1f}s"]
    parts.append(f"{turn.input_tokens + turn.output_tokens:,} tokens")
    parts.append(f"${turn.cost_usd:.4f}")
    if turn.run_id:
        parts.append(f"run {turn.run_id}")
    if session is not None and len(session.turns) > 1:
        parts.append(f"session {session.tokens:,} tokens ${session.cost_usd:.4f}")
    return " · ".join(parts)


def _listing(console: Console, title: str, items: Iterable[str]) -> None:
    from rich.text import Text

    shown = list(items)
    if not shown:
        return
    console.print(Text(f"{title}:", style="bold"))
    for n, item in enumerate(shown[:MAX_SOURCES], start=1):
        console.print(Text(f"  {n}. {item}"))
    if len(shown) > MAX_SOURCES:
        console.print(Text(f"  … and {len(shown) - MAX_SOURCES} more", style="dim"))


def render_turn(
    console: Console, result: RunResult, turn: Turn, session: ChatSession | None = None
) -> None:
    """The answer as Markdown, its sources and artifacts, then status, usage and cost."""
    from rich.markdown import Markdown
    from rich.rule import Rule
    from rich.text import Text

    console.print(Rule(style="cyan"))
    console.print(Markdown(result.answer.strip() or "_(no answer)_"))
    console.print()
    _listing(console, "sources", sources(result))
    if result.artifacts:
        _listing(console, f"artifacts (in {result.workspace})", result.artifacts)
    style = _STATUS_STYLE.get(result.status, "red")
    line = usage_line(turn, session)
    if result.limit:
        line += f" · limit {result.limit}"
    console.print(Text(line, style=style))
    if result.error:
        console.print(Text(f"error: {shorten(result.error, 300)}", style=style))
    if result.status == "interrupted":
        console.print(Text(f"continue it with: /resume {result.run_id}", style="dim"))

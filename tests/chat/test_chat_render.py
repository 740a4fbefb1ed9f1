"""How a turn looks: events while it runs, then the answer, sources, artifacts and usage."""

from __future__ import annotations

from chat_helpers import console, output

from agentcore.chat import ChatSession, Turn
from agentcore.chat._render import (
    MAX_SOURCES,
    TurnSink,
    approval_line,
    render_turn,
    sources,
    usage_line,
)
from agentcore.events import RunEvent
from agentcore.result import AgentUsage, RunResult, UsageReport


def result(**changes: object) -> RunResult:
    base: dict[str, object] = {
        "run_id": "r1",
        "status": "completed",
        "answer": "# Findings\n\nSee https://example.org/a. and **bold**",
        "model": "scripted:echo",
        "duration_s": 2.5,
        "usage": UsageReport(
            total=AgentUsage(input_tokens=1000, output_tokens=234, cost_usd=0.0123, calls=3)
        ),
    }
    return RunResult.model_validate({**base, **changes})


TRACE = [
    {"type": "tool_call", "tool": "read_file", "args": {"path": "data/flights.csv"}},
    {"type": "tool_call", "tool": "write_file", "args": {"path": "out.md"}},
    {
        "type": "tool_result",
        "tool": "web_search",
        "is_error": False,
        "output": "Web results\n\n[1] A page\n    URL: https://example.org/a\n    text\n"
        "[2] Other\n    URL: https://example.com/b\n",
    },
    {
        "type": "tool_result",
        "tool": "rag_search",
        "is_error": False,
        "output": "2 passage(s) ...\n\n[1] docs/guide.md §Install, lines 3-9\nbody\n\n"
        "[2] notes.md, lines 1-2 [collection notes]\nbody",
    },
    {"type": "tool_result", "tool": "web_search", "is_error": True, "output": "URL: https://no"},
]


def test_sources_come_from_the_answer_and_the_tools_that_cite() -> None:
    found = sources(result(trace=TRACE))
    assert found == [
        "https://example.org/a",
        "data/flights.csv",
        "https://example.com/b",
        "docs/guide.md §Install, lines 3-9",
        "notes.md, lines 1-2",
    ]


def test_usage_line_adds_the_session_total_after_the_first_turn() -> None:
    session = ChatSession()
    turn = Turn.from_result("t", result())
    session.add(turn)
    assert usage_line(turn, session) == "completed · 2.5s · 1,234 tokens · $0.0123 · run r1"
    session.add(turn)
    assert usage_line(turn, session).endswith("session 2,468 tokens $0.0246")


def test_render_turn_shows_markdown_sources_artifacts_and_usage() -> None:
    con = console()
    res = result(trace=TRACE, artifacts=["out.md"], workspace="/ws/r1")
    render_turn(con, res, Turn.from_result("t", res))
    out = output(con)
    assert "Findings" in out and "# Findings" not in out  # rendered, not raw Markdown
    assert "sources:\n  1. https://example.org/a\n  2. data/flights.csv" in out
    assert "artifacts (in /ws/r1):\n  1. out.md" in out
    assert "completed · 2.5s · 1,234 tokens · $0.0123 · run r1" in out


def test_render_turn_of_a_limited_or_failed_run_says_why() -> None:
    con = console()
    res = result(status="limit_reached", limit="max_tool_calls", error="ran out")
    render_turn(con, res, Turn.from_result("t", res))
    out = output(con)
    assert "limit_reached · " in out and "· limit max_tool_calls" in out and "error: ran out" in out
    con = console()
    res = result(status="interrupted", answer="")
    render_turn(con, res, Turn.from_result("t", res))
    assert "(no answer)" in output(con) and "continue it with: /resume r1" in output(con)


def test_many_sources_are_cut_with_a_count() -> None:
    trace = [
        {"type": "tool_call", "tool": "read_file", "args": {"path": f"f{i}.txt"}}
        for i in range(MAX_SOURCES + 3)
    ]
    con = console()
    res = result(trace=trace, answer="ok")
    render_turn(con, res, Turn.from_result("t", res))
    assert "… and 3 more" in output(con)


def test_approval_lines() -> None:
    assert approval_line({"tool": "run_python", "decision": "deny"}) == (
        "  ✗ run_python: not approved"
    )
    assert approval_line({"tool": "x", "decision": "always"}) == (
        "  ✓ x: approved (always, this session)"
    )
    assert approval_line({"tool": "x", "decision": "approve", "by": "policy"}) == (
        "  ✓ x: approved by the [approvals] policy"
    )


def test_the_sink_prints_events_once_and_keeps_run_and_task() -> None:
    con = console()  # not a terminal: no live region, only event lines
    sink = TurnSink(con)
    events = [
        RunEvent(kind="run_start", data={"run_id": "r7", "task": "do it", "model": "m"}),
        RunEvent(kind="step_start", agent="coder", step="s1", data={"instruction": "Write"}),
        RunEvent(kind="approval_request", agent="coder", step="s1", data={"request": object()}),
        RunEvent(
            kind="approval", agent="coder", data={"tool": "write_file", "decision": "approve"}
        ),
        # the step went on after the approval: it starts again from the top
        RunEvent(kind="step_start", agent="coder", step="s1", data={"instruction": "Write"}),
        RunEvent(
            kind="tool_call",
            agent="coder",
            step="s1",
            data={"tool": "write_file", "args": {"path": "a"}},
        ),
        RunEvent(kind="step_end", agent="coder", step="s1", data={"status": "done"}),
        RunEvent(kind="token", agent="synthesis", data={"text": "Hel"}),
    ]
    with sink:
        for event in events:
            sink.handle(event)
    out = output(con)
    assert (sink.run_id, sink.task, sink.streamed) == ("r7", "do it", True)
    assert out.count("▶ coder [s1] Write") == 1
    assert "✓ write_file: approved" in out
    assert "↳ coder calls write_file(path='a')" in out
    assert "✓ coder [s1] done" in out

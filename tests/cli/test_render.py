"""Rendering of run events and results: plain lines for pipes, rich live output on a TTY."""

from __future__ import annotations

import io

from rich.console import Console

from agentcore.cli._render import LiveSink, PlainSink, describe, human_size, summarize_args
from agentcore.events import RunEvent
from agentcore.result import RunResult, StepInfo, UsageReport

EVENTS = [
    RunEvent(kind="run_start", data={"run_id": "r1", "model": "scripted:demo"}),
    RunEvent(
        kind="plan",
        agent="planner",
        data={
            "steps": [
                {
                    "id": "s1",
                    "agent": "researcher",
                    "instruction": "Read data.csv",
                    "depends_on": [],
                },
                {"id": "s2", "agent": "coder", "instruction": "Write a.py", "depends_on": ["s1"]},
            ]
        },
    ),
    RunEvent(
        kind="step_start", agent="researcher", step="s1", data={"instruction": "Read data.csv"}
    ),
    RunEvent(
        kind="model_call",
        agent="researcher",
        step="s1",
        data={"input_tokens": 100, "output_tokens": 20, "cost_usd": 0.001, "calls": 1},
    ),
    RunEvent(
        kind="tool_call",
        agent="researcher",
        step="s1",
        data={"tool": "read_file", "args": {"path": "data.csv"}},
    ),
    RunEvent(
        kind="tool_result",
        agent="researcher",
        step="s1",
        data={"tool": "read_file", "chars": 2500, "is_error": False},
    ),
    RunEvent(
        kind="tool_result",
        agent="researcher",
        step="s1",
        data={"tool": "read_file", "chars": 40, "is_error": True},
    ),
    RunEvent(
        kind="step_end",
        agent="researcher",
        step="s1",
        data={"status": "done", "summary": "344 rows"},
    ),
    RunEvent(kind="limit", data={"limit": "max_tool_calls", "value": 3}),
    RunEvent(kind="replan", agent="planner", data={"failed": ["s2"]}),
    RunEvent(kind="token", agent="synthesis", data={"text": "The data "}),
    RunEvent(kind="token", agent="synthesis", data={"text": "has **344 rows**."}),
    RunEvent(kind="answer", agent="synthesis", data={"answer": "The data has **344 rows**."}),
]

RESULT = RunResult(
    run_id="r1",
    status="limit_reached",
    answer="The data has **344 rows**.",
    model="scripted:demo",
    limit="max_tool_calls",
    duration_s=1.25,
    usage=UsageReport.from_state(
        {
            "researcher": {"input_tokens": 100, "output_tokens": 20, "cost_usd": 0.001, "calls": 1},
            "synthesis": {"input_tokens": 50, "output_tokens": 10, "cost_usd": 0.0005, "calls": 1},
        },
        {},
    ),
    steps=[StepInfo(id="s1", agent="researcher", status="done", instruction="Read data.csv")],
    artifacts=["a.py"],
    workspace="/tmp/ws",
)


def test_describe_lines() -> None:
    lines = [describe(e) for e in EVENTS]
    assert lines[0] == "run r1 started · model scripted:demo"
    assert lines[1] is not None and lines[1].splitlines() == [
        "plan: 2 step(s)",
        "  s1 → researcher: Read data.csv",
        "  s2 → coder: Write a.py (after s1)",
    ]
    assert lines[2] == "▶ researcher [s1] Read data.csv"
    assert lines[3] is None  # model calls show in the live status, not as lines
    assert lines[4] == "  ↳ researcher calls read_file(path='data.csv')"
    assert lines[5] == "  ← read_file: 2.5k chars"
    assert lines[6] == "  ✗ read_file returned an error"
    assert lines[7] == "✓ researcher [s1] done: 344 rows"
    assert lines[8] == "! limit reached: max_tool_calls (3) — wrapping up with what the run has"
    assert lines[9] == "↻ re-planning after failed step(s) s2"
    assert lines[10] is None and lines[12] is None


def test_summaries() -> None:
    assert summarize_args({"q": "x" * 100}, width=20) == "q='xxxxxxxxxxxxxxxx…"
    assert summarize_args('{"a": 1}') == '{"a": 1}'
    assert human_size(999) == "999 chars"
    assert human_size(1_500_000) == "1.5M chars"


def test_plain_sink() -> None:
    out = io.StringIO()
    sink = PlainSink(out)
    for event in EVENTS:
        sink.handle(event)
    sink.finish(RESULT)
    text = out.getvalue()
    assert "The data " not in text.split("answer:")[0]  # tokens are not streamed in plain mode
    assert "answer:\nThe data has **344 rows**.\n" in text
    assert "  s1  researcher  done  Read data.csv" in text
    assert "  total  calls=2 input_tokens=150 output_tokens=30 cost_usd=0.0015" in text
    assert text.rstrip().endswith(
        "status: limit_reached in 1.2s · run r1 · model scripted:demo · limit max_tool_calls · "
        "1 artifact(s) in /tmp/ws"
    )


def test_live_sink_streams_tokens_then_renders_the_result() -> None:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100, height=30, color_system=None)
    with LiveSink(console) as sink:
        for event in EVENTS:
            sink.handle(event)
        assert "".join(sink.tokens) == "The data has **344 rows**."
        assert sink.used_tokens == 120
        sink.finish(RESULT)
    text = buf.getvalue()
    assert "▶ researcher [s1] Read data.csv" in text
    assert "read_file(path='data.csv')" in text
    assert "answer" in text and "The data has 344 rows." in text  # Markdown, rendered
    assert "researcher" in text and "synthesis" in text and "total" in text
    assert "limit_reached in 1.2s" in text


def test_injection_guard_lines() -> None:
    def guard(decision: str, policy: str) -> str | None:
        data = {
            "tool": "run_python",
            "risk": "executes_code",
            "untrusted": ["web_search", "memory"],
            "policy": policy,
            "decision": decision,
            "by": "policy",
        }
        return describe(RunEvent(kind="injection_guard", agent="coder", step="s2", data=data))

    head = "  ⚠ coder [s2] calls run_python after untrusted content from web_search, memory: "
    assert guard("not_asked", "normal") == head + "allowed and recorded (policy normal)"
    assert guard("deny", "strict") == head + "stopped (policy strict)"
    assert guard("approve", "strict") == head + "approved (policy strict)"

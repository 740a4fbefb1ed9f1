"""The call journal on its own: which recorded calls a step's replay gives back, and when not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, messages_to_dict
from langchain_core.messages.tool import ToolCall

from agentcore.graph import CallJournal

TASK = "worker:1"


def model_record(
    text: str, calls: list[ToolCall] | None = None, task: str = TASK
) -> dict[str, Any]:
    message = AIMessage(content=text, tool_calls=calls or [])
    return {
        "type": "model_call",
        "task": task,
        "agent": "coder",
        "model": "m",
        "attempts": 1,
        "response": messages_to_dict([message])[0],
        "usage": {"input_tokens": 10, "output_tokens": 2, "cost_usd": 0.5},
    }


def tool_record(name: str, call_id: str, output: str, task: str = TASK) -> dict[str, Any]:
    return {
        "type": "tool_result",
        "task": task,
        "tool": name,
        "call_id": call_id,
        "is_error": False,
        "output": output,
    }


def call(name: str, call_id: str) -> ToolCall:
    return {"name": name, "args": {}, "id": call_id, "type": "tool_call"}


def journal(*records: dict[str, Any]) -> CallJournal:
    out = CallJournal()
    for record in records:
        out.record(record)
    return out


def test_a_step_gets_its_calls_back_in_order_and_then_goes_live() -> None:
    first = call("ledger", "c1")
    cursor = journal(
        model_record("writing", [first]),
        tool_record("ledger", "c1", "wrote a"),
        model_record("other step", task="worker:2"),  # another execution: not this step's
    ).cursor(TASK)

    reply = cursor.model("coder")
    assert reply is not None and reply["message"].tool_calls[0]["id"] == "c1"
    assert (reply["input_tokens"], reply["output_tokens"], reply["cost_usd"]) == (10, 2, 0.5)
    assert cursor.tool(first) == ("wrote a", False)
    assert not cursor.replaying
    assert cursor.model("coder") is None  # nothing left: the next call is made for real
    assert cursor.replayed == {"model_calls": 1, "tool_calls": 1}
    assert cursor.diverged_at is None


def test_a_call_that_never_finished_is_decided_again_without_ending_the_replay() -> None:
    denied, second = call("guarded", "c1"), call("ledger", "c2")
    cursor = journal(
        model_record("try", [denied]),
        model_record("go on", [second]),  # the denied call left no result
        tool_record("ledger", "c2", "wrote b"),
    ).cursor(TASK)

    assert cursor.model("coder") is not None
    assert cursor.tool(denied) is None  # not replayed, and the replay goes on
    assert cursor.replaying and cursor.diverged_at is None
    assert cursor.model("coder") is not None
    assert cursor.tool(second) == ("wrote b", False)


def test_a_replay_that_stops_matching_diverges_once_and_the_journal_forgets_the_tail() -> None:
    seen: list[int] = []
    records = [model_record("a", [call("ledger", "c1")]), tool_record("ledger", "c1", "wrote a")]
    book = journal(*records)
    cursor = book.cursor(TASK, seen.append)

    assert cursor.model("coder") is not None
    assert cursor.tool(call("ledger", "other-id")) is None  # another call than was made
    assert seen == [1] and cursor.diverged_at == 1 and not cursor.replaying
    # the step writes journal_diverged; from then on a replay of it stops at that point
    book.record({"type": "journal_diverged", "task": TASK, "at": 1})
    assert book.cursor(TASK).model("coder") is not None
    again = book.cursor(TASK)
    again.model("coder")
    assert not again.replaying


def test_going_live_in_the_middle_of_a_replay_drops_what_is_left() -> None:
    seen: list[int] = []
    cursor = journal(model_record("a"), model_record("b")).cursor(TASK, seen.append)
    cursor.model("coder")
    cursor.go_live()
    assert seen == [1] and not cursor.replaying
    cursor.go_live()  # nothing left: no second divergence
    assert seen == [1]


def test_read_from_a_trace_file_skipping_a_line_cut_by_the_kill(tmp_path: Path) -> None:
    trace = tmp_path / "run.jsonl"
    lines = [json.dumps({"type": "run_start"}), json.dumps(model_record("a"))]
    trace.write_text("\n".join(lines) + '\n{"type": "tool_res', encoding="utf-8")

    cursor = CallJournal.from_trace(trace).cursor(TASK)

    assert cursor.model("coder") is not None and not cursor.replaying
    assert not CallJournal.from_trace(tmp_path / "missing.jsonl").cursor(TASK).replaying

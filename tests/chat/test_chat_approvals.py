"""The approval questions a chat asks, and "always" remembered for the session."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from agentcore.approvals import ApprovalRequest
from agentcore.chat._approvals import ChatApprovals, call_summary, parse_answer


def request(tool: str = "run_python", **args: object) -> ApprovalRequest:
    return ApprovalRequest(
        run_id="r1",
        agent="coder",
        step="s1",
        tool=tool,
        args=dict(args) or {"code": "print(1)"},
        risk="executes_code",
        reason=f"{tool} executes code",
    )


class Person:
    """Answers questions from a list; records the questions, what was said, pauses."""

    def __init__(self, answers: Sequence[str | None]) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []
        self.said: list[str] = []
        self.events: list[str] = []

    async def ask(self, question: str) -> str | None:
        self.asked.append(question)
        return self.answers.pop(0)

    def approvals(self, always: set[str] | None = None) -> ChatApprovals:
        return ChatApprovals(
            always if always is not None else set(),
            self.ask,
            pause=lambda: self.events.append("pause"),
            resume=lambda: self.events.append("resume"),
            say=self.said.append,
        )


@pytest.mark.parametrize(
    ("text", "decision"),
    [("y", "approve"), (" YES ", "approve"), ("n", "deny"), ("No", "deny"), ("a", "always")],
)
def test_answers(text: str, decision: str) -> None:
    assert parse_answer(text) == decision


@pytest.mark.parametrize("text", ["", "maybe", "ya", "1"])
def test_unclear_answers_mean_nothing(text: str) -> None:
    assert parse_answer(text) is None


def test_call_summary_is_one_short_line() -> None:
    assert call_summary("write_file", {"path": "a.txt", "n": 2}) == 'write_file(path="a.txt", n=2)'
    long = call_summary("run_python", {"code": "x = 1\n" * 100}, width=60)
    assert len(long) <= 60 and long.endswith("…)") and "\n" not in long


async def test_yes_and_no_ask_each_time_and_pause_the_display() -> None:
    person = Person(["y", "n"])
    approvals = person.approvals()
    assert await approvals(request()) == "approve"
    assert await approvals(request()) == "deny"
    assert person.asked == ["Allow run_python? [y]es / [n]o / [a]lways for this session "] * 2
    assert person.said[0] == '? coder [s1] wants to run run_python(code="print(1)")'
    assert "risk: executes_code — run_python executes code" in person.said[1]
    assert person.events == ["pause", "resume", "pause", "resume"]


async def test_always_is_remembered_per_tool_in_the_sessions_set() -> None:
    always: set[str] = set()
    person = Person(["a", "y"])
    approvals = person.approvals(always)
    assert await approvals(request()) == "always"
    assert always == {"run_python"}
    assert await approvals(request()) == "always"  # not asked again
    assert await approvals(request("web_search", query="x")) == "approve"  # other tools still ask
    assert len(person.asked) == 2


async def test_unclear_answers_are_asked_again_then_denied() -> None:
    person = Person(["maybe", "y"])
    assert await person.approvals()(request()) == "approve"
    assert "  please answer y, n or a" in person.said
    person = Person(["?", "??", "???"])
    assert await person.approvals()(request()) == "deny"
    assert person.said[-1] == "  (no clear answer: not approved)"


async def test_end_of_input_is_a_no() -> None:
    person = Person([None])
    assert await person.approvals()(request()) == "deny"
    assert person.said[-1] == "  (no answer: not approved)"
    assert person.events == ["pause", "resume"]

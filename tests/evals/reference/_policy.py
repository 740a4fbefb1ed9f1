"""The scripted reference agent: a deterministic policy that plays every agent of a team.

A bundled suite runs offline on a cassette, and a cassette needs a model to record from.
There is no LLM here, so each suite has a *reference policy*: plain Python that answers every
model call of a run (the planner's plan, each worker's tool calls and result, the synthesis)
through :class:`agentcore.testing.FunctionChatModel`. The tools it calls are real (DuckDB, the
sandbox, scikit-learn, the RAG index); what it says is decided by code. A cassette recorded
from it therefore measures the harness and the tools, never a model.

A policy knows which case it is answering by finding the case's input in the messages (the
planner, the workers and the synthesis all see the task). Its state within a step is the
conversation itself (the tool results so far), never a counter kept between calls: samples
run concurrently on one model object.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agentcore.evals import Suite
from agentcore.evals._types import Case
from agentcore.testing import CallInfo

_STEP_BLOCK = re.compile(
    r"^## (?P<id>\S+) \u2014 (?P<agent>\S+) \((?P<status>\w+)\)\nInstruction: [^\n]*\n"
    r"(?P<body>.*?)(?=\n\n## \S+ \u2014 |\Z)",
    re.DOTALL | re.MULTILINE,
)
_YOUR_STEP = re.compile(r"Your step \((?P<id>[^)]+)\):\n(?P<instruction>[^\n]*)")


@dataclass(frozen=True, kw_only=True, slots=True)
class Step:
    """One step of a reference plan."""

    id: str
    agent: str
    instruction: str
    depends_on: list[str] = field(default_factory=list)

    def as_args(self) -> dict[str, Any]:
        """The step as ``submit_plan`` takes it."""
        return {
            "id": self.id,
            "agent": self.agent,
            "instruction": " ".join(self.instruction.split()),  # one line
            "depends_on": self.depends_on,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class Turn:
    """What a worker sees when it is called: its step and the tool results so far."""

    case: Case
    agent: str
    step: str
    instruction: str
    results: list[ToolMessage]

    @property
    def index(self) -> int:
        """0 for the step's first call, then one more per round of tool calls answered."""
        return len({m.tool_call_id.split(":")[0] for m in self.results})

    def result(self, tool: str) -> str:
        """The text of the last result of ``tool`` ("" when it was not called)."""
        found = [m for m in self.results if m.name == tool]
        return str(found[-1].content) if found else ""


def tool_calls(calls: Sequence[tuple[str, dict[str, Any]]], *, turn: int) -> AIMessage:
    """A message calling tools; the ids say which round they belong to (``Turn.index``)."""
    return AIMessage(
        content="",
        tool_calls=[
            {"name": name, "args": args, "id": f"t{turn}:{i}"}
            for i, (name, args) in enumerate(calls)
        ],
    )


def step_summaries(prompt: str) -> dict[str, str]:
    """The results of the steps, by step id, from the synthesis prompt."""
    results = prompt.split("\nResults:\n", 1)[-1]
    return {m.group("id"): m.group("body").strip() for m in _STEP_BLOCK.finditer(results)}


class ReferencePolicy(ABC):
    """A deterministic stand-in for a model, for one suite.

    Subclasses say what the planner plans (:meth:`plan`), what a worker does at each turn of
    its step (:meth:`work`) and, optionally, what the synthesis writes (:meth:`synthesise`;
    by default the last step's result, unchanged).
    """

    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        # Longest first: a case whose input contains another's is found first.
        self._cases = sorted(suite.cases, key=lambda c: -len(c.input))

    # --- what subclasses write ------------------------------------------------------------

    @abstractmethod
    def plan(self, case: Case) -> list[Step]:
        """The plan the planner submits for ``case``."""

    @abstractmethod
    def work(self, turn: Turn) -> AIMessage | str:
        """A worker's reply: tool calls (:func:`tool_calls`), or its result as text."""

    def synthesise(self, case: Case, summaries: dict[str, str]) -> str:
        """The final answer from the step results (default: the last step's result)."""
        return list(summaries.values())[-1] if summaries else "(no step produced a result)"

    # --- the model function -----------------------------------------------------------------

    def __call__(self, messages: list[BaseMessage], info: CallInfo) -> AIMessage | str:
        """Answer one model call (the signature :class:`FunctionChatModel` calls)."""
        case = self.case_of(messages)
        if info.agent == "planner":
            steps = [s.as_args() for s in self.plan(case)]
            return tool_calls([("submit_plan", {"steps": steps})], turn=0)
        if info.agent == "synthesis":
            return self.synthesise(case, step_summaries(_text(messages[-1])))
        step_text = next(_text(m) for m in messages if m.type == "human")
        mine = _YOUR_STEP.search(step_text)
        turn = Turn(
            case=case,
            agent=str(info.agent),
            step=str(info.step or (mine.group("id") if mine else "")),
            instruction=mine.group("instruction") if mine else "",
            results=[m for m in messages if isinstance(m, ToolMessage)],
        )
        return self.work(turn)

    def case_of(self, messages: Sequence[BaseMessage]) -> Case:
        """The case whose input the conversation carries."""
        for message in messages:
            text = _text(message)
            for case in self._cases:
                if case.input.strip() in text:
                    return case
        raise LookupError(
            f"reference policy for '{self.suite.name}': no case's input is in the messages"
        )


def _text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(b if isinstance(b, str) else str(b.get("text", "")) for b in content)

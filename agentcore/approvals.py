"""Human approval of tool calls: one policy for every surface.

A tool call needs approval when the policy says so (``[approvals]`` in config): ``never`` asks
for nothing, ``on_risky`` (the default) asks for tools that execute code or reach the network
and for tools marked ``requires_approval``, ``always`` asks for every call; ``[approvals.tools]``
sets the mode of single tools. The run pauses on a LangGraph interrupt, so a request survives a
restart; whoever drives the run answers it: the chat REPL asks the person, the Python API calls
the ``approve`` callback it was given, and batch runs, evals and API calls without a callback
take ``[approvals] unattended`` (approve by default: code runs in the sandbox anyway). A denied
call is reported to the model as a tool error and the run goes on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from agentcore.config import ApprovalSettings
from agentcore.tools import Risk, ToolMeta

Decision = Literal["approve", "deny", "always"]
"""``always``: approve, and do not ask again about this tool for the rest of the session."""

DECISIONS: tuple[Decision, ...] = ("approve", "deny", "always")
RISKY = frozenset({Risk.EXECUTES_CODE, Risk.NETWORK})


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalRequest:
    """A tool call waiting for a human decision.

    Attributes:
        run_id: The run.
        agent: The agent that wants to call the tool.
        step: The plan step it works on.
        tool: The tool's name.
        args: The call's arguments.
        risk: The tool's risk level (``read_only``, ``writes``, ``executes_code``, ``network``).
        reason: Why approval is needed, in words.
    """

    run_id: str
    agent: str
    step: str
    tool: str
    args: dict[str, Any]
    risk: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        """The request as JSON-ready data (interrupt payloads, events, traces)."""
        return {
            "run_id": self.run_id,
            "agent": self.agent,
            "step": self.step,
            "tool": self.tool,
            "args": self.args,
            "risk": self.risk,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApprovalRequest:
        """Rebuild a request from :meth:`to_json` data."""
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


ApprovalCallback = Callable[[ApprovalRequest], "Decision | Awaitable[Decision]"]


def approval_reason(tool: str, meta: ToolMeta, settings: ApprovalSettings) -> str | None:
    """Why a call to ``tool`` needs approval under ``settings``, or ``None`` when it does not."""
    mode = settings.tools.get(tool, settings.mode)
    if mode == "never":
        return None
    if mode == "always":
        return f"the approval policy asks about every call to {tool}"
    if meta.requires_approval:
        return f"{tool} is marked as needing approval"
    if meta.risk in RISKY:
        what = "executes code" if meta.risk == Risk.EXECUTES_CODE else "reaches the network"
        return f"{tool} {what}"
    return None


def check_decision(value: object) -> Decision:
    """``value`` as a decision; anything else is a programming error in the caller."""
    if value not in DECISIONS:
        raise ValueError(f"an approval decision is one of {', '.join(DECISIONS)}; got {value!r}")
    return value

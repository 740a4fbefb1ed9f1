"""Human approval of tool calls: one policy for every surface.

A tool call needs approval when the policy says so (``[approvals]`` in config): ``never`` asks
for nothing, ``on_risky`` (the default) asks for tools that execute code or reach the network
and for tools marked ``requires_approval``, ``always`` asks for every call; ``[approvals.tools]``
sets the mode of single tools. The run pauses on a LangGraph interrupt, so a request survives a
restart; whoever drives the run answers it: the chat REPL asks the person, the Python API calls
the ``approve`` callback it was given, and batch runs, evals and API calls without a callback
take ``[approvals] unattended`` (approve by default: code runs in the sandbox anyway). A denied
call is reported to the model as a tool error and the run goes on.

``[security] injection = "strict"`` adds one more reason to ask: once content from outside the
run is in an agent's context, each of its calls to a tool that executes code, reaches the
network or is marked as needing approval is asked about, whatever ``[approvals]`` says and
even if the tool was approved with "always" (:func:`injection_reason`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from agentcore.config import ApprovalSettings, SecuritySettings
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
        untrusted: When the ``strict`` injection policy asks: where the untrusted content
            in the agent's context came from (``web_search``, ``memory``, ``step s1``...);
            empty for an ordinary approval.
    """

    run_id: str
    agent: str
    step: str
    tool: str
    args: dict[str, Any]
    risk: str
    reason: str
    untrusted: tuple[str, ...] = ()

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
            "untrusted": list(self.untrusted),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApprovalRequest:
        """Rebuild a request from :meth:`to_json` data."""
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        fields["untrusted"] = tuple(fields.get("untrusted", ()))  # older checkpoints: absent
        return cls(**fields)


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


def injection_guarded(meta: ToolMeta) -> bool:
    """Whether calls to a tool with ``meta`` are watched once untrusted content is in context."""
    return meta.risk in RISKY or meta.requires_approval


def injection_reason(
    tool: str, meta: ToolMeta, untrusted: tuple[str, ...], settings: SecuritySettings
) -> str | None:
    """Why the ``strict`` injection policy asks about a call to ``tool``, or ``None``.

    It asks when the policy is ``strict``, the agent's context holds untrusted content (from
    ``untrusted``, its sources) and the tool is guarded (:func:`injection_guarded`).
    """
    if settings.injection != "strict" or not untrusted or not injection_guarded(meta):
        return None
    if meta.risk in RISKY:
        what = "executes code" if meta.risk == Risk.EXECUTES_CODE else "reaches the network"
    else:
        what = "is marked as needing approval"
    return (
        f"{tool} {what} and untrusted content ({', '.join(untrusted)}) is in the agent's "
        'context ([security] injection = "strict")'
    )


def check_decision(value: object) -> Decision:
    """``value`` as a decision; anything else is a programming error in the caller."""
    if value not in DECISIONS:
        raise ValueError(f"an approval decision is one of {', '.join(DECISIONS)}; got {value!r}")
    return value

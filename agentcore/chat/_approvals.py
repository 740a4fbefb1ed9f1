"""Approvals in a chat: ask the person at the keyboard, remember "always" for the session."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from agentcore.cli._render import shorten

if TYPE_CHECKING:
    from agentcore.approvals import ApprovalRequest, Decision

Ask = Callable[[str], Awaitable[str | None]]
"""Asks one question and returns the answer line, or ``None`` at end of input."""

ANSWERS: dict[str, Decision] = {
    "y": "approve",
    "yes": "approve",
    "n": "deny",
    "no": "deny",
    "a": "always",
    "always": "always",
}
QUESTION_SUFFIX = "[y]es / [n]o / [a]lways for this session"


def call_summary(tool: str, args: Mapping[str, Any] | str, width: int = 100) -> str:
    """``write_file(path='a.txt', content='…')``, cut to ``width`` characters."""
    if isinstance(args, str):
        inner = args
    else:
        inner = ", ".join(
            f"{k}={json.dumps(v, default=str, ensure_ascii=False)}" for k, v in args.items()
        )
    return f"{tool}({shorten(inner, max(width - len(tool) - 2, 10))})"


def parse_answer(text: str) -> Decision | None:
    """The decision an answer line means, or ``None`` when it means none of them."""
    return ANSWERS.get(text.strip().lower())


class ChatApprovals:
    """The ``approve`` callback a chat passes to each run.

    A tool the person approved with "always" is approved without asking for the rest of the
    session (``always`` is the session's set, shared with ``/approvals``). End of input or an
    unclear answer three times is a "no": a tool never runs without a clear yes.

    Args:
        always: The session's always-approved tools (mutated).
        ask: Asks one question and returns the answer (``None`` at end of input).
        pause: Called before asking (e.g. to stop a live display); ``resume`` after.
        say: Prints one line.
    """

    def __init__(
        self,
        always: set[str],
        ask: Ask,
        *,
        pause: Callable[[], None] = lambda: None,
        resume: Callable[[], None] = lambda: None,
        say: Callable[[str], None] = print,
    ) -> None:
        self.always = always
        self._ask = ask
        self.pause = pause
        self.resume = resume
        self._say = say

    async def __call__(self, request: ApprovalRequest) -> Decision:
        if request.tool in self.always and not request.untrusted:
            # "always" does not cover a call the strict injection policy asks about.
            return "always"
        self.pause()
        try:
            return await self._decide(request)
        finally:
            self.resume()

    async def _decide(self, request: ApprovalRequest) -> Decision:
        who = f"{request.agent}" + (f" [{request.step}]" if request.step else "")
        why = f" — {request.reason}" if request.reason else ""
        self._say(f"? {who} wants to run {call_summary(request.tool, request.args)}")
        if request.risk or why:
            self._say(f"  risk: {request.risk}{why}")
        question = f"Allow {request.tool}? {QUESTION_SUFFIX} "
        for _ in range(3):
            answer = await self._ask(question)
            if answer is None:
                self._say("  (no answer: not approved)")
                return "deny"
            decision = parse_answer(answer)
            if decision == "always":
                self.always.add(request.tool)
            if decision is not None:
                return decision
            self._say("  please answer y, n or a")
        self._say("  (no clear answer: not approved)")
        return "deny"

"""Earlier turns of a conversation, as the planner and the final answer read them."""

from __future__ import annotations

from agentcore.graph._state import RunState

#: The most recent turns shown, and the characters of each answer kept.
MAX_TURNS = 6
MAX_ANSWER_CHARS = 1_500


def conversation_text(state: RunState) -> str:
    """The latest earlier turns, oldest first, each answer cut to a bounded length; or ``""``."""
    turns = state.get("conversation") or []
    if not turns:
        return ""
    shown = turns[-MAX_TURNS:]
    lines = ["Earlier in this conversation (the new task may refer to it):"]
    if len(turns) > len(shown):
        lines.append(f"({len(turns) - len(shown)} earlier turns not shown)")
    for turn in shown:
        answer = turn["answer"].strip()
        if len(answer) > MAX_ANSWER_CHARS:
            answer = answer[: MAX_ANSWER_CHARS - 1] + "…"
        lines += [f"User: {turn['task'].strip()}", f"Answer: {answer}", ""]
    return "\n".join(lines)

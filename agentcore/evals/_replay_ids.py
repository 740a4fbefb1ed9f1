"""The generated ids of a replayed run: recorded ids mapped to the ones the live tools made.

A recorded answer repeats ids the recorded run's tools produced: a trained model's id
(``species-logistic-e1dba655``), a memory id, a sandbox id, a run id. On replay the tools run
again and produce other ids, so the recorded ``model_card(model_id=<recorded id>)`` would ask
for a model that does not exist. The request fingerprint already ignores these ids (see
:mod:`agentcore.evals._fingerprint`); this module maps them.

For each new tool result in a request, the recorded result of the same agent, step and tool is
looked up; when both normalise to the same text, their ids (:func:`~agentcore.evals.
_fingerprint.id_tokens`, in order of appearance) are paired, recorded -> live. Every recorded
answer served afterwards has its ids replaced (its text, tool-call arguments and provider
extras, recursively in strings). A recorded id paired with two different live ids is a
conflict: the replay cannot tell which one an answer means.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agentcore.evals._fingerprint import ID_TOKEN, id_tokens, normalise

__all__ = ["IdConflict", "ReplayIds"]

_MIN_PREFIX = 8  # a shortened id (a digest's first 12 characters) is mapped from this length


@dataclass(frozen=True, slots=True)
class IdConflict:
    """One recorded id seen with two live ids."""

    recorded: str
    first: str
    second: str
    tool: str

    def describe(self) -> str:
        """What happened, for a divergence error."""
        return (
            f"the recorded id {self.recorded!r} stands for live id {self.first!r} and, in the "
            f"result of {self.tool}, for {self.second!r}"
        )


def _same_result(output: str, live: str, recorded_run: str, run_id: str | None) -> str | None:
    """``live`` (or as much of it as the recording kept) when it normalises like ``output``."""
    expected = normalise(output, recorded_run or None)
    if normalise(live, run_id) == expected:
        return live
    if len(live) > len(output):  # the trace keeps only a long result's first characters
        cut = live[: len(output)]
        if normalise(cut, run_id) == expected:
            return cut
    return None


@dataclass(kw_only=True, slots=True)
class ReplayIds:
    """The id map of one replayed sample.

    Args:
        tools: The sample's recorded tool results by queue key (``agent/step`` or ``agent``):
            ``{"tool", "output", ...}`` in the order the recorded run made them.
        recorded_run: The recorded run's id ("" when the cassette does not say).
    """

    tools: dict[str, list[dict[str, Any]]]
    recorded_run: str = ""
    pairs: dict[str, str] = field(default_factory=dict)
    """Every pairing seen, recorded -> live (same ids included, to notice conflicts)."""
    _changed: dict[str, str] = field(default_factory=dict)
    _done: dict[str, int] = field(default_factory=dict)  # tool messages handled, per key
    _cursor: dict[str, int] = field(default_factory=dict)  # next recorded tool, per key

    def learn(
        self, key: str, messages: Sequence[BaseMessage], run_id: str | None
    ) -> IdConflict | None:
        """Pair the ids of the request's tool results not seen yet with the recorded ones.

        Args:
            key: The call's queue key (its agent and step).
            messages: The request.
            run_id: The live run's id.

        Returns:
            The first conflicting pairing, or ``None``.
        """
        if run_id and self.recorded_run and run_id != self.recorded_run:
            conflict = self._pair(self.recorded_run, run_id, "the run")
            if conflict is not None:
                return conflict
        recorded = self.tools.get(key)
        if not recorded:
            return None
        results = [m for m in messages if isinstance(m, ToolMessage)]
        done = self._done.get(key, 0)
        self._done[key] = len(results)
        cursor = self._cursor.get(key, 0)
        for message in results[done:]:
            if not message.name or not isinstance(message.content, str):
                continue  # "tool call limit reached": no recorded result of its own
            index = next(
                (i for i in range(cursor, len(recorded)) if recorded[i]["tool"] == message.name),
                None,
            )
            if index is None:
                continue
            output = str(recorded[index].get("output") or "")
            live = _same_result(output, message.content, self.recorded_run, run_id)
            if live is None:
                continue  # not the same result (a denied call, a redacted secret): no pairing
            cursor = index + 1
            if output == live:
                continue
            mine, theirs = id_tokens(output, self.recorded_run), id_tokens(live, run_id)
            if len(mine) != len(theirs):
                continue
            for old, new in zip(mine, theirs, strict=True):
                conflict = self._pair(old, new, message.name)
                if conflict is not None:
                    return conflict
        self._cursor[key] = cursor
        return None

    def _pair(self, old: str, new: str, tool: str) -> IdConflict | None:
        known = self.pairs.setdefault(old, new)
        if known != new:
            return IdConflict(recorded=old, first=known, second=new, tool=tool)
        if old != new:
            self._changed[old] = new
        return None

    def apply(self, message: AIMessage) -> AIMessage:
        """``message`` with every recorded id replaced by its live id."""
        if not self._changed:
            return message
        return message.model_copy(
            update={
                "content": self._map(message.content),
                "tool_calls": [
                    {**call, "args": self._map(call["args"])} for call in message.tool_calls
                ],
                "additional_kwargs": self._map(message.additional_kwargs),
            }
        )

    def _map(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._map_text(value)
        if isinstance(value, dict):
            return {k: self._map(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self._map(v) for v in value)
        return value

    def _map_text(self, text: str) -> str:
        run = self._changed.get(self.recorded_run) if self.recorded_run else None
        if run is not None and self.recorded_run in text:
            text = text.replace(self.recorded_run, run)
        return ID_TOKEN.sub(self._live, text)

    def _live(self, match: re.Match[str]) -> str:
        token: str = match.group(0)
        live = self._changed.get(token)
        if live is not None:
            return live
        if len(token) >= _MIN_PREFIX:  # a shortened id: the same prefix of the live one
            for old, new in self._changed.items():
                if old.startswith(token) and len(old) == len(new):
                    return new[: len(token)]
        return token

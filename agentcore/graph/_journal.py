"""The call journal: a step that runs again replays the calls it had finished, from the trace.

A worker step is one LangGraph node. When it runs again — the process was killed in the middle
of it and the run is resumed, or it paused on an approval and goes on — LangGraph starts the
node from the top. Its model replies and tool results must then come back as they were, not be
made again: a tool may have had side effects (a file written, a row inserted, a message sent),
and a model may answer differently the second time.

The trace already holds every finished call as it happens (each record is flushed before the
run goes on, so a ``SIGKILL`` loses none): ``model_call`` records carry the reply, and
``tool_result`` records the tool's whole output. Each carries ``task``, the id LangGraph gives
the node's execution, which is the same when that execution runs again from the same
checkpoint. :class:`CallJournal` indexes those records by task — read from the trace file when
a run is resumed, and as they are written in this process (it is a trace sink) — and
:meth:`CallJournal.cursor` hands a node its own calls back in order.

A replay that no longer matches (another tool, other arguments: the run's settings changed
between the crash and the resume) stops replaying: the node writes ``journal_diverged`` and
makes its calls for real from there; later replays of the same node skip the stale tail.

What this cannot do: a tool call cut off by the kill before its result was written runs again
on resume (at-least-once for that single call; make such tools idempotent). Planner and
synthesis calls are not journaled: they have no side effects and are made again.
Secrets are masked in the trace, so a replayed reply or output has ``****`` where a secret was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, messages_from_dict
from langchain_core.messages.tool import ToolCall

from agentcore.trace import read_trace

_KINDS = ("model_call", "tool_result")


class CallJournal:
    """The finished model and tool calls of a run's worker steps, by LangGraph task id."""

    def __init__(self) -> None:
        self._calls: defaultdict[str, list[Mapping[str, Any]]] = defaultdict(list)

    @classmethod
    def from_trace(cls, path: Path) -> CallJournal:
        """The journal of a run whose trace is at ``path`` (empty if there is none)."""
        journal = cls()
        if path.exists():
            for record in read_trace(path):
                journal.record(record)
        return journal

    def record(self, record: Mapping[str, Any]) -> None:
        """Take one trace record (the trace calls this for every record it writes)."""
        task = record.get("task")
        if not task:
            return
        kind = record.get("type")
        if kind in _KINDS:
            self._calls[task].append(record)
        elif kind == "journal_diverged":  # the calls after this point are stale
            del self._calls[task][int(record.get("at", 0)) :]

    def close(self) -> None:
        """The trace is closed (nothing to do: the journal lives as long as its run)."""

    def cursor(
        self, task: str, on_diverge: Callable[[int], None] = lambda at: None
    ) -> JournalCursor:
        """Replay the calls ``task`` finished before, in order; calls it makes now are not in it.

        ``on_diverge(at)`` is called once if the replay stops matching at call ``at``: it
        should write a ``journal_diverged`` record (with ``task`` and ``at``) to the trace.
        """
        return JournalCursor(task, list(self._calls.get(task, ())), on_diverge)


class JournalCursor:
    """One node execution's walk over the calls an earlier execution of it finished."""

    def __init__(
        self,
        task: str,
        calls: list[Mapping[str, Any]],
        on_diverge: Callable[[int], None] = lambda at: None,
    ) -> None:
        self.task = task
        self._calls = calls
        self._on_diverge = on_diverge
        self._at = 0
        #: How many model and tool calls came from the journal rather than being made.
        self.replayed = {"model_calls": 0, "tool_calls": 0}
        #: Where the replay stopped matching (an index into the calls), if it did.
        self.diverged_at: int | None = None

    @property
    def replaying(self) -> bool:
        """Whether calls are still being replayed (so records of them exist already)."""
        return self._at < len(self._calls)

    def model(self, agent: str) -> dict[str, Any] | None:
        """The next recorded reply to ``agent``, in the shape a live model call returns."""
        record = self._take("model_call", agent=agent)
        if record is None:
            return None
        message = messages_from_dict([record["response"]])[0]
        if not isinstance(message, AIMessage):
            self._diverge(self._at - 1)
            return None
        usage = record.get("usage") or {}
        self.replayed["model_calls"] += 1
        return {
            "message": message,
            "model": record.get("model", ""),
            "attempts": int(record.get("attempts") or 1),
            "input_tokens": int(usage.get("input_tokens") or 0),
            "output_tokens": int(usage.get("output_tokens") or 0),
            "cost_usd": usage.get("cost_usd"),
        }

    def tool(self, call: ToolCall) -> tuple[str, bool] | None:
        """The recorded result of ``call`` — the same tool and call id — or ``None``.

        ``None`` without ending the replay when the next record is a model reply: the call
        never finished (it was denied), and the caller decides it again; call :meth:`go_live`
        before making it for real.
        """
        if self.replaying and self._calls[self._at].get("type") == "model_call":
            return None
        record = self._take("tool_result", tool=call["name"], call_id=call["id"])
        if record is None:
            return None
        self.replayed["tool_calls"] += 1
        return str(record.get("output") or ""), bool(record.get("is_error"))

    def go_live(self) -> None:
        """A call is about to be made for real: what is left to replay is stale."""
        if self.replaying:
            self._diverge(self._at)

    def _take(self, kind: str, **expected: Any) -> Mapping[str, Any] | None:
        if not self.replaying:
            return None
        record = self._calls[self._at]
        if record.get("type") != kind or any(record.get(k) != v for k, v in expected.items()):
            self._diverge(self._at)
            return None
        self._at += 1
        return record

    def _diverge(self, at: int) -> None:
        self.diverged_at = at
        self._calls = self._calls[:at]
        self._at = at
        self._on_diverge(at)

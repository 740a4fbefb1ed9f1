"""ReplayChatModel: plays a recorded run's model responses back, per agent, in order."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, messages_from_dict
from pydantic import PrivateAttr

from agentcore.errors import SpecError
from agentcore.models._pricing import RECORDED_USAGE_KEY
from agentcore.testing._base import OfflineChatModel, Reply
from agentcore.testing._call import CallInfo
from agentcore.testing._queues import ResponseQueues

_TRACE_HINT = "pass a run trace: <data_dir>/runs/<run_id>.jsonl, written by `agentcore run`"


class ReplayChatModel(OfflineChatModel):
    """Replays the ``model_call`` responses of a run trace, per agent and step, in order.

    Calls are matched to recorded responses by ``agent/step`` when the trace recorded a step,
    else by agent, so parallel steps replay deterministically. Recorded usage is kept, its
    cost included (the model client reports it instead of pricing the replay).

    Attributes:
        recorded: Recorded responses by queue key (``"agent"`` or ``"agent/step"``).
    """

    recorded: dict[str, list[AIMessage]]
    _queues: ResponseQueues[AIMessage] = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        """Set up one cursor per agent."""
        super().model_post_init(context)
        self._queues = ResponseQueues(script=self.script_name, keyed=self.recorded)

    @property
    def model_label(self) -> str:
        """``replay:<trace name>``."""
        return f"replay:{self.script_name}"

    @classmethod
    def from_trace(cls, path: str | Path) -> ReplayChatModel:
        """Load the responses recorded in a run trace (JSONL).

        Args:
            path: The trace file.

        Returns:
            A model that answers each agent's calls with that agent's recorded responses.

        Raises:
            SpecError: The file is missing, a line is not JSON or not a valid message, or the
                trace has no ``model_call`` lines.
        """
        file = Path(path)
        if not file.is_file():
            raise SpecError("trace file does not exist", path=str(file), hint=_TRACE_HINT)
        recorded: dict[str, list[AIMessage]] = {}
        with file.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                record = parse_line(line, str(file), number)
                if record.get("type") != "model_call":
                    continue
                key = queue_key(record.get("agent"), record.get("step"))
                message = response_message(record, str(file), number)
                usage = record.get("usage")
                if isinstance(usage, dict):
                    message = with_recorded_usage(message, usage)
                recorded.setdefault(key, []).append(message)
        if not recorded:
            raise SpecError(
                "trace has no model_call lines to replay",
                path=str(file),
                hint="record a run that calls a model first; " + _TRACE_HINT,
            )
        return cls(recorded=recorded, script_name=file.name)

    def _reset_cursors(self) -> None:
        self._queues.reset()

    def _reply(self, messages: list[BaseMessage], info: CallInfo) -> Reply:
        with self._lock:
            message, _, _ = self._queues.pick(info)
        return replayed(message)


def replayed(message: AIMessage, usage: Mapping[str, Any] | None = None) -> Reply:
    """The reply that plays ``message`` back, with a fresh id: a recorded id would make
    LangGraph's message reducer merge turns.

    Args:
        message: The recorded answer.
        usage: The recorded call's usage, to carry (see :func:`with_recorded_usage`).
    """
    if usage is not None:
        message = with_recorded_usage(message, usage)
    return Reply(message=message.model_copy(update={"id": None}))


def with_recorded_usage(message: AIMessage, usage: Mapping[str, Any]) -> AIMessage:
    """``message`` carrying a recorded call's usage (tokens, ``cost_usd``) in its
    ``response_metadata`` under ``RECORDED_USAGE_KEY``, so the model client reports the
    recorded cost rather than pricing the replay (unchanged when ``usage`` has no cost)."""
    if "cost_usd" not in usage:
        return message
    recorded = {k: usage[k] for k in ("input_tokens", "output_tokens", "cost_usd") if k in usage}
    return message.model_copy(
        update={"response_metadata": {**message.response_metadata, RECORDED_USAGE_KEY: recorded}}
    )


def queue_key(agent: Any, step: Any) -> str:
    """The queue a recorded call is served from: ``agent/step``, or ``agent`` without a step."""
    agent_name = str(agent) if agent else "*"
    return f"{agent_name}/{step}" if step and agent else agent_name


def parse_line(line: str, path: str, number: int, hint: str = _TRACE_HINT) -> dict[str, Any]:
    """One JSONL line as an object, or a :class:`SpecError` naming the line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise SpecError(f"not a JSON line: {exc.msg}", path=path, line=number, hint=hint) from None
    if not isinstance(record, dict):
        raise SpecError("a line must be a JSON object", path=path, line=number, hint=hint)
    return record


def response_message(record: dict[str, Any], path: str, number: int) -> AIMessage:
    """The AI message a recorded ``model_call`` (trace line or cassette call) answered with."""
    response = record.get("response")
    try:
        messages: Sequence[BaseMessage] = messages_from_dict([response]) if response else []
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(
            f"model_call response is not a serialized message: {exc}",
            path=path,
            line=number,
            field="response",
            hint="it must be messages_to_dict([ai_message])[0]",
        ) from None
    if len(messages) != 1 or not isinstance(messages[0], AIMessage):
        raise SpecError(
            "model_call response is not an AI message",
            path=path,
            line=number,
            field="response",
            hint="it must be messages_to_dict([ai_message])[0]",
        )
    return messages[0]

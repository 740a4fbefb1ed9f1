"""ScriptedChatModel: plays a script of responses, per agent, deterministically."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from pydantic import PrivateAttr, model_validator

from agentcore.errors import SpecError
from agentcore.testing._base import OfflineChatModel, Reply
from agentcore.testing._call import CallInfo, fill_task, find_task
from agentcore.testing._faults import fault_exception, parse_raw_call
from agentcore.testing._queues import ResponseQueues
from agentcore.testing._script import Script, ScriptResponse


def coerce_script(value: Any) -> Script:
    """Accept a ``Script``, a list of responses, or a mapping (a whole script, or agents)."""
    if isinstance(value, Script):
        return value
    if isinstance(value, str | bytes):
        raise TypeError("pass a list or mapping of responses, or use ScriptedChatModel.from_file")
    if isinstance(value, Sequence):
        return Script.model_validate({"responses": list(value)})
    if isinstance(value, Mapping):
        if "responses" in value or "agents" in value:
            return Script.model_validate(dict(value))
        return Script.model_validate({"agents": dict(value)})
    raise TypeError(f"a script is a list or mapping of responses, not {type(value).__name__}")


class ScriptedChatModel(OfflineChatModel):
    """A chat model that plays back a script: no network, no key, the same answer every run.

    A script is a flat list of responses served in order to whoever calls, or a list per
    agent (read from the ``agentcore_agent`` metadata the graph puts on every call), where
    ``"*"`` stands for any agent not listed. A response is a string (its text) or a mapping
    with ``content``, ``tool_calls``, ``structured``, ``usage``, ``latency_s`` or ``error``;
    ``{task}`` in a string is replaced by the run's task.

    Example:
        ```python
        model = ScriptedChatModel(script={
            "planner": [{"tool_calls": [{"name": "final_answer", "args": {"answer": "4"}}]}],
            "*": ["I can only say this."],
        })
        ```

    Raises:
        ScriptExhaustedError: When an agent's list runs out (unless ``repeat_last``).
    """

    script: Script
    _queues: ResponseQueues[ScriptResponse] = PrivateAttr()

    @model_validator(mode="before")
    @classmethod
    def _accept_shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and "script" in data:
            script = coerce_script(data["script"])
            data = {**data, "script": script}
            if isinstance(script, Script) and "script_name" not in data:
                data["script_name"] = script.name
        return data

    def model_post_init(self, context: Any, /) -> None:
        """Set up one cursor per agent."""
        super().model_post_init(context)
        self._queues = ResponseQueues(
            script=self.script_name,
            flat=self.script.responses,
            keyed=self.script.agents,
            repeat_last=self.script.repeat_last,
        )

    @classmethod
    def from_file(cls, path: str | Path) -> ScriptedChatModel:
        """Load a script file (YAML or JSON); see :func:`load_script_file`."""
        from agentcore.testing._script_file import load_script_file

        return cls(script=load_script_file(path))

    def _reset_cursors(self) -> None:
        self._queues.reset()

    def _reply(self, messages: list[BaseMessage], info: CallInfo) -> Reply:
        with self._lock:
            response, where, index = self._queues.pick(info)
        if response.error is not None:
            raise fault_exception(response.error, model=self.model_label, where=f"{where}[{index}]")
        return Reply(
            message=self._to_message(response, messages, info, f"{where}[{index}]"),
            latency_s=response.latency_s,
        )

    def _to_message(
        self, response: ScriptResponse, messages: list[BaseMessage], info: CallInfo, where: str
    ) -> AIMessage:
        task = find_task(messages)
        calls: list[Any] = []
        invalid: list[Any] = []
        for j, c in enumerate(response.tool_calls):
            if c.raw_args is None:
                calls.append(
                    {
                        "name": c.name,
                        "args": fill_task(c.args, task),
                        "id": c.id,
                        "type": "tool_call",
                    }
                )
                continue
            call_id = c.id or f"call_{info.agent or 'model'}_{info.call_index}_invalid_{j}"
            parsed = parse_raw_call(c.name, c.raw_args, call_id)
            (invalid if parsed["type"] == "invalid_tool_call" else calls).append(parsed)
        if response.structured is not None:
            tool = info.output_tool
            if tool is None:
                bound = ", ".join(info.tools) or "none"
                raise SpecError(
                    f"script '{self.script_name}' {where} has `structured`, but the call did "
                    f"not bind one output tool (bound tools: {bound})",
                    field=f"{where}.structured",
                    hint="use `tool_calls` with an explicit tool name instead",
                )
            calls = [{"name": tool, "args": fill_task(response.structured, task), "id": None}]
        usage = None
        if response.usage is not None:
            usage = UsageMetadata(
                input_tokens=response.usage.input_tokens,
                output_tokens=response.usage.output_tokens,
                total_tokens=response.usage.input_tokens + response.usage.output_tokens,
            )
        return AIMessage(
            content=fill_task(response.content, task),
            tool_calls=calls,
            invalid_tool_calls=invalid,
            usage_metadata=usage,
        )

"""smolagents with managed agents, driven by a scripted model (issue #9, peer (b)).

The coordinator is a ``ToolCallingAgent`` (named after trajectory.json's coordinator) whose
``managed_agents`` are the three workers, each a ``ToolCallingAgent`` with a name, a description
and the trajectory's no-op tools (smolagents ``Tool`` subclasses). ToolCallingAgent, not
CodeAgent, for the manager: a CodeAgent's model writes Python that smolagents then executes to
call the team members, which is a different trajectory (code actions in a local interpreter
instead of tool calls) from the one every other framework runs.

One scripted model (a subclass of smolagents' public ``Model``, ``generate()`` returning a
``ChatMessage`` with ``tool_calls``) serves every agent, as one model object usually does. It
tells the asking agent from the tools the request offers (team-member names -> the coordinator,
else the worker whose tools they are) and its next step from the request's own memory (how
many tool-call steps it holds): no global counter.

What is recorded is what a real smolagents API model (OpenAIServerModel, LiteLLMModel, ...)
sends: the ``messages`` and ``tools`` of ``Model._prepare_completion_kwargs``, which every one
of them calls before its HTTP request. smolagents keeps tool calls and results in memory as
text, so the request has no native tool messages: a step's calls arrive as an assistant message
"Calling tools:\\n[...]" and their results as a user message "Observation:\\n...".

Logging is set to ``LogLevel.OFF`` on every agent (rich console output would otherwise be timed
as framework overhead); smolagents makes no network or telemetry calls in this setup.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import common

_t0 = time.perf_counter()
try:
    import smolagents
    from smolagents import (
        AgentError,
        ChatMessage,
        ChatMessageToolCall,
        LogLevel,
        MessageRole,
        Model,
        Tool,
        ToolCallingAgent,
    )
    from smolagents.models import ChatMessageToolCallFunction
except ImportError as e:  # pragma: no cover - reported by the orchestrator as the peer's error
    print(f"smolagents: cannot import smolagents: {e!r}", file=sys.stderr)
    sys.exit(2)
IMPORT_S = time.perf_counter() - _t0

FRAMEWORK = "smolagents"

# JSON-schema types -> smolagents Tool input types (all of the trajectory's are "string").
_TYPES = {"string", "boolean", "integer", "number", "array", "object", "null"}


def _plain_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """smolagents' request dicts -> the contract's plain JSON (content verbatim)."""
    out = []
    for m in messages:
        role = m["role"]
        role = role.value if isinstance(role, MessageRole) else str(role)
        if role not in ("system", "user", "assistant", "tool"):
            raise common.TrajectoryError(f"unexpected role {role!r} in a smolagents request")
        out.append({"role": role, "content": common.content_text(m.get("content"))})
    return out


def make_tool(spec: dict[str, Any], rec_box: list[common.Recorder]) -> Tool:
    """A no-op smolagents Tool built from a trajectory tool spec."""
    params = spec["parameters"]
    required = set(params.get("required", []))
    inputs: dict[str, dict[str, Any]] = {}
    for key, prop in params.get("properties", {}).items():
        typ = prop.get("type", "string")
        if typ not in _TYPES:
            raise ValueError(f"tool {spec['name']}: unsupported parameter type {typ!r}")
        entry: dict[str, Any] = {"type": typ, "description": prop.get("description", "")}
        if key not in required:
            entry["nullable"] = True
        inputs[key] = entry
    name = spec["name"]

    class NoOpTool(Tool):
        # forward(**kwargs) serves any input names: smolagents' generic wrappers (LangChain,
        # Space, pipeline tools) skip the signature check the same way.
        skip_forward_signature_validation = True

        def forward(self, **kwargs: Any) -> str:
            return rec_box[0].tool(name, kwargs)

    NoOpTool.name = name
    NoOpTool.description = spec["description"]
    NoOpTool.inputs = inputs
    NoOpTool.output_type = "string"
    return NoOpTool()


class ScriptedModel(Model):
    """smolagents Model emitting the trajectory's outputs; records every request."""

    def __init__(self, traj: dict[str, Any], rec_box: list[common.Recorder]) -> None:
        super().__init__(model_id="scripted-trajectory")
        self.traj = traj
        self.rec_box = rec_box
        self.coordinator = traj["coordinator"]["name"]
        self.workers = common.worker_names(traj)
        self.owner = common.tool_owner(traj)
        self._ids = 0

    def _call(self, name: str, args: dict[str, Any]) -> ChatMessage:
        self._ids += 1
        call = ChatMessageToolCall(
            id=f"call_{self._ids}",
            type="function",
            function=ChatMessageToolCallFunction(name=name, arguments=json.dumps(args)),
        )
        return ChatMessage(role=MessageRole.ASSISTANT, content=None, tool_calls=[call])

    def generate(
        self,
        messages: list[ChatMessage],
        stop_sequences: list[str] | None = None,
        response_format: dict[str, str] | None = None,
        tools_to_call_from: list[Tool] | None = None,
        **kwargs: Any,
    ) -> ChatMessage:
        rec = self.rec_box[0]
        with rec.model_call():
            # Exactly what an API model would send (OpenAIServerModel does the same call).
            sent = self._prepare_completion_kwargs(
                messages=messages,
                stop_sequences=stop_sequences,
                response_format=response_format,
                tools_to_call_from=tools_to_call_from,
                **kwargs,
            )
            offered = [t.name for t in tools_to_call_from or []]
            if set(self.workers) & set(offered):
                agent = self.coordinator
            else:
                owners = {self.owner[n] for n in offered if n in self.owner}
                if len(owners) != 1:
                    raise common.TrajectoryError(f"cannot tell the agent from tools {offered}")
                agent = owners.pop()
            rec.record(agent, _plain_messages(sent["messages"]), sent.get("tools", []))
            # Steps already taken, read from the request: one tool-call message per step.
            done = sum(1 for m in messages if m.role == MessageRole.TOOL_CALL)
            if agent == self.coordinator:
                if done < len(self.workers):
                    w = common.worker(self.traj, self.workers[done])
                    return self._call(w["name"], {"task": w["instruction"]})
                return self._call("final_answer", {"answer": self.traj["final_answer"]})
            w = common.worker(self.traj, agent)
            if done < len(w["calls"]):
                c = w["calls"][done]
                return self._call(c["tool"], c["args"])
            return self._call("final_answer", {"answer": w["answer"]})


def make_run_once(traj: dict[str, Any], mode: str | None):
    if mode is not None:
        raise SystemExit(f"{FRAMEWORK}: no modes (got --mode {mode})")

    def run_once(rec: common.Recorder) -> Any:
        rec_box = [rec]
        model = ScriptedModel(traj, rec_box)
        team = [
            ToolCallingAgent(
                tools=[make_tool(t, rec_box) for t in w["tools"]],
                model=model,
                name=w["name"],
                description=w["description"],
                instructions=w["prompt"],
                verbosity_level=LogLevel.OFF,
            )
            for w in traj["workers"]
        ]
        coord = traj["coordinator"]
        manager = ToolCallingAgent(
            tools=[],
            model=model,
            managed_agents=team,
            name=coord["name"],
            description=coord["description"],
            instructions=coord["prompt"],
            verbosity_level=LogLevel.OFF,
        )
        try:
            answer = manager.run(traj["task"])
        except AgentError as e:  # e.g. AgentGenerationError wrapping the scripted model's error
            raise common.TrajectoryError(f"{type(e).__name__}: {e}") from e
        # An agent that hit an error keeps going (it shows the model the error and retries),
        # so a run can end with the right answer after a detour: refuse it.
        for agent in [manager, *team]:
            for step in agent.memory.steps:
                if getattr(step, "error", None) is not None:
                    raise common.TrajectoryError(f"{agent.name}: step error {step.error}")
        want = 1 + len(traj["workers"])
        asked = sum(1 for r in rec.requests if r["agent"] == coord["name"])
        if asked != want:
            raise common.TrajectoryError(f"{coord['name']}: {asked} model calls, expected {want}")
        return answer

    return run_once


if __name__ == "__main__":
    sys.exit(
        common.main(
            make_run_once,
            framework=FRAMEWORK,
            version=smolagents.__version__,
            import_s=IMPORT_S,
        )
    )

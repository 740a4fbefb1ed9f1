"""Pydantic AI with agent delegation, driven by a scripted FunctionModel (issue #9, peer (d)).

The documented "agent delegation" pattern: a parent agent (named after trajectory.json's
coordinator, its prompt as ``instructions``) has one tool per worker; the tool runs the worker
agent with ``await worker.run(task, usage=ctx.usage)`` and returns the worker's output. Each
worker is an ``Agent`` with its prompt as ``instructions`` and the trajectory's no-op tools,
written the ordinary way: a function with a typed signature and a docstring, from which
Pydantic AI builds the tool's JSON schema and validates the arguments.

One ``pydantic_ai.models.function.FunctionModel`` (public interface, an ``async`` function so
that no worker thread is involved) serves every agent, as one model object usually does. It tells
the asking agent from the tools the request offers (the worker tools -> the parent, else the
worker whose tools they are) and its next step from the request's own messages: no global counter.

Pydantic AI hands a model its own message objects; an HTTP model class turns them into the
provider's request. The recorded request is that conversion done the way the OpenAI chat model
(``OpenAIChatModel._map_messages``) does it: the agent's ``instructions`` as a system message at
the front, a ``UserPromptPart`` as a user message, each ``ToolReturnPart`` as a tool message with
``model_response_str()``, a response's text and tool calls as one assistant message (arguments
as ``args_as_json_str()``), and the tool definitions as OpenAI function tools. Parts outside this
trajectory (files, thinking, retries) are refused, not silently dropped.

Installed as ``pydantic-ai-slim`` (no provider SDKs): the full ``pydantic-ai`` package pulls in
every provider's SDK and the CLI, none of which runs here. Instrumentation (logfire /
OpenTelemetry) is off by default and logfire itself is not installed (only the no-op
``logfire-api`` shim); no network call is made.
"""

from __future__ import annotations

import inspect
import json
import sys
import time
from importlib.metadata import version as _dist_version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import common

_t0 = time.perf_counter()
try:
    from pydantic_ai import Agent, RunContext, Tool
    from pydantic_ai.exceptions import AgentRunError
    from pydantic_ai.messages import (
        ModelMessage,
        ModelRequest,
        ModelResponse,
        SystemPromptPart,
        TextPart,
        ToolCallPart,
        ToolReturnPart,
        UserPromptPart,
    )
    from pydantic_ai.models.function import AgentInfo, FunctionModel
except ImportError as e:  # pragma: no cover - reported by the orchestrator as the peer's error
    print(f"pydantic_ai: cannot import pydantic_ai: {e!r}", file=sys.stderr)
    sys.exit(2)
IMPORT_S = time.perf_counter() - _t0

FRAMEWORK = "pydantic_ai"
VERSION = _dist_version("pydantic-ai-slim")

_PY_TYPES = {"string": str, "integer": int, "number": float, "boolean": bool}


def plain_messages(messages: list[ModelMessage], instructions: str | None) -> list[dict[str, Any]]:
    """Pydantic AI messages -> the contract's plain JSON, as the OpenAI chat model maps them."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, SystemPromptPart):
                    out.append({"role": "system", "content": part.content})
                elif isinstance(part, UserPromptPart):
                    out.append({"role": "user", "content": common.content_text(part.content)})
                elif isinstance(part, ToolReturnPart):
                    out.append({"role": "tool", "content": part.model_response_str()})
                else:
                    raise common.TrajectoryError(f"unexpected request part {type(part).__name__}")
        elif isinstance(message, ModelResponse):
            text = []
            calls = []
            for part in message.parts:
                if isinstance(part, TextPart):
                    text.append(part.content)
                elif isinstance(part, ToolCallPart):
                    calls.append({"name": part.tool_name, "arguments": part.args_as_json_str()})
                else:
                    raise common.TrajectoryError(f"unexpected response part {type(part).__name__}")
            item: dict[str, Any] = {"role": "assistant", "content": "\n\n".join(text)}
            if calls:
                item["tool_calls"] = calls
            out.append(item)
        else:
            raise common.TrajectoryError(f"unexpected message {type(message).__name__}")
    if instructions:
        lead = 0
        while lead < len(out) and out[lead]["role"] == "system":
            lead += 1
        out.insert(lead, {"role": "system", "content": instructions})
    return out


def tool_schemas(info: AgentInfo) -> list[dict[str, Any]]:
    """The tool definitions of the request, as OpenAI function tools."""
    return [
        {
            "type": "function",
            "function": {
                "name": t.name,
                "description": t.description or "",
                "parameters": t.parameters_json_schema,
            },
        }
        for t in [*info.function_tools, *info.output_tools]
    ]


def make_tool(spec: dict[str, Any], rec_box: list[common.Recorder]) -> Tool:
    """A no-op tool written as users write them: typed parameters and a docstring."""
    params = spec["parameters"]
    props = params.get("properties", {})
    required = set(params.get("required", []))
    name = spec["name"]

    def tool_fn(**kwargs: Any) -> str:
        return rec_box[0].tool(name, kwargs)

    sig_params = []
    doc = [spec["description"], "", "Args:"]
    for key, prop in props.items():
        typ = _PY_TYPES.get(prop.get("type", "string"))
        if typ is None:
            raise ValueError(f"tool {name}: unsupported parameter type {prop.get('type')!r}")
        default = inspect.Parameter.empty if key in required else None
        annotation = typ if key in required else typ | None
        sig_params.append(
            inspect.Parameter(
                key, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
            )
        )
        doc.append(f"    {key}: {prop.get('description', '')}")
    tool_fn.__name__ = tool_fn.__qualname__ = name
    tool_fn.__doc__ = "\n".join(doc)
    tool_fn.__signature__ = inspect.Signature(sig_params, return_annotation=str)  # type: ignore[attr-defined]
    tool_fn.__annotations__ = {p.name: p.annotation for p in sig_params} | {"return": str}
    return Tool(tool_fn, takes_ctx=False, name=name)


def make_delegate(worker_agent: Agent[None, str], spec: dict[str, Any]) -> Tool:
    """The parent's tool for one worker: run the worker agent, return its output."""

    async def delegate(ctx: RunContext[None], task: str) -> str:
        result = await worker_agent.run(task, usage=ctx.usage)
        return result.output

    delegate.__name__ = delegate.__qualname__ = spec["name"]
    delegate.__doc__ = (
        f"{spec['description']}\n\nArgs:\n    task: The instruction for the {spec['name']}."
    )
    return Tool(delegate, takes_ctx=True, name=spec["name"])


class Script:
    """The scripted model's function: decides each reply from the request alone."""

    def __init__(self, traj: dict[str, Any], rec_box: list[common.Recorder]) -> None:
        self.traj = traj
        self.rec_box = rec_box
        self.coordinator = traj["coordinator"]["name"]
        self.workers = common.worker_names(traj)
        self.owner = common.tool_owner(traj)

    async def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        rec = self.rec_box[0]
        with rec.model_call():
            offered = [t.name for t in info.function_tools]
            if set(self.workers) & set(offered):
                agent = self.coordinator
            else:
                owners = {self.owner[n] for n in offered if n in self.owner}
                if len(owners) != 1:
                    raise common.TrajectoryError(f"cannot tell the agent from tools {offered}")
                agent = owners.pop()
            plain = plain_messages(messages, info.instructions)
            rec.record(agent, plain, tool_schemas(info))
            if agent == self.coordinator:
                done = len(common.tool_names_called(plain, self.workers))
                if done < len(self.workers):
                    w = common.worker(self.traj, self.workers[done])
                    return ModelResponse(
                        parts=[ToolCallPart(w["name"], json.dumps({"task": w["instruction"]}))]
                    )
                return ModelResponse(parts=[TextPart(self.traj["final_answer"])])
            step = common.next_worker_action(self.traj, agent, plain)
            if "tool" in step:
                return ModelResponse(parts=[ToolCallPart(step["tool"], json.dumps(step["args"]))])
            return ModelResponse(parts=[TextPart(step["answer"])])


def make_run_once(traj: dict[str, Any], mode: str | None):
    if mode is not None:
        raise SystemExit(f"{FRAMEWORK}: no modes (got --mode {mode})")

    async def run_once(rec: common.Recorder) -> Any:
        rec_box = [rec]
        model = FunctionModel(Script(traj, rec_box), model_name="scripted-trajectory")
        delegates = []
        for w in traj["workers"]:
            worker_agent: Agent[None, str] = Agent(
                model,
                name=w["name"],
                instructions=w["prompt"],
                tools=[make_tool(t, rec_box) for t in w["tools"]],
            )
            delegates.append(make_delegate(worker_agent, w))
        coord = traj["coordinator"]
        parent: Agent[None, str] = Agent(
            model, name=coord["name"], instructions=coord["prompt"], tools=delegates
        )
        try:
            result = await parent.run(traj["task"])
        except AgentRunError as e:  # e.g. a tool call that failed past its retries
            raise common.TrajectoryError(f"{type(e).__name__}: {e}") from e
        want = 1 + len(traj["workers"])
        asked = sum(1 for r in rec.requests if r["agent"] == coord["name"])
        if asked != want:
            raise common.TrajectoryError(f"{coord['name']}: {asked} model calls, expected {want}")
        if result.usage.requests != len(rec.requests):
            raise common.TrajectoryError(
                f"run usage counts {result.usage.requests} requests, recorded {len(rec.requests)}"
            )
        return result.output

    return run_once


if __name__ == "__main__":
    sys.exit(common.main(make_run_once, framework=FRAMEWORK, version=VERSION, import_s=IMPORT_S))

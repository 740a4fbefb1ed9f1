"""langgraph-supervisor on the peer-benchmark trajectory (issue #9); runs in its own venv.

The supervisor and each worker get their own scripted chat model, written against
langchain-core's public ``BaseChatModel`` interface (``_generate`` + ``bind_tools``). Workers
are ``langgraph.prebuilt.create_react_agent`` graphs (what ``create_supervisor`` itself builds
on, and what its documentation shows) with the trajectory's no-op tools as ``StructuredTool``s;
``create_supervisor(..., output_mode=MODE)`` wires them with its handoff tools. The supervisor's
scripted model delegates with a ``transfer_to_<worker>`` call whose message text is the
trajectory's instruction, in order, then writes the final answer. Library defaults otherwise:
no checkpointer (the user compiles without one unless they ask), handoff messages on.

    <venv>/bin/python run_peer.py --out R.json --runs 10 --mode full_history|last_message
"""

from __future__ import annotations

import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common

_t0 = time.perf_counter()
from langchain_core.language_models import BaseChatModel  # noqa: E402
from langchain_core.messages import AIMessage, BaseMessage  # noqa: E402
from langchain_core.outputs import ChatGeneration, ChatResult  # noqa: E402
from langchain_core.tools import StructuredTool  # noqa: E402
from langchain_core.utils.function_calling import convert_to_openai_tool  # noqa: E402
from langgraph.prebuilt import create_react_agent  # noqa: E402
from langgraph_supervisor import create_supervisor  # noqa: E402
from pydantic import Field, create_model  # noqa: E402

IMPORT_S = time.perf_counter() - _t0
SUPERVISOR = "supervisor"
HANDOFF_PREFIX = "transfer_to_"


class ScriptedChatModel(BaseChatModel):
    """A zero-latency scripted model for one agent; records every request it gets."""

    agent: str
    traj: dict[str, Any]
    recorder: Any = None

    @property
    def _llm_type(self) -> str:
        return "peerbench-scripted"

    def bind_tools(self, tools: Any, *, tool_choice: Any = None, **kwargs: Any) -> Any:
        formatted = [convert_to_openai_tool(t) for t in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=formatted, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        rec: common.Recorder = self.recorder
        with rec.model_call():
            plain = common.plain_from_langchain(messages)
            rec.record(self.agent, plain, list(kwargs.get("tools") or []))
            n = rec.model_calls
            if self.agent == SUPERVISOR:
                message = self._supervise(plain, n)
            else:
                action = common.next_worker_action(self.traj, self.agent, plain)
                if "answer" in action:
                    message = AIMessage(content=action["answer"])
                else:
                    call = {"name": action["tool"], "args": action["args"], "id": f"call_{n}"}
                    message = AIMessage(content="", tool_calls=[call])
            return ChatResult(generations=[ChatGeneration(message=message)])

    def _supervise(self, plain: list[dict[str, Any]], n: int) -> AIMessage:
        handoffs = [
            c["name"]
            for m in plain
            if m["role"] == "assistant"
            for c in m.get("tool_calls") or []
            if c["name"].startswith(HANDOFF_PREFIX)
        ]
        workers = self.traj["workers"]
        if len(handoffs) < len(workers):
            w = workers[len(handoffs)]
            call = {"name": HANDOFF_PREFIX + w["name"], "args": {}, "id": f"call_{n}"}
            return AIMessage(content=w["instruction"], tool_calls=[call])
        return AIMessage(content=self.traj["final_answer"])


def make_tool(spec: dict[str, Any], rec_ref: list[common.Recorder]) -> StructuredTool:
    """A no-op tool: a plain function with the trajectory's schema."""
    (pname, pschema), *_ = spec["parameters"]["properties"].items()
    args = create_model(
        f"{spec['name']}_args", **{pname: (str, Field(description=pschema["description"]))}
    )

    def fn(**kwargs: Any) -> str:
        return rec_ref[0].tool(spec["name"], kwargs)

    return StructuredTool.from_function(
        func=fn, name=spec["name"], description=spec["description"], args_schema=args
    )


def factory(traj: dict[str, Any], mode: str | None) -> Any:
    mode = mode or "full_history"
    rec_ref: list[common.Recorder] = []
    # Tools are defined once, as a module defines them; agents, supervisor and models are made
    # fresh for every run.
    tools = {w["name"]: [make_tool(t, rec_ref) for t in w["tools"]] for w in traj["workers"]}

    def run_once(rec: common.Recorder) -> str:
        rec_ref[:] = [rec]
        with rec.building():
            agents = [
                create_react_agent(
                    model=ScriptedChatModel(agent=w["name"], traj=traj, recorder=rec),
                    tools=tools[w["name"]],
                    prompt=w["prompt"],
                    name=w["name"],
                )
                for w in traj["workers"]
            ]
            app = create_supervisor(
                agents,
                model=ScriptedChatModel(agent=SUPERVISOR, traj=traj, recorder=rec),
                prompt=traj["coordinator"]["prompt"],
                output_mode=mode,  # type: ignore[arg-type]
            ).compile()
        out = app.invoke({"messages": [{"role": "user", "content": traj["task"]}]})
        return str(out["messages"][-1].content)

    return run_once


if __name__ == "__main__":
    sys.exit(
        common.main(
            factory,
            framework="langgraph-supervisor",
            version=version("langgraph-supervisor"),
            import_s=IMPORT_S,
        )
    )

"""agentcore on the peer-benchmark trajectory (issue #9); runs in the project venv.

Driven through the public API only: ``Team.load`` with a temp agent directory (a planner and the
three workers of trajectory.json, each listing exactly its two no-op tools), a programmatic
plugin (``load_registry(extra=...)``) that registers the no-op tools with ``@tool`` and the
scripted model with ``register_models``, and ``Team.arun``. The scripted model is a
:class:`agentcore.testing.FunctionChatModel`; the planner submits a 3-step plan (each step
depends on the one before, the delegation order of the trajectory), each worker makes its 4 tool
calls and answers, and the synthesis call writes the final answer.

Defaults stay on: the JSONL trace, SQLite checkpoints after every step, secret redaction,
plugin discovery (every installed plugin loads), limits and approval checks. All of it counts
as agentcore's overhead. Data goes to a temp data dir.

    .venv/bin/python benchmarks/peers/agentcore/run_agentcore.py --out /tmp/agentcore.json --runs 10
"""

from __future__ import annotations

import atexit
import contextvars
import inspect
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common

_t0 = time.perf_counter()
from langchain_core.messages import AIMessage, BaseMessage  # noqa: E402

import agentcore  # noqa: E402
from agentcore import Team  # noqa: E402
from agentcore.config import load_settings  # noqa: E402
from agentcore.plugins import hookimpl, load_registry  # noqa: E402
from agentcore.testing import CallInfo, FunctionChatModel  # noqa: E402
from agentcore.tools import tool  # noqa: E402

IMPORT_S = time.perf_counter() - _t0

PROVIDER = "peerbench"
_TOOLS: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar(
    "peerbench_tools", default=None
)


def write_agents(traj: dict[str, Any], root: Path) -> Path:
    """Agent Markdown files for the trajectory's coordinator and workers (replace built-ins)."""
    root.mkdir(parents=True, exist_ok=True)
    coord = traj["coordinator"]
    files = {
        "planner": (coord["description"], "planner", [], coord["prompt"]),
        **{
            w["name"]: (w["description"], "worker", [t["name"] for t in w["tools"]], w["prompt"])
            for w in traj["workers"]
        },
    }
    for name, (description, role, tools, prompt) in files.items():
        text = (
            f"---\nname: {name}\ndescription: {description}\nrole: {role}\n"
            f"tools: [{', '.join(tools)}]\n---\n\n{prompt}\n"
        )
        (root / f"{name}.md").write_text(text, encoding="utf-8")
    return root


def make_tool(spec: dict[str, Any], rec_ref: list[common.Recorder]) -> Any:
    """A no-op agentcore tool (a plain sync function, as users write them) for one spec."""
    (pname, pschema), *_ = spec["parameters"]["properties"].items()

    def fn(**kwargs: Any) -> str:
        return rec_ref[0].tool(spec["name"], kwargs)

    fn.__name__ = spec["name"]
    fn.__doc__ = f"{spec['description']}\n\nArgs:\n    {pname}: {pschema['description']}\n"
    fn.__annotations__ = {pname: str, "return": str}
    fn.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(pname, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str)],
        return_annotation=str,
    )
    return tool(risk="read_only")(fn)


class RecordingModel(FunctionChatModel):
    """FunctionChatModel that also hands the bound tool schemas to the reply function and
    counts its whole call (reply function, usage estimate, chunking) as model time."""

    recorder: Any = None

    async def _agenerate(self, messages: list[BaseMessage], stop: Any = None, **kw: Any) -> Any:
        with self.recorder.model_call():
            token = _TOOLS.set(kw.get("tools"))
            try:
                return await super()._agenerate(messages, stop, **kw)
            finally:
                _TOOLS.reset(token)

    def _generate(self, messages: list[BaseMessage], stop: Any = None, **kw: Any) -> Any:
        with self.recorder.model_call():
            token = _TOOLS.set(kw.get("tools"))
            try:
                return super()._generate(messages, stop, **kw)
            finally:
                _TOOLS.reset(token)

    async def _astream(
        self, messages: list[BaseMessage], stop: Any = None, **kw: Any
    ) -> AsyncIterator[Any]:
        token = _TOOLS.set(kw.get("tools"))
        try:
            gen = super()._astream(messages, stop, **kw)
            while True:
                with self.recorder.model_call():
                    try:
                        chunk = await gen.__anext__()
                    except StopAsyncIteration:
                        break
                yield chunk
        finally:
            _TOOLS.reset(token)


def reply_function(traj: dict[str, Any], rec: common.Recorder) -> Callable[..., AIMessage]:
    names = common.worker_names(traj)

    def reply(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        plain = common.plain_from_langchain(messages)
        agent = info.agent or "unknown"
        rec.record(agent, plain, list(_TOOLS.get() or []))
        if agent == "planner":
            steps = [
                {
                    "id": f"s{i + 1}",
                    "agent": w["name"],
                    "instruction": w["instruction"],
                    "depends_on": [f"s{i}"] if i else [],
                }
                for i, w in enumerate(traj["workers"])
            ]
            call = {"name": "submit_plan", "args": {"steps": steps}, "id": "plan"}
            return AIMessage(content="", tool_calls=[call])
        if agent == "synthesis":
            return AIMessage(content=traj["final_answer"])
        if agent in names:
            action = common.next_worker_action(traj, agent, plain)
            if "answer" in action:
                return AIMessage(content=action["answer"])
            call = {
                "name": action["tool"],
                "args": action["args"],
                "id": f"{agent}_{info.call_index}",
            }
            return AIMessage(content="", tool_calls=[call])
        raise AssertionError(f"unexpected model call from agent {agent!r}")

    return reply


def factory(
    traj: dict[str, Any], mode: str | None, root: Path | None = None
) -> Callable[[common.Recorder], Any]:
    """``run_once(recorder)``: a fresh Team (registry, settings, agents) and one run of the
    trajectory. Agent files and the data dir go under ``root`` (default: a temp dir removed
    at exit)."""
    if root is None:
        root = Path(tempfile.mkdtemp(prefix="peerbench-agentcore-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
    tmp = root
    agent_dir = write_agents(traj, tmp / "agents")
    data_dir = tmp / "data"
    rec_ref: list[common.Recorder] = []
    # Tools are defined once, as a plugin module defines them at import; the registry, the
    # settings, the agents and the model are made fresh for every run.
    tools = [make_tool(t, rec_ref) for w in traj["workers"] for t in w["tools"]]

    class Plugin:
        def __init__(self, model: RecordingModel) -> None:
            self.model = model

        @hookimpl
        def register_tools(self, register: Any) -> None:
            for t in tools:
                register(t)

        @hookimpl
        def register_models(self, register: Any) -> None:
            register(PROVIDER, lambda name, settings: self.model)

    async def run_once(rec: common.Recorder) -> str:
        rec_ref[:] = [rec]
        with rec.building():
            model = RecordingModel(reply_function(traj, rec), recorder=rec)
            registry = load_registry(extra=[(PROVIDER, Plugin(model))])
            settings = load_settings({"data_dir": str(data_dir), "model": f"{PROVIDER}:scripted"})
            team = Team.load(settings=settings, registry=registry, agent_dirs=[agent_dir])
        result = await team.arun(traj["task"])
        if result.status != "completed":
            raise common.TrajectoryError(f"agentcore run {result.status}: {result.error}")
        return result.answer

    return run_once


if __name__ == "__main__":
    sys.exit(
        common.main(
            factory, framework="agentcore", version=agentcore.__version__, import_s=IMPORT_S
        )
    )

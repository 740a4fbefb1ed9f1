"""CrewAI in hierarchical mode running the shared peer trajectory (issue #9, runner C).

A manager agent (the trajectory's coordinator, ``planner``) leads a crew of researcher, coder
and ml_specialist with ``Process.hierarchical``. The manager delegates through CrewAI's own
"Delegate work to coworker" tool; each worker runs its four no-op tools, one per model turn,
then answers; the manager writes the final answer. One scripted model, a subclass of CrewAI's
public custom-LLM base class ``crewai.BaseLLM``, plays every agent: it tells them apart by the
agent CrewAI passes to ``call(..., from_agent=...)`` (falling back to the system prompt) and
decides its reply from the messages of the request, never from a global counter.

``supports_function_calling()`` is True, so CrewAI drives tools by native function calling (the
path users get with a modern function-calling model): ``call`` receives OpenAI-style tool
schemas and returns OpenAI-style tool calls, and CrewAI sends the results back as ``tool``
messages. Every call records the messages exactly as CrewAI built them (contract plain JSON)
and the tool schemas as CrewAI passed them.

Run with the crewai venv's Python:
    .venvs/crewai/bin/python crewai/run_peer.py --trajectory trajectory.json --out R.json
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Everything CrewAI could phone home with, or wait on, is turned off before it is imported.
# There is no network here, so any of these would add timeouts or block on a prompt.
OFF = {
    "CREWAI_DISABLE_TELEMETRY": "true",  # crewai_core Telemetry (OpenTelemetry spans to CrewAI)
    "CREWAI_DISABLE_TRACKING": "true",  # same switch, older name
    "OTEL_SDK_DISABLED": "true",  # the OpenTelemetry SDK as a whole
    "CREWAI_TRACING_ENABLED": "false",  # CrewAI AMP execution tracing (and its first-run prompt)
    "CREWAI_DISABLE_VERSION_CHECK": "true",  # the PyPI "newer version available" lookup
}
os.environ.update(OFF)
# CrewAI keeps a SQLite store of the last kickoff's task outputs (for `crewai replay`) under
# CREWAI_STORAGE_DIR; point it at a scratch folder instead of the user's data directory.
if "CREWAI_STORAGE_DIR" not in os.environ:
    os.environ["CREWAI_STORAGE_DIR"] = tempfile.mkdtemp(prefix="peers-crewai-")
    atexit.register(shutil.rmtree, os.environ["CREWAI_STORAGE_DIR"], ignore_errors=True)

_PEERS = str(Path(__file__).resolve().parents[1])
sys.path.insert(0, _PEERS)
import common  # noqa: E402

# benchmarks/peers/ holds a folder named crewai (this one): off the path again, so that
# `import crewai` can only find the installed package.
sys.path.remove(_PEERS)

_T0 = time.perf_counter()
try:
    import crewai
    from crewai import Agent, BaseLLM, Crew, Process, Task
    from crewai.tools import BaseTool
    from crewai.utilities.pydantic_schema_utils import create_model_from_schema
    from crewai.utilities.string_utils import sanitize_tool_name
    from pydantic import BaseModel, PrivateAttr
except Exception as exc:  # not installed, or broken: say so, never fake numbers
    print(f"crewai: cannot import CrewAI: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(2)
IMPORT_S = time.perf_counter() - _T0

# A custom BaseLLM has no native token counter, so CrewAI's context-window preflight logs a
# warning on every request ("Using an approximate input token count ..."): keep it off stderr.
logging.getLogger("crewai.llms.base_llm").setLevel(logging.ERROR)

# CrewAI's delegation tool, under the name it is offered to a function-calling model.
DELEGATE = sanitize_tool_name("Delegate work to coworker")
# The delegation tool requires a "context" argument. The scripted manager sends the trajectory's
# instruction as the task and an empty context, so its output is the same as every other
# framework's coordinator (CrewAI then leaves the context block out of the worker's prompt). A
# real model told by the tool description to "share absolutely everything you know" would
# usually fill it in, so CrewAI's prompt tokens here are a lower bound.
DELEGATE_CONTEXT = ""
# CrewAI requires an expected output per task; this one restates the coordinator's prompt.
EXPECTED_OUTPUT = "The final answer for the user: a short recommendation backed by the findings."


def plain_messages(messages: str | list[Any]) -> list[dict[str, Any]]:
    """CrewAI's request messages -> the contract's plain JSON, content verbatim."""
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    out: list[dict[str, Any]] = []
    for m in messages:
        item: dict[str, Any] = {
            "role": str(m.get("role", "user")),
            "content": common.content_text(m.get("content")),
        }
        calls = m.get("tool_calls") or []
        if calls:
            item["tool_calls"] = [
                {
                    "name": c["function"]["name"],
                    "arguments": common.arguments_json(c["function"].get("arguments", {})),
                }
                for c in calls
            ]
        out.append(item)
    return out


def plain_tools(tools: list[Any] | None) -> list[dict[str, Any]]:
    """Tool schemas exactly as CrewAI hands them to the model (OpenAI function format)."""
    return [dict(t) for t in tools or []]


def tool_call(call_id: str, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """One tool call in the OpenAI chat-completions shape CrewAI's native path accepts."""
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": common.arguments_json(args)},
    }


class ScriptedLLM(BaseLLM):
    """Plays the trajectory's manager and workers through CrewAI's custom-LLM interface."""

    _traj: dict[str, Any] = PrivateAttr(default_factory=dict)
    _rec: Any = PrivateAttr(default=None)
    _roles: set[str] = PrivateAttr(default_factory=set)
    _errors: list[str] = PrivateAttr(default_factory=list)

    def __init__(self, traj: dict[str, Any], recorder: common.Recorder, **kwargs: Any) -> None:
        super().__init__(model="scripted-trajectory", **kwargs)
        self._traj = traj
        self._rec = recorder
        self._roles = {traj["coordinator"]["name"], *common.worker_names(traj)}

    @property
    def errors(self) -> list[str]:
        """Requests the script could not answer (CrewAI may swallow the exception)."""
        return self._errors

    def supports_function_calling(self) -> bool:
        return True

    def supports_stop_words(self) -> bool:
        return False

    def get_context_window_size(self) -> int:
        return 128_000

    def _agent_of(self, from_agent: Any, plain: list[dict[str, Any]]) -> str:
        role = getattr(from_agent, "role", None)
        if role in self._roles:
            return str(role)
        # No agent passed: CrewAI's system prompt starts "You are {role}."
        for m in plain:
            if m["role"] == "system":
                for r in self._roles:
                    if m["content"].startswith(f"You are {r}."):
                        return r
        raise RuntimeError(f"scripted model cannot tell which agent is asking (role={role!r})")

    def call(
        self,
        messages: str | list[Any],
        tools: list[Any] | None = None,
        callbacks: list[Any] | None = None,
        available_functions: dict[str, Any] | None = None,
        from_task: Any = None,
        from_agent: Any = None,
        response_model: type[BaseModel] | None = None,
    ) -> str | list[dict[str, Any]]:
        with self._rec.model_call():
            plain = plain_messages(messages)
            schemas = plain_tools(tools)
            try:
                agent = self._agent_of(from_agent, plain)
            except RuntimeError as e:
                self._errors.append(str(e))
                self._rec.record("?", plain, schemas)
                raise
            self._rec.record(agent, plain, schemas)
            try:
                return self._reply(agent, plain, schemas, available_functions, response_model)
            except RuntimeError as e:
                self._errors.append(f"{agent}: {e}")
                raise

    def _reply(
        self,
        agent: str,
        plain: list[dict[str, Any]],
        schemas: list[dict[str, Any]],
        available_functions: dict[str, Any] | None,
        response_model: Any,
    ) -> str | list[dict[str, Any]]:
        if available_functions or response_model is not None:
            raise RuntimeError(
                "unexpected request shape: available_functions/response_model were passed"
            )
        offered = {s.get("function", {}).get("name") for s in schemas}
        turn = sum(1 for m in plain if m["role"] == "assistant")
        if agent == self._traj["coordinator"]["name"]:
            names = common.worker_names(self._traj)
            done = len(common.tool_names_called(plain, [DELEGATE]))
            if done < len(names):
                if DELEGATE not in offered:
                    raise RuntimeError(f"manager was not offered {DELEGATE!r}: {sorted(offered)}")
                w = common.worker(self._traj, names[done])
                args = {
                    "task": w["instruction"],
                    "context": DELEGATE_CONTEXT,
                    "coworker": w["name"],
                }
                return [tool_call(f"call_{agent}_{turn}", DELEGATE, args)]
            return str(self._traj["final_answer"])
        action = common.next_worker_action(self._traj, agent, plain)
        if "answer" in action:
            return str(action["answer"])
        if action["tool"] not in offered:
            raise RuntimeError(f"{action['tool']!r} not among the tools offered: {sorted(offered)}")
        return [tool_call(f"call_{agent}_{turn}", action["tool"], action["args"])]


class NoOpTool(BaseTool):
    """A trajectory tool: records the call and returns the fixed result text."""

    _rec: Any = PrivateAttr(default=None)

    def _run(self, **kwargs: Any) -> str:
        result: str = self._rec.tool(self.name, kwargs)
        return result


def make_tool(spec: dict[str, Any], recorder: common.Recorder) -> NoOpTool:
    schema = create_model_from_schema(
        dict(spec["parameters"], title=f"{spec['name']}_args"), model_name=f"{spec['name']}_args"
    )
    tool = NoOpTool(name=spec["name"], description=spec["description"], args_schema=schema)
    tool._rec = recorder
    return tool


def check_delegations(traj: dict[str, Any], rec: common.Recorder) -> None:
    """The manager really delegated through CrewAI's tool, in order, and saw each answer."""
    coord = traj["coordinator"]["name"]
    asked = [r for r in rec.requests if r["agent"] == coord]
    names = common.worker_names(traj)
    if len(asked) != len(names) + 1:
        raise common.TrajectoryError(
            f"{coord}: {len(asked)} model calls, expected {len(names) + 1}"
        )
    history = asked[-1]["messages"]
    calls = [
        json.loads(c["arguments"])
        for m in history
        if m["role"] == "assistant"
        for c in m.get("tool_calls") or []
        if c["name"] == DELEGATE
    ]
    results = [m["content"] for m in history if m["role"] == "tool"]
    coworkers = [c.get("coworker") for c in calls]
    answers = [common.worker(traj, n)["answer"] for n in names]
    if coworkers != names or len(results) != len(answers):
        raise common.TrajectoryError(f"{coord} delegated to {coworkers}, expected {names}")
    for name, got, want in zip(names, results, answers, strict=True):
        if not common.same_text(got, want):
            raise common.TrajectoryError(
                f"{coord} got back from {name} {got[:300]!r} instead of its answer"
            )


def factory(traj: dict[str, Any], mode: str | None) -> common.RunOnce:
    if mode is not None:
        raise SystemExit(f"crewai: no modes (got --mode {mode})")

    def run_once(rec: common.Recorder) -> str:
        llm = ScriptedLLM(traj, rec)
        workers = [
            Agent(
                role=w["name"],
                goal=w["description"],
                backstory=w["prompt"],
                tools=[make_tool(t, rec) for t in w["tools"]],
                llm=llm,
                allow_delegation=False,
                verbose=False,
            )
            for w in traj["workers"]
        ]
        coord = traj["coordinator"]
        manager = Agent(
            role=coord["name"],
            goal=coord["description"],
            backstory=coord["prompt"],
            llm=llm,
            allow_delegation=True,
            verbose=False,
        )
        task = Task(description=traj["task"], expected_output=EXPECTED_OUTPUT)
        crew = Crew(
            agents=workers,
            tasks=[task],
            process=Process.hierarchical,
            manager_agent=manager,
            memory=False,
            verbose=False,
            tracing=False,
        )
        out = crew.kickoff()
        if llm.errors:
            raise common.TrajectoryError("scripted model refused: " + "; ".join(llm.errors))
        check_delegations(traj, rec)
        return str(out.raw)

    return run_once


if __name__ == "__main__":
    sys.stdin.close()  # nothing may wait on a prompt
    sys.exit(
        common.main(factory, framework="crewai", version=crewai.__version__, import_s=IMPORT_S)
    )

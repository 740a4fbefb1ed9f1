"""A team whose tool has a side effect, run in a process the crash tests kill with SIGKILL.

    python crash_app.py DATA_DIR LEDGER run RUN_ID TASK [--kill-after N]
    python crash_app.py DATA_DIR LEDGER resume RUN_ID
    python crash_app.py DATA_DIR LEDGER batch TASKS OUT [--resume] [--kill-after N]

Every call of the ``ledger`` tool appends one line to LEDGER: a duplicated side effect is a
duplicated line. Entries written ``!x`` go through ``ledger_guarded``, which the approval
policy denies (``[approvals]``: always asked, unattended ``deny``), so ``x`` is never written.

The model is a function of the conversation, so a new process carries a step on where it
stopped: a worker writes the entries its instruction lists (``write: a b c``), one call per
turn, then answers. Tasks ``seq: ...`` plan one step per group of entries, one
after another; ``par: ...`` plans the groups as parallel steps.

With ``--kill-after N`` the model kills its own process (SIGKILL: no cleanup, no flush) when it
is called once the run traces hold N finished ledger calls — so the kill lands between calls.
The result (``run``/``resume``) or the batch summary is printed as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agentcore import Team
from agentcore.config import load_settings
from agentcore.plugins import hookimpl, load_registry
from agentcore.testing import CallInfo, FunctionChatModel
from agentcore.tools import tool

AGENT = """---
name: {name}
description: Writes entries to the ledger
tools: [ledger, ledger_guarded]
---

You write the entries your step lists to the ledger, one call each, then say what you wrote.
"""


def plan_for(task: str) -> list[dict[str, Any]]:
    """``seq: a b | c d`` -> two coder steps, the second after the first; ``par:`` -> parallel."""
    mode, _, rest = task.partition(":")
    groups = [g.split() for g in rest.split("|")]
    steps = []
    for i, group in enumerate(groups):
        depends = [f"s{i}"] if mode.strip() == "seq" and i else []
        agent = "coder" if i % 2 == 0 else "researcher"
        steps.append(
            {
                "id": f"s{i + 1}",
                "agent": agent,
                "instruction": "write: " + " ".join(group),
                "depends_on": depends,
            }
        )
    return steps


def _instruction(messages: list[BaseMessage]) -> list[str]:
    for message in messages:
        if isinstance(message, HumanMessage):
            for line in message.text.splitlines():
                if line.strip().startswith("write:"):
                    return line.split(":", 1)[1].split()
    raise AssertionError("no 'write:' instruction in the step")


class App:
    """The model and the tool, as a plugin."""

    def __init__(self, data_dir: Path, ledger: Path, kill_after: int | None) -> None:
        self.data_dir = data_dir
        self.ledger = ledger
        self.kill_after = kill_after
        self.model = FunctionChatModel(self.respond)
        app = self

        @tool(name="ledger", risk="writes")
        async def ledger_tool(entry: str) -> str:
            """Append an entry to the ledger (a side effect that must happen once).

            Args:
                entry: What to write.
            """
            with app.ledger.open("a", encoding="utf-8") as fh:
                fh.write(entry + "\n")
            return f"wrote {entry}"

        @tool(name="ledger_guarded", risk="writes")
        async def guarded_tool(entry: str) -> str:
            """Append an entry to the ledger, if the approval policy allows it.

            Args:
                entry: What to write.
            """
            return str(await ledger_tool.ainvoke({"entry": entry}))

        self.tools = [ledger_tool, guarded_tool]

    def finished_calls(self) -> int:
        runs = self.data_dir / "runs"
        return sum(
            path.read_text(encoding="utf-8").count('"type": "tool_result"')
            for path in runs.glob("*.jsonl")
        )

    def respond(self, messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        if self.kill_after is not None and self.finished_calls() >= self.kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
        if info.agent == "planner":
            from agentcore.testing import find_task

            steps = plan_for(find_task(messages))
            call = {"name": "submit_plan", "args": {"steps": steps}, "id": "plan"}
            return AIMessage(content="", tool_calls=[call])
        if info.agent == "synthesis":
            return AIMessage(content="all entries written")
        entries = _instruction(messages)
        done = sum(isinstance(m, ToolMessage) for m in messages)
        if done < len(entries):
            entry = entries[done]
            name = "ledger_guarded" if entry.startswith("!") else "ledger"
            args = {"entry": entry.lstrip("!")}
            call = {"name": name, "args": args, "id": f"call-{args['entry']}"}
            return AIMessage(content=f"writing {entry}", tool_calls=[call])
        return AIMessage(content="wrote " + ", ".join(entries))

    @hookimpl
    def register_models(self, register: Any) -> None:
        register("crash", lambda name, settings: self.model)

    @hookimpl
    def register_tools(self, register: Any) -> None:
        for one in self.tools:
            register(one)


def team(data_dir: Path, ledger: Path, kill_after: int | None = None) -> Team:
    agents = data_dir / "agents"
    agents.mkdir(parents=True, exist_ok=True)
    for name in ("coder", "researcher"):
        (agents / f"{name}.md").write_text(AGENT.format(name=name), encoding="utf-8")
    registry = load_registry(extra=[("crash", App(data_dir, ledger, kill_after))])
    settings = load_settings(
        {
            "data_dir": str(data_dir),
            "model": "crash:m",
            "agent_dirs": [str(agents)],
            "approvals": {"tools": {"ledger_guarded": "always"}, "unattended": "deny"},
        }
    )
    return Team.load(settings=settings, registry=registry)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("ledger", type=Path)
    parser.add_argument("command", choices=["run", "resume", "batch"])
    parser.add_argument("args", nargs="*")
    parser.add_argument("--kill-after", type=int)
    parser.add_argument("--resume", action="store_true")
    opts = parser.parse_args(argv)
    crew = team(opts.data_dir, opts.ledger, opts.kill_after)
    if opts.command == "run":
        run_id, task = opts.args
        result = await crew.arun(task, run_id=run_id)
    elif opts.command == "resume":
        result = await crew.aresume(opts.args[0])
    else:
        from agentcore.batch import run_batch

        tasks, out = opts.args
        summary = await run_batch(crew, tasks, out=out, concurrency=2, resume=opts.resume)
        print(json.dumps(summary.to_json()))
        return 0
    print(result.model_dump_json(exclude={"trace"}))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))

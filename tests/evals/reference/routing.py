"""The reference agent for routing: a planner that follows each case's expected route.

Routing is what this suite scores, and a scripted planner has no judgement to measure: this
one plans the case's expected agents (one step each, in order, each depending on the one
before, or independent when the case's trajectory mode is ``unordered``). Offline, the suite
therefore checks the harness and the trajectory scorer end to end (16/16 expected), not a
planner; run it with a real model to measure one.

The workers do one cheap, real tool call each and report it: the researcher reads the
Markdown file the case ships (or runs ``web_search``, which without a search key searches the
sample's own, empty, local knowledge), the coder and the ML specialist list the workspace.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from langchain_core.messages import AIMessage

from agentcore.evals._types import Case
from tests.evals.reference._policy import ReferencePolicy, Step, Turn, tool_calls


class RoutingReference(ReferencePolicy):
    """Planner: the expected route. Workers: one tool call, then a short report."""

    def plan(self, case: Case) -> list[Step]:
        agents: list[str] = list(case.expected["agents"])
        parallel = any(
            ref.name == "trajectory" and ref.options.get("mode") == "unordered"
            for ref in self.suite.scorers_for(case)
        )
        steps = []
        for n, agent in enumerate(agents, 1):
            after = [] if parallel or n == 1 else [f"s{n - 1}"]
            part = f" (part {n} of {len(agents)}: the {agent.replace('_', ' ')}'s part)"
            steps.append(
                Step(id=f"s{n}", agent=agent, instruction=case.input + part, depends_on=after)
            )
        return steps

    def work(self, turn: Turn) -> AIMessage | str:
        if turn.index == 0:
            return tool_calls([self._call(turn)], turn=0)
        tool, args = self._call(turn)
        output = turn.result(tool)
        return (
            f"Reference {turn.agent} (scripted): called {tool} {args} as its only action. "
            f"It returned:\n{output[:600]}"
        )

    def _call(self, turn: Turn) -> tuple[str, dict[str, object]]:
        if turn.agent == "researcher":
            docs = [PurePosixPath(f).name for f in turn.case.files if f.endswith(".md")]
            if docs:
                return "read_file", {"path": docs[0]}
            return "web_search", {"query": turn.case.input.split("?")[0][:200]}
        return "list_files", {}

"""The reference agent for rag-docs: a researcher that searches once and cites what it found.

The planner gives the question to the researcher. The researcher calls the real ``rag_search``
once, with the question as the query, on the suite's collection, and answers with the top
:data:`CITED` passages it got back, each quoted under its citation. It does not judge whether
they answer the question: where hybrid search ranks the labelled passages lower, the case
fails its citation and answer checks. That failure rate is the honest figure of a
search-once-and-cite agent on this corpus (issue #5 measured hybrid recall@5 = 0.693 on the
whole labelled set).
"""

from __future__ import annotations

import re

from langchain_core.messages import AIMessage

from agentcore.evals._types import Case
from tests.evals.reference._policy import ReferencePolicy, Step, Turn, tool_calls

K = 5  # passages asked of rag_search
CITED = 3  # passages quoted and cited in the answer
_HIT = re.compile(r"^\[(\d+)\] (.+)$", re.M)


def hits(output: str) -> list[tuple[str, str]]:
    """(citation, passage text) for each passage of a rag_search answer, best first."""
    marks = list(_HIT.finditer(output))
    found = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(output)
        found.append((mark.group(2).strip(), output[mark.end() : end].strip()))
    return found


class RagDocsReference(ReferencePolicy):
    """Researcher: one rag_search, then the top passages quoted with their citations."""

    def plan(self, case: Case) -> list[Step]:
        question = case.input.split("\n\n", 1)[0]
        collection = next(iter(self.suite.collections))
        return [
            Step(
                id="s1",
                agent="researcher",
                instruction=(
                    f"Answer from the Python documentation in the document collection "
                    f"'{collection}': {question} Search it with rag_search and report what "
                    "the passages say, citing each by its file and section."
                ),
            )
        ]

    def work(self, turn: Turn) -> AIMessage | str:
        if turn.index == 0:
            question = turn.case.input.split("\n\n", 1)[0]
            collection = next(iter(self.suite.collections))
            args = {"query": question, "collection": collection, "k": K}
            return tool_calls([("rag_search", args)], turn=0)
        found = hits(turn.result("rag_search"))[:CITED]
        if not found:
            return "rag_search found nothing on this question in the collection."
        quoted = "\n\n".join(f"From {citation}:\n\n{text}" for citation, text in found)
        sources = "\n".join(f"- {citation}" for citation, _ in found)
        return f"What the documentation says:\n\n{quoted}\n\nSources:\n{sources}"

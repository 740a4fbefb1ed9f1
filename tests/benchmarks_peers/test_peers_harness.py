"""The peer benchmark's harness (benchmarks/peers, issue #9): the trajectory, agentcore's runner,
token counting and the table. Offline and fast; no peer venvs, no timing assertions."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest

PEERS = Path(__file__).resolve().parents[2] / "benchmarks" / "peers"


def _load(name: str, path: Path) -> ModuleType:
    """Import a benchmark file by path, as the runners do (they add PEERS to sys.path)."""
    if str(PEERS) not in sys.path:
        sys.path.insert(0, str(PEERS))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


common = _load("common", PEERS / "common.py")
tokens = _load("tokens", PEERS / "tokens.py")
run = _load("peers_run", PEERS / "run.py")


@pytest.fixture(scope="module")
def traj() -> dict[str, Any]:
    return common.load_trajectory()


def test_trajectory_has_three_workers_with_four_calls_each(traj: dict[str, Any]) -> None:
    assert common.worker_names(traj) == ["researcher", "coder", "ml_specialist"]
    assert traj["task"].strip() and traj["final_answer"].strip()
    assert traj["coordinator"]["prompt"].strip()
    for w in traj["workers"]:
        assert len(w["calls"]) == 4, w["name"]
        assert w["instruction"].strip() and w["answer"].strip() and w["prompt"].strip()
    assert sum(len(w["calls"]) for w in traj["workers"]) == 12


def test_every_called_tool_exists_has_a_result_and_valid_arguments(traj: dict[str, Any]) -> None:
    owner = common.tool_owner(traj)
    all_tools = [t["name"] for w in traj["workers"] for t in w["tools"]]
    assert len(all_tools) == len(set(all_tools)), "a tool name is shared by two workers"
    for w in traj["workers"]:
        schemas = {t["name"]: t["parameters"] for t in w["tools"]}
        for t in w["tools"]:
            jsonschema.Draft202012Validator.check_schema(t["parameters"])
            assert t["parameters"]["type"] == "object" and t["description"].strip()
        for call in w["calls"]:
            assert owner[call["tool"]] == w["name"], call
            jsonschema.validate(call["args"], schemas[call["tool"]])
            assert 300 <= len(traj["tool_results"][call["tool"]]) <= 600
    assert set(traj["tool_results"]) == set(all_tools)


def test_next_worker_action_follows_the_script_from_the_request(traj: dict[str, Any]) -> None:
    w = traj["workers"][1]
    # Another worker's tool calls in the history (full-history frameworks) do not count.
    other = traj["workers"][0]["calls"][0]
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": traj["task"]},
        {"role": "assistant", "content": "", "tool_calls": [{"name": other["tool"]}]},
    ]
    for call in w["calls"]:
        action = common.next_worker_action(traj, w["name"], messages)
        assert action == {"tool": call["tool"], "args": call["args"]}
        calls = [{"name": call["tool"]}]
        messages.append({"role": "assistant", "content": "", "tool_calls": calls})
        messages.append({"role": "tool", "content": common.tool_result(traj, call["tool"])})
    assert common.next_worker_action(traj, w["name"], messages) == {"answer": w["answer"]}


def test_plain_messages_from_langchain() -> None:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

    call = {"name": "run_tests", "args": {"path": "tests/"}, "id": "c1"}
    plain = common.plain_from_langchain(
        [
            SystemMessage("sys"),
            HumanMessage([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]),
            AIMessage("", tool_calls=[call]),
            ToolMessage("ok", tool_call_id="c1"),
        ]
    )
    assert plain == [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "a\nb"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"name": "run_tests", "arguments": '{"path": "tests/"}'}],
        },
        {"role": "tool", "content": "ok"},
    ]


def test_agentcore_runner_completes_the_trajectory(traj: dict[str, Any], tmp_path: Path) -> None:
    runner = _load("run_agentcore", PEERS / "agentcore" / "run_agentcore.py")
    run_once = runner.factory(traj, None, root=tmp_path)
    rec = common.Recorder(traj)
    answer = asyncio.run(run_once(rec))
    common.check_run(traj, rec, answer)  # 12 tool calls in order, 5 calls per worker
    assert len(rec.tool_calls) == 12
    assert common.same_text(answer, traj["final_answer"])
    agents = [r["agent"] for r in rec.requests]
    assert agents[0] == "planner" and agents[-1] == "synthesis"
    assert rec.model_calls == 17
    coder = next(r for r in rec.requests if r["agent"] == "coder")
    assert [t["function"]["name"] for t in coder["tools"]] == ["search_codebase", "run_tests"]
    # Scoped handoff: the coder sees the researcher's answer, not its tool results.
    text = "\n".join(m["content"] for m in coder["messages"])
    assert traj["workers"][0]["answer"] in text
    assert traj["tool_results"]["fetch_document"] not in text
    assert rec.model_s > 0


def test_check_run_rejects_a_wrong_answer(traj: dict[str, Any]) -> None:
    rec = common.Recorder(traj)
    with pytest.raises(common.TrajectoryError, match="final answer differs"):
        common.check_run(traj, rec, "something else")


def _words(text: str) -> int:
    return len(text.split())


def test_token_counting_rule() -> None:
    messages = [
        {"role": "system", "content": "one two"},
        {"role": "assistant", "content": "", "tool_calls": [{"name": "f", "arguments": "{}"}]},
    ]
    # 3 per request + (3 + 2) + (3 + 0 + 1 + 1)
    assert tokens.message_tokens(messages, _words) == 13
    reqs = [
        {"agent": "a", "messages": messages, "tools": [{"name": "f"}]},
        {"agent": "b", "messages": messages[:1], "tools": []},
    ]
    counted = tokens.count_requests(reqs, _words)
    assert counted == {
        "prompt_tokens": 13 + 8,
        "tool_schema_tokens": 2,
        "by_agent": {"a": 13, "b": 8},
    }


def _result(overhead_s: float, model_calls: int = 17) -> dict[str, Any]:
    runs = [
        {"wall_s": overhead_s + 0.01, "model_s": 0.01, "model_calls": model_calls, "tool_calls": 12}
    ] * 3
    return {"version": "1.0", "runs": runs, "peak_rss_mb": 100.0, "import_s": 0.5, "requests": []}


def _rows() -> list[Any]:
    Row = run.Row
    return [
        Row("agentcore", "agentcore", None, _result(0.050), tokens={"prompt_tokens": 7000}),
        Row(
            "langgraph_supervisor/full_history",
            "langgraph-supervisor",
            "full_history",
            _result(0.040, 19),
            tokens={"prompt_tokens": 20000, "tool_schema_tokens": 3000},
        ),
        Row(
            "langgraph_supervisor/last_message",
            "langgraph-supervisor",
            "last_message",
            _result(0.060, 19),
            tokens={"prompt_tokens": 9000, "tool_schema_tokens": 3000},
        ),
        Row("crewai", "crewai", None, error="exit code 1:\nImportError: no module named x"),
    ]


def test_table_ratios_and_failed_rows() -> None:
    text = run.format_text_table(_rows())
    lines = text.splitlines()
    assert lines[0].split()[0] == "framework" and len(lines) == 6
    assert "0.80x" in lines[3] and "2.86x" in lines[3]  # 40/50 ms, 20000/7000 tokens
    assert "failed" in lines[5]
    md = run.format_md_table(_rows())
    assert md.count("\n") == 5 and md.startswith("| framework |")


def test_targets_say_met_not_met_and_not_measured() -> None:
    lines = run.targets(_rows())
    assert lines[0].endswith("50.0 ms vs 40.0 ms = 1.25x: NOT met")
    assert lines[1].endswith("= 0.83x: met")
    assert "not measured: CrewAI failed" in lines[2]
    assert lines[3].endswith("7,000 vs 20,000 = 0.35x: met")


def test_results_markdown_carries_the_errors() -> None:
    md = run.render_markdown(_rows(), runs=3, command="python benchmarks/peers/run.py", took_s=1)
    assert "## Targets (issue #9)" in md and "NOT met" in md
    assert "ImportError: no module named x" in md
    assert "cores" in md


def test_peer_discovery_finds_langgraph_supervisor_with_both_modes() -> None:
    assert "langgraph_supervisor" in run.discover_peers()
    assert run.peer_modes("langgraph_supervisor") == ["full_history", "last_message"]
    assert run.discover_peers()[0] == "langgraph_supervisor"

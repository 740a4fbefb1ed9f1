import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, messages_to_dict

from agentcore.errors import ScriptExhaustedError, SpecError
from agentcore.testing import ReplayChatModel


def line(type_: str, **fields: object) -> str:
    return json.dumps({"ts": 1.0, "run_id": "r1", "type": type_, **fields})


def model_call(agent: str, ai: AIMessage, step: str = "") -> str:
    return line(
        "model_call",
        agent=agent,
        step=step,
        model="openai:gpt-x",
        response=messages_to_dict([ai])[0],
        usage={},
    )


def cfg(agent: str, step: str = "") -> dict:
    return {"metadata": {"agentcore_agent": agent, "agentcore_step": step}}


@pytest.fixture
def trace(tmp_path: Path) -> Path:
    usage = {"input_tokens": 11, "output_tokens": 22, "total_tokens": 33}
    plan = AIMessage(
        "", tool_calls=[{"name": "submit_plan", "args": {"steps": []}, "id": "t1"}], id="x1"
    )
    lines = [
        line("run_start", task="t"),
        model_call("planner", plan),
        model_call("coder", AIMessage("s1 first", usage_metadata=usage, id="x2"), step="s1"),
        model_call("coder", AIMessage("s2 only", id="x3"), step="s2"),
        line("tool_call", agent="coder", tool="think"),
        model_call("coder", AIMessage("s1 second", id="x4"), step="s1"),
        model_call("synthesis", AIMessage("final", id="x5")),
        "",
        line("run_end", status="completed"),
    ]
    path = tmp_path / "run.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_replays_per_agent_and_step_in_recorded_order(trace: Path):
    model = ReplayChatModel.from_trace(trace)
    # ask in a different order than recorded: parallel steps interleave differently
    assert model.invoke("x", config=cfg("coder", "s2")).content == "s2 only"
    assert model.invoke("x", config=cfg("coder", "s1")).content == "s1 first"
    assert model.invoke("x", config=cfg("synthesis")).content == "final"
    assert model.invoke("x", config=cfg("coder", "s1")).content == "s1 second"
    plan = model.invoke("x", config=cfg("planner"))
    assert plan.tool_calls[0]["name"] == "submit_plan"
    with pytest.raises(ScriptExhaustedError, match="agent 'planner' after serving 1"):
        model.invoke("x", config=cfg("planner"))


def test_recorded_usage_is_kept_and_ids_are_fresh(trace: Path):
    model = ReplayChatModel.from_trace(trace)
    reply = model.invoke("x", config=cfg("coder", "s1"))
    assert reply.usage_metadata == {"input_tokens": 11, "output_tokens": 22, "total_tokens": 33}
    assert reply.response_metadata["model_name"] == "replay:run.jsonl"
    assert reply.id != "x2"


def test_missing_trace_is_a_spec_error(tmp_path: Path):
    with pytest.raises(SpecError, match="trace file does not exist") as info:
        ReplayChatModel.from_trace(tmp_path / "nope.jsonl")
    assert info.value.hint and "runs/" in info.value.hint


def test_trace_without_model_calls_is_a_spec_error(tmp_path: Path):
    path = tmp_path / "empty.jsonl"
    path.write_text(line("run_start") + "\n" + line("run_end") + "\n")
    with pytest.raises(SpecError, match="no model_call lines"):
        ReplayChatModel.from_trace(path)


def test_bad_lines_are_reported_with_their_number(tmp_path: Path):
    path = tmp_path / "bad.jsonl"
    path.write_text(line("run_start") + "\n{not json\n")
    with pytest.raises(SpecError) as info:
        ReplayChatModel.from_trace(path)
    assert info.value.line == 2
    path.write_text(line("model_call", agent="coder", response={"type": "nope"}) + "\n")
    with pytest.raises(SpecError, match="not a serialized message") as info:
        ReplayChatModel.from_trace(path)
    assert (info.value.line, info.value.field) == (1, "response")

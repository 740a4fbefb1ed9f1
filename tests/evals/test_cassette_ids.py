"""Replayed answers use the live run's generated ids (trained models, memories, run ids)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from agentcore import RunResult, Team
from agentcore.config import load_settings
from agentcore.demo import DEMO_MODEL, DEMO_TASK, prepare_workspace
from agentcore.errors import ReplayDivergenceError
from agentcore.evals._cassette import CassetteWriter, sample_scope
from agentcore.evals._cassette_model import CassetteChatModel
from agentcore.evals._fingerprint import fingerprint, id_tokens
from agentcore.evals._replay_ids import ReplayIds
from agentcore.plugins import hookimpl, load_registry
from agentcore.testing import CallInfo, FunctionChatModel

TASK = "Train a species classifier on data/penguins.csv, write its model card and score it."


def _call(tool: str, /, **args: Any) -> AIMessage:
    return AIMessage("", tool_calls=[{"name": tool, "args": args, "id": f"call_{tool}"}])


def _results(messages: list[BaseMessage]) -> list[str]:
    return [m.text for m in messages if isinstance(m, ToolMessage)]


def ml_respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
    """The planner hands one step to the ML specialist, who trains a real model and then uses
    the id train_model returned: the model card, an evaluation, and the id in its answer."""
    if info.agent == "planner":
        step = {"id": "s1", "agent": "ml_specialist", "instruction": "train", "depends_on": []}
        return _call("submit_plan", steps=[step])
    if info.agent == "ml_specialist":
        seen = _results(messages)
        if not seen:
            return _call(
                "train_model",
                data="data/penguins.csv",
                target="species",
                family="logistic",
                exclude=["island", "year"],
            )
        trained = re.search(r"Trained model (\S+)", seen[0])
        model_id = trained.group(1) if trained else "no-model"
        if len(seen) == 1:
            return _call("model_card", model_id=model_id)
        if len(seen) == 2:
            return _call("evaluate_model", model_id=model_id, data="data/penguins.csv")
        accuracy = re.search(r"^accuracy .*$", seen[2], re.M)
        return AIMessage(
            f"Model {model_id}, card reports/model_card_{model_id}.md; "
            f"{accuracy.group(0) if accuracy else 'no accuracy'}"
        )
    summary = re.search(r"Model \S+, card .*", "\n".join(m.text for m in messages))
    return AIMessage("Final: " + (summary.group(0) if summary else "nothing"))


class _Provider:
    def __init__(self, model: FunctionChatModel) -> None:
        self.model = model

    @hookimpl
    def register_models(self, register: Any) -> None:
        register("rec", lambda name, settings: self.model)


def _team(data_dir: Path) -> Team:
    registry = load_registry(extra=[("rec", _Provider(FunctionChatModel(ml_respond)))])
    settings = load_settings({"data_dir": str(data_dir), "model": "rec:m"})
    return Team.load(settings=settings, registry=registry)


def _workspace(root: Path) -> Path:
    prepare_workspace(root)  # data/penguins.csv
    return root


def _trained_id(result: RunResult) -> str:
    output = next(
        r["output"] for r in result.trace if r.get("tool") == "train_model" and "output" in r
    )
    found = re.search(r"Trained model (\S+)", output)
    assert found, output
    return found.group(1)


def _tool_errors(result: RunResult) -> list[str]:
    return [r["output"] for r in result.trace if r["type"] == "tool_result" and r["is_error"]]


async def test_a_trained_models_id_is_mapped_to_the_live_one(
    tmp_path: Path, tmp_data_dir: Path
) -> None:
    cassette = tmp_path / "ml.jsonl"
    with sample_scope("ml", 1):
        recorded = await _team(tmp_path / "rec-data").arun(
            TASK, workspace=_workspace(tmp_path / "rec-ws")
        )
    assert recorded.status == "completed", recorded.error
    assert not _tool_errors(recorded)
    with CassetteWriter(cassette, suite="ml", model="rec:m") as writer:
        writer.add("ml", 1, recorded.trace)
    old = _trained_id(recorded)
    assert f"Final: Model {old}, card reports/model_card_{old}.md; accuracy" in recorded.answer

    replay_ws = _workspace(tmp_path / "replay-ws")
    with sample_scope("ml", 1) as scope:
        replayed = await _team(tmp_path / "replay-data").arun(
            TASK, model=f"replay:{cassette}", workspace=replay_ws
        )

    assert replayed.status == "completed", replayed.error
    assert scope.unused == []
    assert not _tool_errors(replayed)  # model_card and evaluate_model found the live model
    new = _trained_id(replayed)
    assert new != old
    calls = {r["tool"]: r["args"] for r in replayed.trace if r["type"] == "tool_call"}
    assert calls["model_card"] == {"model_id": new}
    assert calls["evaluate_model"] == {"model_id": new, "data": "data/penguins.csv"}
    assert (replay_ws / f"reports/model_card_{new}.md").is_file()
    assert new in replayed.answer and old not in replayed.answer
    assert replayed.answer.replace(new, old) == recorded.answer


async def test_the_demo_replays_from_a_cassette(tmp_path: Path, tmp_data_dir: Path) -> None:
    cassette = tmp_path / "demo.jsonl"
    with sample_scope("demo", 1):
        recorded = await Team.load(settings=load_settings({"data_dir": str(tmp_path / "d1")})).arun(
            DEMO_TASK, model=DEMO_MODEL, workspace=_workspace(tmp_path / "ws1")
        )
    assert recorded.status == "completed", recorded.error
    with CassetteWriter(cassette, suite="demo", model=DEMO_MODEL) as writer:
        writer.add("demo", 1, recorded.trace)

    with sample_scope("demo", 1) as scope:
        replayed = await Team.load(settings=load_settings({"data_dir": str(tmp_path / "d2")})).arun(
            DEMO_TASK, model=f"replay:{cassette}", workspace=_workspace(tmp_path / "ws2")
        )

    assert replayed.status == "completed", replayed.error
    assert scope.unused == []
    old, new = _trained_id(recorded), _trained_id(replayed)
    assert old != new
    assert replayed.answer.replace(new, old) == recorded.answer
    assert [(r["agent"], r["tool"]) for r in replayed.trace if r["type"] == "tool_call"] == [
        (r["agent"], r["tool"]) for r in recorded.trace if r["type"] == "tool_call"
    ]
    assert not _tool_errors(replayed)


# -- the id map on its own -----------------------------------------------------------------


def test_id_tokens_are_the_ids_the_fingerprint_ignores() -> None:
    text = (
        "model species-logistic-e1dba655 at 2026-11-22T10:57:02Z (10:57:02), run "
        "20261122-112746-c53092, memory 0c4f7a1e-1b2c-4d5e-8f90-a1b2c3d4e5f6, sha "
        "f204db2c753b0937; 12345678 rows; deadbeef; the run r-42"
    )
    assert id_tokens(text, run_id="r-42") == [
        "e1dba655",
        "20261122-112746-c53092",
        "0c4f7a1e-1b2c-4d5e-8f90-a1b2c3d4e5f6",
        "f204db2c753b0937",
    ]


def _ids(output: str) -> ReplayIds:
    return ReplayIds(tools={"a": [{"tool": "train", "output": output}]}, recorded_run="rec-run-1")


def _result(text: str, name: str = "train") -> ToolMessage:
    return ToolMessage(text, tool_call_id="c1", name=name)


def test_ids_pair_in_order_and_map_every_string_of_an_answer() -> None:
    ids = _ids("Trained m-aaaa1111 from data sha 0123456789abcdef (run rec-run-1)")
    live = _result("Trained m-bbbb2222 from data sha fedcba9876543210 (run live-run-9)")
    assert ids.learn("a", [HumanMessage("go"), live], "live-run-9") is None
    assert ids.pairs == {
        "rec-run-1": "live-run-9",
        "aaaa1111": "bbbb2222",
        "0123456789abcdef": "fedcba9876543210",
    }
    answer = AIMessage(
        [{"type": "text", "text": "card of m-aaaa1111 (data 0123456789ab, run rec-run-1)"}],
        tool_calls=[
            {
                "name": "use",
                "args": {"model_id": "m-aaaa1111", "nested": [{"ids": ["aaaa1111", 7]}]},
                "id": "t1",
            }
        ],
        additional_kwargs={"raw": '{"model_id": "m-aaaa1111"}'},
    )
    mapped = ids.apply(answer)
    assert mapped.content == [
        {"type": "text", "text": "card of m-bbbb2222 (data fedcba987654, run live-run-9)"}
    ]
    assert mapped.tool_calls[0]["args"] == {
        "model_id": "m-bbbb2222",
        "nested": [{"ids": ["bbbb2222", 7]}],
    }
    assert mapped.additional_kwargs == {"raw": '{"model_id": "m-bbbb2222"}'}
    # The same results again (the next call of the step) change nothing.
    assert ids.learn("a", [HumanMessage("go"), live], "live-run-9") is None
    assert len(ids.pairs) == 3


def test_results_that_differ_beyond_their_ids_pair_nothing() -> None:
    ids = _ids("Trained m-aaaa1111 on 344 rows")
    assert ids.learn("a", [_result("Trained m-bbbb2222 on 345 rows")], None) is None
    assert ids.learn("a", [_result("x"), _result("y", name="other")], None) is None
    assert ids.pairs == {}
    message = AIMessage("m-aaaa1111")
    assert ids.apply(message) is message


def test_one_recorded_id_with_two_live_ids_is_a_conflict() -> None:
    ids = ReplayIds(
        tools={
            "a": [
                {"tool": "train", "output": "Trained m-aaaa1111"},
                {"tool": "train", "output": "Trained m-aaaa1111 again"},
            ]
        }
    )
    first = _result("Trained m-bbbb2222")
    assert ids.learn("a", [first], None) is None
    conflict = ids.learn("a", [first, _result("Trained m-cccc3333 again")], None)
    assert conflict is not None
    assert (conflict.recorded, conflict.first, conflict.second) == (
        "aaaa1111",
        "bbbb2222",
        "cccc3333",
    )


def _cassette(
    path: Path, calls: list[tuple[list[BaseMessage], AIMessage]], tools: list[Any]
) -> Path:
    from langchain_core.messages import messages_to_dict

    lines = [{"type": "cassette", "version": 1, "suite": "s", "model": "m"}]
    recorded = []
    for n, (request, response) in enumerate(calls, start=1):
        fp = fingerprint(request)
        recorded.append(
            {
                "n": n,
                "agent": "a",
                "step": "",
                "request": fp.digest,
                "request_parts": fp.parts,
                "request_preview": fp.preview,
                "response": messages_to_dict([response])[0],
                "usage": {"input_tokens": 5, "output_tokens": 2, "cost_usd": 0.25},
            }
        )
    lines.append(
        {
            "type": "sample",
            "case_id": "c",
            "epoch": 1,
            "task": "t",
            "calls": recorded,
            "tools": tools,
        }
    )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_the_cassette_model_maps_ids_and_names_a_conflict(tmp_path: Path) -> None:
    start: list[BaseMessage] = [SystemMessage("sys"), HumanMessage("train twice")]
    train = _call("train")
    first = [*start, train, ToolMessage("Trained m-aaaa1111", tool_call_id="t", name="train")]
    use = _call("use", model_id="m-aaaa1111")
    second = [*first, use, ToolMessage("used", tool_call_id="u", name="use")]
    tools = [
        {"agent": "a", "step": "", "tool": "train", "output": "Trained m-aaaa1111"},
        {"agent": "a", "step": "", "tool": "use", "output": "used"},
        {"agent": "a", "step": "", "tool": "train", "output": "Trained m-aaaa1111"},
    ]
    third = [*second, train, ToolMessage("Trained m-aaaa1111", tool_call_id="t2", name="train")]
    path = _cassette(
        tmp_path / "c.jsonl",
        [(start, train), (first, use), (second, train), (third, AIMessage("done"))],
        tools,
    )
    config: Any = {"metadata": {"agentcore_agent": "a"}}
    model = CassetteChatModel.from_file(path)

    assert model.invoke(start, config=config).tool_calls[0]["name"] == "train"
    live = [*start, train, ToolMessage("Trained m-bbbb2222", tool_call_id="t", name="train")]
    answer = model.invoke(live, config=config)
    assert answer.tool_calls[0]["args"] == {"model_id": "m-bbbb2222"}
    assert answer.response_metadata["agentcore_recorded_usage"]["cost_usd"] == 0.25
    live += [answer, ToolMessage("used", tool_call_id="u", name="use")]
    model.invoke(live, config=config)
    again = [*live, train, ToolMessage("Trained m-cccc3333", tool_call_id="t2", name="train")]
    with pytest.raises(ReplayDivergenceError) as info:
        model.invoke(again, config=config)
    error = info.value
    assert (error.case_id, error.agent, error.call) == ("c", "a", 4)
    assert "the recorded id 'aaaa1111' stands for live id 'bbbb2222'" in str(error)
    assert "for 'cccc3333'" in str(error)

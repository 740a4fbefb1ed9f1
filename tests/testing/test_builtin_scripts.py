from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import tool

from agentcore.testing import ScriptedChatModel, _builtins, builtin_scripts, load_script_model


@tool
def submit_plan(steps: list[dict]) -> str:
    """Submit a plan."""
    return "ok"


@tool
def final_answer(answer: str) -> str:
    """Answer at once."""
    return answer


@tool
def think(thought: str) -> str:
    """Think."""
    return "ok"


def cfg(agent: str) -> dict:
    return {"metadata": {"agentcore_agent": agent}}


PLANNER_PROMPT = [
    SystemMessage("You are the planner."),
    HumanMessage("Task:\nWhat is 2 + 2?\n\nAgents you can assign steps to:\n- coder"),
]


def test_echo_planner_answers_with_the_task_via_final_answer():
    model = load_script_model("scripted:echo")
    planner = model.bind_tools([submit_plan, final_answer], tool_choice="any")
    reply = planner.invoke(PLANNER_PROMPT, config=cfg("planner"))
    assert reply.tool_calls[0]["name"] == "final_answer"
    assert reply.tool_calls[0]["args"] == {"answer": "What is 2 + 2?"}
    assert reply.response_metadata["model_name"] == "scripted:echo"


def test_echo_synthesis_and_other_agents_echo_the_task_as_text():
    model = load_script_model("echo")
    synthesis = model.invoke(
        [HumanMessage("Task:\nhello world\n\nResults:\n")], config=cfg("synthesis")
    )
    assert synthesis.content == "hello world"
    coder = model.bind_tools([think]).invoke([HumanMessage("plain task")], config=cfg("coder"))
    assert (coder.content, coder.tool_calls) == ("plain task", [])


def test_loop_plans_one_coder_step_then_thinks_forever_with_distinct_args():
    model = load_script_model("scripted:loop")
    planner = model.bind_tools([submit_plan, final_answer], tool_choice="any")
    plan = planner.invoke(PLANNER_PROMPT, config=cfg("planner")).tool_calls[0]
    assert plan["name"] == "submit_plan"
    assert plan["args"]["steps"] == [
        {"id": "s1", "agent": "coder", "instruction": "Keep checking", "depends_on": []}
    ]
    coder = model.bind_tools([think])
    calls = [coder.invoke("Keep checking", config=cfg("coder")).tool_calls[0] for _ in range(5)]
    assert {c["name"] for c in calls} == {"think"}
    assert [c["args"]["thought"] for c in calls] == [f"iteration {n}" for n in range(1, 6)]
    assert len({c["id"] for c in calls}) == 5


def test_loop_wrap_up_without_tools_says_a_limit_stopped_it():
    model = load_script_model("loop")
    assert "stopped by a limit" in str(model.invoke("wrap up", config=cfg("synthesis")).content)
    # a step wrap-up: the coder is called with no tools
    assert "stopped by a limit" in str(model.invoke("wrap up", config=cfg("coder")).content)


def test_builtin_listing_has_descriptions():
    listing = builtin_scripts()
    assert {"demo", "echo", "loop"} <= set(listing)
    assert all(listing[name] for name in ("demo", "echo", "loop"))


def test_demo_builtin_resolves():
    model = load_script_model("scripted:demo")
    assert model.invoke("x", config=cfg("synthesis")).response_metadata["model_name"] == (
        "scripted:demo"
    )


def test_data_file_builtins_are_discovered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    sample = tmp_path / "sample.yaml"
    sample.write_text("description: a sample\nresponses: [hi from the sample]\n")
    monkeypatch.setattr(_builtins, "_data_scripts", lambda: {"sample": sample})
    model = load_script_model("scripted:sample")
    assert isinstance(model, ScriptedChatModel)
    assert model.invoke("x").content == "hi from the sample"
    assert builtin_scripts()["sample"] == "a sample"


def test_shipped_data_scripts_are_valid():
    shipped = _builtins._data_scripts()
    assert "hello" in shipped
    for name, path in shipped.items():
        assert isinstance(load_script_model(name), ScriptedChatModel), path


def test_hello_plans_two_steps_and_answers_with_the_task():
    model = load_script_model("scripted:hello")
    plan = model.invoke(PLANNER_PROMPT, config=cfg("planner")).tool_calls[0]
    assert [s["agent"] for s in plan["args"]["steps"]] == ["researcher", "coder"]
    answer = model.invoke([HumanMessage("Task:\nsay hi\n\nResults:")], config=cfg("synthesis"))
    assert str(answer.content).endswith("worked on: say hi")

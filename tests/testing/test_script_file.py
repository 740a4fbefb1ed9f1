import json
from pathlib import Path

import pytest

from agentcore.errors import SpecError, UserError
from agentcore.testing import (
    FunctionChatModel,
    ScriptedChatModel,
    load_script_file,
    load_script_model,
)

GOOD = """\
# agentcore script v1
name: my-script
repeat_last: false
agents:
  planner:
    - tool_calls: [{name: submit_plan, args: {steps: [{id: s1, agent: coder, instruction: "go"}]}}]
  coder:
    - content: "working"
      tool_calls: [{name: list_files, args: {path: "."}}]
      usage: {input_tokens: 120, output_tokens: 30}
      latency_s: 0.01
    - content: "done: {task}"
  synthesis:
    - Final answer
"""


def write(tmp_path: Path, text: str, name: str = "script.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_for(tmp_path: Path, text: str, name: str = "script.yaml") -> SpecError:
    path = write(tmp_path, text, name)
    with pytest.raises(SpecError) as info:
        load_script_file(path)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)
    return info.value


def test_a_good_yaml_script_loads_and_plays(tmp_path: Path):
    model = load_script_model(write(tmp_path, GOOD))
    assert isinstance(model, ScriptedChatModel)
    plan = model.invoke("x", config={"metadata": {"agentcore_agent": "planner"}})
    assert plan.tool_calls[0]["args"]["steps"][0]["agent"] == "coder"
    assert plan.response_metadata["model_name"] == "scripted:my-script"
    coder = {"metadata": {"agentcore_agent": "coder"}}
    assert model.invoke("x", config=coder).usage_metadata["input_tokens"] == 120
    assert model.invoke("Task: sum it", config=coder).content == "done: sum it"
    synthesis = {"metadata": {"agentcore_agent": "synthesis"}}
    assert model.invoke("x", config=synthesis).content == "Final answer"


def test_json_and_a_bare_list_work_and_the_name_defaults_to_the_stem(tmp_path: Path):
    data = {"responses": ["a", {"content": "b"}]}
    script = load_script_file(write(tmp_path, json.dumps(data), "flat.json"))
    assert script.name == "flat"
    assert [r.content for r in script.responses or []] == ["a", "b"]
    bare = load_script_file(write(tmp_path, "- one\n- content: two\n", "bare.yml"))
    assert [r.content for r in bare.responses or []] == ["one", "two"]


def test_unknown_field_names_file_line_field_and_the_allowed_fields(tmp_path: Path):
    text = GOOD.replace("      latency_s: 0.01\n", "      latency_s: 0.01\n      contnet: oops\n")
    err = error_for(tmp_path, text)
    assert err.line == 12
    assert err.field == "agents.coder[0].contnet"
    assert f"{err.path}:12: field 'agents.coder[0].contnet': unknown field 'contnet'" in str(err)
    assert err.hint is not None
    assert "allowed: content, tool_calls, structured" in err.hint


def test_a_bad_value_deep_inside_points_at_its_line(tmp_path: Path):
    text = "agents:\n  coder:\n    - content: ok\n    - tool_calls:\n        - args: {a: 1}\n"
    err = error_for(tmp_path, text)
    assert (err.line, err.field) == (5, "agents.coder[1].tool_calls[0].name")
    assert "missing required field 'name'" in str(err)


def test_a_wrong_type_says_what_it_got(tmp_path: Path):
    err = error_for(tmp_path, "responses:\n  - content: hi\n    latency_s: soon\n")
    assert (err.line, err.field) == (3, "responses[0].latency_s")
    assert "'soon'" in str(err)


def test_bare_list_errors_still_map_to_lines(tmp_path: Path):
    err = error_for(tmp_path, "- hi\n- content: x\n  usage: {input_tokens: -1, output_tokens: 2}\n")
    assert err.line == 3
    assert err.field == "responses[1].usage.input_tokens"


def test_script_level_rules(tmp_path: Path):
    both = error_for(tmp_path, "responses: [a]\nagents: {coder: [b]}\n")
    assert "exactly one of `responses`" in str(both)
    assert both.line == 1
    neither = error_for(tmp_path, "name: x\n")
    assert "exactly one of" in str(neither)
    mixed = error_for(tmp_path, "responses:\n  - structured: {a: 1}\n    tool_calls: [{name: t}]\n")
    assert (mixed.line, mixed.field) == (2, "responses[0]")
    assert "not both" in str(mixed)


def test_yaml_syntax_error_has_a_line(tmp_path: Path):
    err = error_for(tmp_path, "agents:\n  coder:\n    - content: [unclosed\n  planner: []\n")
    assert "not valid YAML" in str(err)
    assert err.line is not None and err.line >= 3


def test_json_syntax_error_has_a_line(tmp_path: Path):
    err = error_for(tmp_path, '{\n  "responses": [\n    "a",\n  ]\n}\n', "bad.json")
    assert "not valid JSON" in str(err)
    assert err.line == 4


def test_empty_and_non_mapping_files(tmp_path: Path):
    assert "empty" in str(error_for(tmp_path, "# nothing\n"))
    assert "not str" in str(error_for(tmp_path, "just words\n"))


def test_missing_file_is_a_spec_error_with_a_fix(tmp_path: Path):
    with pytest.raises(SpecError, match="does not exist") as info:
        load_script_file(tmp_path / "nope.yaml")
    assert info.value.hint is not None


def test_load_script_model_resolves_builtins_and_prefixes():
    assert isinstance(load_script_model("echo"), FunctionChatModel)
    assert isinstance(load_script_model("scripted:loop"), FunctionChatModel)


def test_unknown_name_lists_builtins_and_says_paths_must_exist():
    with pytest.raises(UserError) as info:
        load_script_model("scripted:nonesuch")
    message = str(info.value)
    assert "unknown script 'nonesuch'" in message
    assert "built-in scripts: demo, echo, hello, loop" in message
    assert "path of an existing script file" in message


def test_a_missing_path_is_named_as_a_file(tmp_path: Path):
    with pytest.raises(UserError, match=r"script file .*nope\.yaml' does not exist"):
        load_script_model(str(tmp_path / "nope.yaml"))


def test_a_misspelt_key_is_reported_before_the_missing_one_it_causes(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("agents:\n  planner:\n    - tool_calls: [{nme: x}]\n")
    with pytest.raises(SpecError) as info:
        load_script_file(path)
    assert "unknown field 'nme'" in str(info.value)
    assert info.value.line == 3

"""Loading agent files: the happy path, override order, and every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcore.agents import AgentSpec, load_agent, load_agents
from agentcore.errors import ConfigError, SpecError, UserError

GOOD = """\
---
name: analyst
description: Reads CSV files and reports summary statistics
tools: [think, read_file]
max_iterations: 6
temperature: 0.3
model: openai:gpt-4o-mini
tags: [data]
---

You analyse data files.
"""


def write(folder: Path, filename: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def agent(name: str, *, role: str = "worker", body: str = "Do the work.") -> str:
    return f"---\nname: {name}\ndescription: The {name} agent\nrole: {role}\n---\n{body}\n"


# --- the happy path ---------------------------------------------------------------------


def test_loads_every_field(tmp_path: Path) -> None:
    path = write(tmp_path, "analyst.md", GOOD)
    spec = load_agent(path)
    assert spec == AgentSpec(
        name="analyst",
        description="Reads CSV files and reports summary statistics",
        role="worker",
        model="openai:gpt-4o-mini",
        tools=("think", "read_file"),
        max_iterations=6,
        temperature=0.3,
        tags=("data",),
        prompt="You analyse data files.",
        source=path,
    )


def test_defaults_and_prompt_is_stripped(tmp_path: Path) -> None:
    text = "---\nname: helper\ndescription: Helps\n---\n\n\n  Line one.\n\n  Line two.\n\n"
    spec = load_agent(write(tmp_path, "helper.md", text))
    assert (spec.role, spec.model, spec.tools, spec.max_iterations) == ("worker", None, (), None)
    assert (spec.temperature, spec.tags) == (None, ())
    assert spec.prompt == "Line one.\n\n  Line two."


def test_crlf_and_bom_are_accepted(tmp_path: Path) -> None:
    text = "\ufeff" + GOOD.replace("\n", "\r\n")
    spec = load_agent(write(tmp_path, "analyst.md", text.encode("utf-8")))
    assert spec.name == "analyst"
    assert spec.prompt == "You analyse data files."


def test_body_may_contain_horizontal_rules(tmp_path: Path) -> None:
    text = agent("helper", body="Part one.\n\n---\n\nPart two.")
    assert load_agent(write(tmp_path, "helper.md", text)).prompt == "Part one.\n\n---\n\nPart two."


def test_specs_are_frozen(tmp_path: Path) -> None:
    spec = load_agent(write(tmp_path, "analyst.md", GOOD))
    with pytest.raises(ValueError, match="frozen"):
        spec.name = "other"  # type: ignore[misc]
    assert hash(spec) == hash(load_agent(tmp_path / "analyst.md"))


def test_to_markdown_round_trips(tmp_path: Path) -> None:
    spec = load_agent(write(tmp_path / "a", "analyst.md", GOOD))
    again = load_agent(write(tmp_path / "b", "analyst.md", spec.to_markdown()))
    assert again.model_copy(update={"source": None}) == spec.model_copy(update={"source": None})


# --- directories and override order --------------------------------------------------------


def test_later_directories_override_earlier_ones(tmp_path: Path) -> None:
    builtin, user, team = tmp_path / "builtin", tmp_path / "user", tmp_path / "team"
    write(builtin, "planner.md", agent("planner", role="planner"))
    write(builtin, "coder.md", agent("coder", body="built-in coder"))
    write(user, "coder.md", agent("coder", body="user coder"))
    write(user, "analyst.md", agent("analyst", body="user analyst"))
    write(team, "analyst.md", agent("analyst", body="team analyst"))

    specs = load_agents([builtin, user, team])

    assert list(specs) == ["coder", "planner", "analyst"]
    assert specs["coder"].prompt == "user coder"
    assert specs["coder"].source == user / "coder.md"
    assert specs["analyst"].prompt == "team analyst"
    assert specs["planner"].source == builtin / "planner.md"

    reversed_order = load_agents([team, user, builtin])
    assert reversed_order["coder"].prompt == "built-in coder"
    assert reversed_order["analyst"].prompt == "user analyst"


def test_readme_hidden_files_and_other_extensions_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "# My agents\n")
    write(tmp_path, ".#coder.md", "editor lock file")
    write(tmp_path, "notes.txt", "not an agent")
    (tmp_path / "sub.md").mkdir()
    write(tmp_path, "coder.md", agent("coder"))
    assert list(load_agents([tmp_path])) == ["coder"]


def test_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "my_agents"
    with pytest.raises(ConfigError) as info:
        load_agents([missing])
    assert str(missing) in str(info.value)
    assert "agent_dirs" in (info.value.hint or "")


def test_first_bad_file_stops_loading(tmp_path: Path) -> None:
    write(tmp_path, "coder.md", agent("coder"))
    write(tmp_path, "broken.md", "no frontmatter here\n")
    with pytest.raises(SpecError) as info:
        load_agents([tmp_path])
    assert info.value.path == str(tmp_path / "broken.md")


# --- every kind of bad file ----------------------------------------------------------------

# (id, file name, content, line, field, text in the message, text in the hint)
BAD: list[tuple[str, str, str | bytes, int | None, str | None, str, str]] = [
    (
        "no-opening-fence",
        "helper.md",
        "name: helper\ndescription: Helps\n---\nBody\n",
        1,
        None,
        "first line must be '---'",
        "a '---' line, YAML fields, a '---' line, then the prompt",
    ),
    (
        "empty-file",
        "helper.md",
        "",
        1,
        None,
        "missing YAML frontmatter",
        "then the prompt",
    ),
    (
        "no-closing-fence",
        "helper.md",
        "---\nname: helper\ndescription: Helps\nBody\n",
        1,
        None,
        "never closed",
        "add a '---' line after the last field",
    ),
    (
        "invalid-yaml",
        "helper.md",
        "---\nname: helper\ndescription: Helps: a lot\n---\nBody\n",
        3,
        None,
        "invalid YAML in the frontmatter: mapping values are not allowed here",
        "quote values that contain ': '",
    ),
    (
        "tab-indent",
        "helper.md",
        "---\nname: helper\ndescription: Helps\ntools:\n\t- think\n---\nBody\n",
        5,
        None,
        "invalid YAML",
        "spaces, not tabs",
    ),
    (
        "frontmatter-not-mapping",
        "helper.md",
        "---\n- name\n- description\n---\nBody\n",
        2,
        None,
        "must be 'field: value' lines, not a list",
        "YAML fields",
    ),
    (
        "unknown-field",
        "helper.md",
        "---\nname: helper\ndescription: Helps\ntoolz: [think]\n---\nBody\n",
        4,
        "toolz",
        "unknown field 'toolz'",
        "did you mean 'tools'? allowed fields: name, description, role, model, tools, "
        "max_iterations, temperature, tags",
    ),
    (
        "unknown-field-no-close-match",
        "helper.md",
        "---\nname: helper\ndescription: Helps\ncolor: purple\n---\nBody\n",
        4,
        "color",
        "unknown field 'color'",
        "allowed fields: name, description",
    ),
    (
        "prompt-in-frontmatter",
        "helper.md",
        "---\nname: helper\ndescription: Helps\nprompt: Be nice\n---\nBody\n",
        4,
        "prompt",
        "unknown field 'prompt'",
        "the Markdown body after the closing '---'",
    ),
    (
        "llm-alias",
        "helper.md",
        "---\nname: helper\ndescription: Helps\nllm: gpt-4o\n---\nBody\n",
        4,
        "llm",
        "unknown field 'llm'",
        "use 'model' instead",
    ),
    (
        "duplicate-field",
        "helper.md",
        "---\nname: helper\ndescription: Helps\ndescription: Helps more\n---\nBody\n",
        4,
        "description",
        "'description' is set twice (lines 3 and 4)",
        "keep one of them",
    ),
    (
        "missing-description",
        "helper.md",
        "---\nname: helper\ntools: [think]\n---\nBody\n",
        1,
        "description",
        "required field 'description' is missing",
        "description: ",
    ),
    (
        "missing-name",
        "helper.md",
        "---\ndescription: Helps\n---\nBody\n",
        1,
        "name",
        "required field 'name' is missing",
        "name: helper",
    ),
    (
        "tools-not-a-list",
        "helper.md",
        "---\nname: helper\ndescription: Helps\ntools: think, read_file\n---\nBody\n",
        4,
        "tools",
        "must be a list (got 'think, read_file')",
        "tools: [think, read_file]",
    ),
    (
        "tool-item-not-a-string",
        "helper.md",
        "---\nname: helper\ndescription: Helps\ntools:\n  - think\n  - 42\n---\nBody\n",
        6,
        "tools",
        "item 2 must be text (got 42)",
        "YAML list of registered tool names",
    ),
    (
        "duplicate-tool",
        "helper.md",
        "---\nname: helper\ndescription: Helps\ntools: [think, think]\n---\nBody\n",
        4,
        "tools",
        "'think' is listed twice",
        "list each tool once",
    ),
    (
        "max-iterations-negative",
        "helper.md",
        "---\nname: helper\ndescription: Helps\nmax_iterations: -3\n---\nBody\n",
        4,
        "max_iterations",
        "must be a positive whole number (got -3)",
        "max_iterations: 8",
    ),
    (
        "max-iterations-zero",
        "helper.md",
        "---\nname: helper\ndescription: Helps\nmax_iterations: 0\n---\nBody\n",
        4,
        "max_iterations",
        "must be a positive whole number (got 0)",
        "limits.max_iterations",
    ),
    (
        "max-iterations-quoted",
        "helper.md",
        '---\nname: helper\ndescription: Helps\nmax_iterations: "5"\n---\nBody\n',
        4,
        "max_iterations",
        "must be a whole number (got '5')",
        "positive whole number",
    ),
    (
        "max-iterations-bool",
        "helper.md",
        "---\nname: helper\ndescription: Helps\nmax_iterations: yes\n---\nBody\n",
        4,
        "max_iterations",
        "must be a whole number (got True)",
        "positive whole number",
    ),
    (
        "temperature-too-high",
        "helper.md",
        "---\nname: helper\ndescription: Helps\ntemperature: 3\n---\nBody\n",
        4,
        "temperature",
        "must be less than or equal to 2 (got 3)",
        "a number from 0 to 2",
    ),
    (
        "temperature-not-a-number",
        "helper.md",
        "---\nname: helper\ndescription: Helps\ntemperature: warm\n---\nBody\n",
        4,
        "temperature",
        "must be a number (got 'warm')",
        "from 0 to 2",
    ),
    (
        "bad-role",
        "helper.md",
        "---\nname: helper\ndescription: Helps\nrole: boss\n---\nBody\n",
        4,
        "role",
        "must be 'planner' or 'worker' (got 'boss')",
        "role: worker",
    ),
    (
        "bad-model",
        "helper.md",
        "---\nname: helper\ndescription: Helps\nmodel: gpt-4o\n---\nBody\n",
        4,
        "model",
        "must look like 'provider:model' (got 'gpt-4o')",
        "model: openai:gpt-4o-mini",
    ),
    (
        "multi-line-description",
        "helper.md",
        "---\nname: helper\ndescription: |\n  Helps.\n  A lot.\n---\nBody\n",
        3,
        "description",
        "must be a single line",
        "write one line",
    ),
    (
        "empty-description",
        "helper.md",
        '---\nname: helper\ndescription: ""\n---\nBody\n',
        3,
        "description",
        "must not be empty (got '')",
        "write one line",
    ),
    (
        "description-too-long",
        "helper.md",
        "---\nname: helper\ndescription: " + "word " * 80 + "\n---\nBody\n",
        3,
        "description",
        "must have at most 300 characters (got 'word word word",
        "write one line",
    ),
    (
        "name-not-snake-case",
        "DataAnalyst.md",
        "---\nname: DataAnalyst\ndescription: Helps\n---\nBody\n",
        2,
        "name",
        "must be snake_case",
        "use name: data_analyst, and rename the file to data_analyst.md",
    ),
    (
        "name-with-hyphens",
        "data-analyst.md",
        "---\nname: data-analyst\ndescription: Helps\n---\nBody\n",
        2,
        "name",
        "must be snake_case",
        "use name: data_analyst, and rename the file to data_analyst.md",
    ),
    (
        "name-reserved",
        "synthesis.md",
        "---\nname: synthesis\ndescription: Helps\n---\nBody\n",
        2,
        "name",
        "'synthesis' is reserved",
        "choose another name",
    ),
    (
        "name-does-not-match-file",
        "helper.md",
        "---\ndescription: Helps\nname: assistant\n---\nBody\n",
        3,
        "name",
        "name 'assistant' does not match the file name 'helper.md'",
        "rename the file to assistant.md, or set name: helper",
    ),
    (
        "planner-with-tools",
        "boss.md",
        "---\nname: boss\ndescription: Plans\nrole: planner\ntools: [think]\n---\nBody\n",
        5,
        "tools",
        "the planner takes no tools: the graph gives it submit_plan and final_answer",
        "remove the tools line",
    ),
    (
        "empty-prompt",
        "helper.md",
        "---\nname: helper\ndescription: Helps\n---\n\n   \n",
        4,
        "prompt",
        "the prompt is empty",
        "below the closing '---'",
    ),
    (
        "prompt-missing-at-end-of-file",
        "helper.md",
        "---\nname: helper\ndescription: Helps\n---",
        4,
        "prompt",
        "the prompt is empty",
        "instructions as Markdown",
    ),
    (
        "several-problems",
        "helper.md",
        "---\nname: helper\ndescription: Helps\nmax_iterations: -1\ntemperature: 9\n---\nBody\n",
        4,
        "max_iterations",
        "; 1 more problem in this file",
        "positive whole number",
    ),
    (
        "not-utf8",
        "helper.md",
        b"---\nname: helper\ndescription: caf\xe9\n---\nBody\n",
        None,
        None,
        "not UTF-8",
        "save it as UTF-8",
    ),
]


@pytest.mark.parametrize(
    ("filename", "content", "line", "field", "in_message", "in_hint"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD],
)
def test_bad_files_name_file_line_field_and_fix(
    tmp_path: Path,
    filename: str,
    content: str | bytes,
    line: int | None,
    field: str | None,
    in_message: str,
    in_hint: str,
) -> None:
    path = write(tmp_path, filename, content)
    with pytest.raises(SpecError) as info:
        load_agent(path)
    err = info.value
    assert isinstance(err, UserError)
    assert err.path == str(path)
    assert err.line == line
    assert err.field == field
    assert in_message in err.message
    assert in_hint in (err.hint or "")
    assert len(err.message) < 200  # long values are shortened, not echoed whole
    # The one-line rendering the CLI prints leads with file:line.
    where = str(path) if line is None else f"{path}:{line}"
    assert str(err).startswith(f"{where}: ")
    if field is not None:
        assert f"field '{field}'" in str(err)


def test_unknown_field_line_points_at_the_key_not_the_value(tmp_path: Path) -> None:
    text = "---\nname: helper\ndescription: Helps\ntool_list:\n  - think\n---\nBody\n"
    with pytest.raises(SpecError) as info:
        load_agent(write(tmp_path, "helper.md", text))
    assert (info.value.line, info.value.field) == (4, "tool_list")


def test_unreadable_file_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_agent(tmp_path / "nope.md")
    assert info.value.path == str(tmp_path / "nope.md")
    assert "cannot read" in info.value.message


def test_a_misspelt_field_is_reported_before_the_missing_one_it_causes(tmp_path):
    from agentcore.agents import load_agent
    from agentcore.errors import SpecError

    path = tmp_path / "helper.md"
    path.write_text("---\nname: helper\ndescripton: helps\n---\nHelp.\n")
    with pytest.raises(SpecError) as info:
        load_agent(path)
    assert info.value.field == "descripton" and info.value.line == 3
    assert "did you mean 'description'" in str(info.value)

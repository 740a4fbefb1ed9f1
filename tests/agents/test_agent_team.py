"""validate_team: tools must be registered; exactly one planner; at least one worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcore.agents import AgentSpec, load_agents, validate_team
from agentcore.errors import SpecError

TOOLS = {"think", "list_files", "read_file", "write_file", "search_files"}

PLANNER = "---\nname: planner\ndescription: Plans\nrole: planner\n---\nPlan.\n"


def spec(name: str, *, role: str = "worker", tools: tuple[str, ...] = ()) -> AgentSpec:
    return AgentSpec(name=name, description=f"The {name}", role=role, tools=tools, prompt="Go.")


def test_a_valid_team_passes_as_mapping_or_iterable() -> None:
    team = [spec("planner", role="planner"), spec("coder", tools=("think", "write_file"))]
    validate_team(team, tool_names=TOOLS)
    validate_team({s.name: s for s in team}, tool_names=TOOLS)


def test_unknown_tool_names_file_line_field_closest_and_registered(tmp_path: Path) -> None:
    (tmp_path / "planner.md").write_text(PLANNER)
    (tmp_path / "coder.md").write_text(
        "---\nname: coder\ndescription: Codes\ntools:\n  - think\n  - wirte_file\n---\nCode.\n"
    )
    with pytest.raises(SpecError) as info:
        validate_team(load_agents([tmp_path]), tool_names=TOOLS)
    err = info.value
    assert err.path == str(tmp_path / "coder.md")
    assert err.line == 6
    assert err.field == "tools"
    assert "unknown tool 'wirte_file'" in err.message
    assert err.hint is not None
    assert "did you mean 'write_file'?" in err.hint
    assert "registered tools: list_files, read_file, search_files, think, write_file" in err.hint
    assert str(err).startswith(f"{tmp_path / 'coder.md'}:6: field 'tools': ")


def test_unknown_tool_without_a_close_match_points_at_plugins() -> None:
    team = [spec("planner", role="planner"), spec("scout", tools=("web_search",))]
    with pytest.raises(SpecError) as info:
        validate_team(team, tool_names=TOOLS)
    assert (info.value.path, info.value.line, info.value.field) == (None, None, "tools")
    assert "did you mean" not in (info.value.hint or "")
    assert "agentcore plugins list" in (info.value.hint or "")


def test_unknown_tool_with_no_tools_registered() -> None:
    team = [spec("planner", role="planner"), spec("coder", tools=("think",))]
    with pytest.raises(SpecError, match="registered tools: none"):
        validate_team(team, tool_names=())


def test_no_planner() -> None:
    with pytest.raises(SpecError) as info:
        validate_team([spec("coder"), spec("researcher")], tool_names=TOOLS)
    assert info.value.field == "role"
    assert "exactly one agent needs role: planner" in info.value.message
    assert "planner.md" in (info.value.hint or "")


def test_two_planners_names_the_second_file_and_its_role_line(tmp_path: Path) -> None:
    builtin, mine = tmp_path / "builtin", tmp_path / "mine"
    builtin.mkdir()
    mine.mkdir()
    (builtin / "planner.md").write_text(PLANNER)
    (builtin / "coder.md").write_text("---\nname: coder\ndescription: Codes\n---\nCode.\n")
    (mine / "boss.md").write_text(
        "---\nname: boss\ndescription: Also plans\n\nrole: planner\n---\nPlan.\n"
    )
    with pytest.raises(SpecError) as info:
        validate_team(load_agents([builtin, mine]), tool_names=TOOLS)
    err = info.value
    assert (err.path, err.line, err.field) == (str(mine / "boss.md"), 5, "role")
    assert "'planner'" in err.message
    assert "'boss'" in err.message
    assert "a team has exactly one" in err.message
    assert "name your file planner.md" in (err.hint or "")


def test_overriding_the_builtin_planner_keeps_one_planner(tmp_path: Path) -> None:
    builtin, mine = tmp_path / "builtin", tmp_path / "mine"
    builtin.mkdir()
    mine.mkdir()
    (builtin / "planner.md").write_text(PLANNER)
    (builtin / "coder.md").write_text("---\nname: coder\ndescription: Codes\n---\nCode.\n")
    (mine / "planner.md").write_text(PLANNER.replace("Plan.", "My own planning rules."))
    specs = load_agents([builtin, mine])
    validate_team(specs, tool_names=TOOLS)
    assert specs["planner"].prompt == "My own planning rules."


def test_planner_alone_is_not_a_team() -> None:
    with pytest.raises(SpecError, match="no workers") as info:
        validate_team([spec("planner", role="planner")], tool_names=TOOLS)
    assert info.value.field == "role"


def test_duplicate_names_in_an_iterable() -> None:
    team = [spec("planner", role="planner"), spec("coder"), spec("coder")]
    with pytest.raises(SpecError, match="two agents are named 'coder'"):
        validate_team(team, tool_names=TOOLS)


def test_programmatic_planner_with_tools_is_rejected() -> None:
    with pytest.raises(ValueError, match="the planner takes no tools"):
        spec("planner", role="planner", tools=("think",))

"""``trajectory``: agentevals' match modes over agents and tool calls, argument modes and
per-tool overrides, and explanations that name the first difference."""

from __future__ import annotations

from typing import Any

import pytest
from samples import Call, build_trace, call_records, make_sample, step

from agentcore.errors import SpecError
from agentcore.evals import Sample
from agentcore.evals.scorers import Trajectory

CALLS = [
    Call("sql_schema", {"table": "flights"}, agent="analyst"),
    Call("sql_query", {"sql": "SELECT 1", "max_rows": 50}, agent="analyst"),
    Call("write_file", {"path": "out.md", "content": "# Report"}, agent="writer"),
]


def run(agents: tuple[str, ...] = ("planner", "analyst", "writer"), calls: Any = CALLS) -> Sample:
    return make_sample("done", agents=agents, calls=calls)


async def score(sample: Sample, **options: Any) -> tuple[bool, str, float]:
    result = await Trajectory.model_validate(options).score(sample)
    return result.passed, result.explanation, result.value


# --- agents ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "expected", "passes"),
    [
        ("strict", ["planner", "analyst", "writer"], True),
        ("strict", ["planner", "writer", "analyst"], False),
        ("unordered", ["writer", "planner", "analyst"], True),
        ("unordered", ["writer", "planner"], False),
        ("superset", ["analyst", "writer"], True),  # ran at least these
        ("superset", ["analyst", "critic"], False),
        ("subset", ["planner", "analyst", "writer", "critic"], True),  # ran nothing else
        ("subset", ["planner", "analyst"], False),
    ],
)
async def test_agent_modes(mode: str, expected: list[str], passes: bool) -> None:
    passed, _, value = await score(run(), agents=expected, trajectory_match_mode=mode)
    assert passed is passes
    assert (value == 1.0) is passes


async def test_agent_explanations_name_the_first_difference() -> None:
    assert (await score(run(), agents=["planner", "writer", "analyst"]))[1] == (
        "agent 2: got analyst, expected writer"
    )
    assert (await score(run(), agents=["planner", "analyst"]))[1] == (
        "unexpected agent writer after the expected 2"
    )
    assert (await score(run(), agents=["planner", "analyst", "writer", "critic"]))[1] == (
        "missing agent critic (only 3 ran)"
    )
    assert (await score(run(), agents=["critic"], mode="superset"))[1] == "missing agent critic"
    assert (await score(run(), agents=["planner"], mode="subset"))[1] == "unexpected agent analyst"


async def test_repeated_agents_count() -> None:
    twice = run(agents=("planner", "analyst", "analyst"))
    assert not (await score(twice, agents=["planner", "analyst"], mode="unordered"))[0]
    assert (await score(twice, agents=["analyst", "planner", "analyst"], mode="unordered"))[0]
    assert (await score(twice, agents=["analyst", "analyst"], mode="superset"))[0]


# --- tool calls -----------------------------------------------------------------------------


async def test_tool_names_only() -> None:
    assert (await score(run(), tools=["sql_schema", "sql_query", "write_file"]))[0]
    passed, why, value = await score(run(), tools=["sql_query", "sql_schema", "write_file"])
    assert not passed and why.startswith("tool call 1: got sql_schema by analyst")
    assert value == pytest.approx(1 / 3)
    assert (await score(run(), tools=["sql_query"], mode="superset"))[0]


@pytest.mark.parametrize(
    ("args_mode", "args", "passes"),
    [
        ("exact", {"sql": "SELECT 1", "max_rows": 50}, True),
        ("exact", {"sql": "SELECT 1"}, False),
        ("superset", {"sql": "SELECT 1"}, True),  # the call has at least these arguments
        ("superset", {"sql": "SELECT 2"}, False),
        ("subset", {"sql": "SELECT 1", "max_rows": 50, "timeout": 5}, True),  # nothing else
        ("subset", {"sql": "SELECT 1"}, False),
        ("ignore", {"sql": "anything"}, True),
    ],
)
async def test_tool_args_modes(args_mode: str, args: dict[str, Any], passes: bool) -> None:
    tools = [{"tool": "sql_query", "args": args}]
    passed, _, _ = await score(
        run(), tools=tools, trajectory_match_mode="superset", tool_args_match_mode=args_mode
    )
    assert passed is passes


async def test_per_tool_overrides_mode_and_keys() -> None:
    expected = [
        {"tool": "sql_query", "args": {"sql": "SELECT 1"}},
        {"tool": "write_file", "args": {"path": "out.md", "content": "different"}},
    ]
    options = {"expected": expected, "mode": "superset"}
    assert not (await score(run(), **options))[0]
    overrides = {"sql_query": "superset", "write_file": ["path"]}
    assert (await score(run(), **options, tool_args_match_overrides=overrides))[0]
    wrong_key = {"sql_query": "superset", "write_file": ["content"]}
    passed, why, _ = await score(run(), **options, tool_args_match_overrides=wrong_key)
    assert not passed and why.startswith('missing tool call write_file {"content": "different"')


async def test_nested_keys_in_overrides() -> None:
    calls = [Call("search", {"query": {"text": "delays", "k": 5}})]
    sample = run(agents=(), calls=calls)
    expected = [{"tool": "search", "args": {"query": {"text": "delays", "k": 10}}}]
    assert not (await score(sample, expected=expected))[0]
    keys = {"search": ["query.text"]}
    assert (await score(sample, expected=expected, tool_args_match_overrides=keys))[0]


async def test_tool_items_may_name_their_agent_and_omit_args() -> None:
    expected = [{"tool": "write_file", "agent": "writer"}]
    assert (await score(run(), expected=expected, mode="superset"))[0]
    wrong = [{"tool": "write_file", "agent": "analyst"}]
    passed, why, _ = await score(run(), expected=wrong, mode="superset")
    assert not passed and why == "missing tool call write_file by analyst"


async def test_matching_is_not_greedy() -> None:
    # The first expected item fits both calls; first-fit pairing would take the wrong one.
    calls = [Call("q", {"a": 1, "b": 2}), Call("q", {"a": 1})]
    expected = [{"tool": "q", "args": {"a": 1}}, {"tool": "q", "args": {"a": 1, "b": 2}}]
    sample = run(agents=(), calls=calls)
    assert (
        await score(sample, expected=expected, mode="unordered", tool_args_match_mode="superset")
    )[0]


# --- agents and tools together, from the case -----------------------------------------------


async def test_expected_from_the_case_checks_agents_and_tools() -> None:
    expected = [{"agent": "planner"}, {"agent": "analyst"}, {"tool": "sql_query"}]
    sample = make_sample("done", expected=expected, agents=("planner", "analyst"), calls=[CALLS[1]])
    result = await Trajectory().score(sample)
    assert result.passed and result.explanation == "agents and tools match (strict)"
    wrong_agents = make_sample(
        "done", expected=expected, agents=("planner", "writer"), calls=[CALLS[1]]
    )
    result = await Trajectory().score(wrong_agents)
    assert not result.passed and result.value == pytest.approx(0.75)  # agents 1/2, tools 1/1
    assert result.explanation == "agent 2: got writer, expected analyst"


async def test_interleaved_trace_from_the_graph() -> None:
    trace = [
        step("planner"),
        step("analyst"),
        *call_records(Call("sql_query", {"sql": "SELECT 1"}, agent="analyst")),
        step("writer"),
        *call_records(Call("write_file", {"path": "a"}, agent="writer")),
    ]
    sample = make_sample("x", trace=trace)
    assert (await score(sample, agents=["planner", "analyst", "writer"]))[0]
    assert (await score(sample, tools=["sql_query", "write_file"]))[0]


async def test_only_tools_expected_leaves_agents_unchecked() -> None:
    sample = run(agents=("anyone",))
    assert (await score(sample, tools=["sql_schema", "sql_query", "write_file"]))[0]


async def test_an_empty_tools_list_leaves_tools_unchecked() -> None:
    assert (await score(make_sample("x", trace=build_trace(agents=["a"])), agents=["a"]))[0]
    passed, why, _ = await score(
        run(), expected={"agents": ["planner", "analyst", "writer"], "tools": []}
    )
    assert passed and why == "agents match (strict)"


async def test_a_bad_expectation_in_the_case_is_a_spec_error() -> None:
    sample = make_sample("x", expected=["planner"])
    with pytest.raises(SpecError, match=r"case 'c1': trajectory: item 0 must be \{agent: NAME\}"):
        await Trajectory().score(sample)

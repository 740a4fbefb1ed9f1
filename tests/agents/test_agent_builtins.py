"""The built-in agents: they load, validate, say what they must, and match their snapshots.

Snapshots live in tests/agents/snapshots/NAME.txt and hold ``AgentSpec.to_markdown()`` of each
built-in agent. After a deliberate prompt change, refresh them with::

    AGENTCORE_UPDATE_SNAPSHOTS=1 uv run pytest tests/agents
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentcore.agents import (
    AgentSpec,
    agent_json_schema,
    builtin_agents_dir,
    load_agents,
    validate_team,
)
from agentcore.plugins import load_registry

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("AGENTCORE_UPDATE_SNAPSHOTS") == "1"
FILE_TOOLS = ("list_files", "read_file", "write_file", "search_files")
SQL_TOOLS = ("sql_load", "sql_schema", "sql_query")
ML_TOOLS = (
    "train_model",
    "evaluate_model",
    "predict",
    "leakage_check",
    "detect_drift",
    "fairness_report",
    "model_card",
)


MEMORY_TOOLS = ("recall", "remember")


@pytest.fixture(scope="module")
def builtins() -> dict[str, AgentSpec]:
    return load_agents([builtin_agents_dir()])


def test_builtin_dir_is_the_repo_agents_folder_in_a_checkout() -> None:
    assert builtin_agents_dir() == Path(__file__).resolve().parents[2] / "agents"


def test_the_four_builtins_load(builtins: dict[str, AgentSpec]) -> None:
    assert sorted(builtins) == ["coder", "ml_specialist", "planner", "researcher"]
    for spec in builtins.values():
        assert spec.source == builtin_agents_dir() / f"{spec.name}.md"


def test_roles_and_tools(builtins: dict[str, AgentSpec]) -> None:
    assert {name for name, s in builtins.items() if s.role == "planner"} == {"planner"}
    assert builtins["planner"].tools == ()
    assert builtins["researcher"].tools == (
        "think",
        "list_files",
        "read_file",
        "search_files",
        *SQL_TOOLS,
        "rag_search",
        "web_search",
        *MEMORY_TOOLS,
    )
    assert builtins["coder"].tools == (
        "think",
        *FILE_TOOLS,
        "run_python",
        *SQL_TOOLS,
        *MEMORY_TOOLS,
    )
    assert builtins["ml_specialist"].tools == (
        "think",
        *FILE_TOOLS,
        "run_python",
        *ML_TOOLS,
        *MEMORY_TOOLS,
    )


def test_builtins_leave_model_settings_to_the_run(builtins: dict[str, AgentSpec]) -> None:
    # Some reasoning models reject any temperature; built-ins must work with every model.
    for spec in builtins.values():
        assert (spec.model, spec.temperature, spec.max_iterations) == (None, None, None)


def test_builtins_validate_against_the_stated_tools(builtins: dict[str, AgentSpec]) -> None:
    stated = {"think", *FILE_TOOLS, "run_python", *SQL_TOOLS, *ML_TOOLS, *MEMORY_TOOLS}
    validate_team(builtins, tool_names=stated | {"rag_search", "web_search"})


def test_builtins_validate_against_the_real_registry(builtins: dict[str, AgentSpec]) -> None:
    validate_team(builtins, tool_names=load_registry().tools)


def test_worker_prompts_say_how_to_end_a_step(builtins: dict[str, AgentSpec]) -> None:
    for name in ("researcher", "coder", "ml_specialist"):
        prompt = " ".join(builtins[name].prompt.split())
        assert "reply without calling a tool" in prompt, name
        assert "the only thing the rest of the team will see" in prompt, name
        assert "Use the tools you are given" in prompt, name


def test_planner_prompt_covers_the_protocol(builtins: dict[str, AgentSpec]) -> None:
    prompt = " ".join(builtins["planner"].prompt.split())
    for phrase in (
        "submit_plan(steps)",
        "final_answer(answer)",
        "`id`",
        "`agent`",
        "`instruction`",
        "`depends_on`",
        "run at the same time, in parallel",
        "sees its own instruction and the results of the steps it depends on",
        "new plan replaces every step that has not finished",
        "ids already used in this run cannot be reused",
        "Re-planning",
        "Do not repeat steps that already succeeded",
    ):
        assert phrase in prompt, phrase


def test_ml_specialist_prompt_covers_the_discipline(builtins: dict[str, AgentSpec]) -> None:
    prompt = " ".join(builtins["ml_specialist"].prompt.split()).lower()
    for phrase in (
        "fitted on training data only",
        "inside every fold",
        "target leakage",
        "train on the past and evaluate on the future",
        "k-fold cross-validation",
        "stratified",
        "trivial baseline",
        "bootstrap 95% interval",
        "random seeds",
        "fingerprint",
        "library versions",
        "population stability index",
        "concept drift",
        "per group",
        "model card",
        "never report a metric",
    ):
        assert phrase in prompt, phrase


def test_prompts_are_substantial(builtins: dict[str, AgentSpec]) -> None:
    for spec in builtins.values():
        assert len(spec.prompt) > 2000, spec.name
        assert len(spec.description) <= 160, spec.name


def test_schema_describes_the_frontmatter(builtins: dict[str, AgentSpec]) -> None:
    schema = agent_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert list(schema["properties"]) == [
        "name",
        "description",
        "role",
        "model",
        "tools",
        "max_iterations",
        "temperature",
        "tags",
    ]
    assert schema["required"] == ["name", "description"]
    assert schema["properties"]["role"]["enum"] == ["planner", "worker"]
    assert "prompt" not in schema["properties"]
    for prop in schema["properties"].values():
        assert prop["description"]
    for spec in builtins.values():
        front = spec.model_dump(exclude={"prompt"}, exclude_defaults=True)
        assert set(front) <= set(schema["properties"])


@pytest.mark.parametrize("name", ["coder", "ml_specialist", "planner", "researcher"])
def test_rendered_spec_matches_snapshot(builtins: dict[str, AgentSpec], name: str) -> None:
    rendered = builtins[name].to_markdown()
    snapshot = SNAPSHOTS / f"{name}.txt"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        snapshot.write_text(rendered, encoding="utf-8", newline="\n")
    assert snapshot.is_file(), f"no snapshot; create it with AGENTCORE_UPDATE_SNAPSHOTS=1: {name}"
    assert rendered == snapshot.read_text(encoding="utf-8"), (
        f"{name}'s rendered spec changed; if that is intended, refresh the snapshots with "
        "AGENTCORE_UPDATE_SNAPSHOTS=1 uv run pytest tests/agents"
    )


def test_no_stale_snapshots(builtins: dict[str, AgentSpec]) -> None:
    assert {p.stem for p in SNAPSHOTS.glob("*.txt")} == set(builtins)


def _fake_package(root: Path) -> Path:
    """A fake install tree holding the agentcore package; returns the package folder."""
    package = root / "agentcore"
    package.mkdir(parents=True)
    return package


def test_builtin_dir_in_an_installed_wheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentcore import _data

    site = tmp_path / "site-packages"
    monkeypatch.setattr(_data, "_PACKAGE", _fake_package(site))
    (site / "agentcore" / "_data" / "agents").mkdir(parents=True)
    (site / "agents").mkdir()  # another distribution's top-level package must not win
    assert builtin_agents_dir() == site / "agentcore" / "_data" / "agents"


def test_builtin_dir_ignores_a_foreign_agents_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentcore import _data
    from agentcore.errors import ConfigError

    site = tmp_path / "site-packages"
    monkeypatch.setattr(_data, "_PACKAGE", _fake_package(site))
    (site / "agents").mkdir()  # e.g. the openai-agents distribution's import package
    with pytest.raises(ConfigError, match="built-in agent files are missing"):
        builtin_agents_dir()

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from agentcore_sql import SqlOptions, options, scratch_schema, sql_load, sql_query, sql_schema

from agentcore.errors import ConfigError
from agentcore.plugins import load_registry
from agentcore.tools import Risk, tool_meta


def test_the_plugin_registers_its_three_tools_with_their_risks() -> None:
    registry = load_registry()
    ours = {n: t for n, t in registry.tools.items() if registry.owners["tools"][n] == "sql"}

    assert ours == {"sql_load": sql_load, "sql_schema": sql_schema, "sql_query": sql_query}
    assert {n: tool_meta(t).risk for n, t in ours.items()} == {
        "sql_load": Risk.WRITES,
        "sql_schema": Risk.READ_ONLY,
        "sql_query": Risk.WRITES,
    }
    # DuckDB is interrupted (at 600 s at most) before the graph gives up on the call.
    assert all(tool_meta(t).timeout_s > 600 for t in ours.values())


def test_the_model_sees_the_arguments_but_not_the_context() -> None:
    shapes = {
        t.name: t.tool_call_schema.model_json_schema() for t in (sql_load, sql_schema, sql_query)
    }

    assert sorted(shapes["sql_load"]["properties"]) == ["kind", "name", "path"]
    assert shapes["sql_load"]["properties"]["kind"]["enum"] == ["view", "table"]
    assert sorted(shapes["sql_schema"]["properties"]) == ["table"]
    assert sorted(shapes["sql_query"]["properties"]) == ["max_rows", "sql"]
    for shape in shapes.values():
        assert all(p.get("description") for p in shape["properties"].values())


def test_defaults_hold_without_settings() -> None:
    opts = options({})

    assert opts == SqlOptions()
    assert (opts.timeout_s, opts.memory_limit, opts.max_rows_cap) == (30.0, "4GB", 1000)
    assert 1 <= opts.threads <= 4


def test_settings_are_read_and_data_dirs_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "shared").mkdir()
    monkeypatch.chdir(tmp_path)

    opts = options(
        {"sql": {"data_dirs": ["shared"], "timeout_s": 5, "memory_limit": "512MB", "threads": 2}}
    )

    assert opts.data_dirs == (tmp_path / "shared",)
    assert (opts.timeout_s, opts.memory_limit, opts.threads) == (5.0, "512MB", 2)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"colour": 1}, "unknown setting(s): colour"),
        ({"data_dirs": "/srv"}, "data_dirs must be a list of directories"),
        ({"data_dirs": ["/no/such/dir"]}, "'/no/such/dir' is not a directory"),
        ({"data_dirs": ["/"]}, "is the filesystem root"),
        ({"timeout_s": 0}, "timeout_s must be a positive number"),
        ({"timeout_s": 601}, "timeout_s must be at most 600"),
        ({"threads": 1.5}, "threads must be a positive integer"),
        ({"memory_limit": 4}, 'memory_limit must be a size such as "4GB"'),
        ({"max_rows_cap": True}, "max_rows_cap must be a positive integer"),
    ],
)
def test_bad_settings_are_config_errors(raw: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        options({"sql": raw})

    assert problem in str(info.value)
    assert str(info.value).startswith("[plugins.sql]")


@pytest.mark.parametrize(
    ("run_id", "schema"),
    [("cli", "run_cli"), ("3F2A-77", "run_3f2a_77"), ("---", "run_default"), ("a" * 80, None)],
)
def test_scratch_schemas_are_plain_identifiers(run_id: str, schema: str | None) -> None:
    made = scratch_schema(run_id)

    assert made.isidentifier() and len(made) <= 63
    if schema is not None:
        assert made == schema

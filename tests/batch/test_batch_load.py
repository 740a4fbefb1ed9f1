"""Batch files: every problem is found before anything runs, with its line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentcore.batch import BatchTask, TaskLimits, load_task_file
from agentcore.config import Limits
from agentcore.errors import SpecError, UserError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> SpecError:
    with pytest.raises(SpecError) as exc:
        load_task_file(path)
    assert isinstance(exc.value, UserError)  # exit code 2 in the CLI
    return exc.value


def test_yaml_list_with_every_field(work_dir: Path) -> None:
    (work_dir / "data").mkdir()
    (work_dir / "data" / "a.csv").write_text("x\n1\n")
    (work_dir / "notes.md").write_text("hi")
    path = write(
        work_dir / "tasks.yaml",
        """\
- id: q1
  task: "Summarise a.csv"
  model: scripted:echo
  limits: {max_steps: 3, timeout_s: 60}
  agents: [researcher, coder]
  files: [data/a.csv, notes.md, data]
  metadata: {owner: ana, n: 3}
- id: 7
  task: "  second  "
""",
    )
    tasks = load_task_file(path)
    assert [e.task.id for e in tasks.entries] == ["q1", "7"]
    assert [e.line for e in tasks.entries] == [1, 8]
    first = tasks.entries[0]
    assert first.task.limits.overrides() == {"max_steps": 3, "timeout_s": 60.0}
    assert first.task.agents == ("researcher", "coder")
    assert first.files == (
        work_dir / "data" / "a.csv",
        work_dir / "notes.md",
        work_dir / "data",
    )
    assert first.task.metadata == {"owner": "ana", "n": 3}
    assert tasks.entries[1].task.task == "second"
    assert tasks.entries[1].task.limits.overrides() == {}


def test_yaml_mapping_with_tasks_key_and_json_file(work_dir: Path) -> None:
    yaml_file = write(
        work_dir / "t.yml", "tasks:\n  - {id: a, task: one}\n  - {id: b, task: two}\n"
    )
    assert [e.line for e in load_task_file(yaml_file).entries] == [2, 3]
    json_file = write(work_dir / "t.json", json.dumps([{"id": "a", "task": "one"}]))
    assert load_task_file(json_file).entries[0].task.id == "a"


def test_jsonl_skips_blank_lines_and_keeps_line_numbers(work_dir: Path) -> None:
    path = write(
        work_dir / "t.jsonl",
        '{"id": "a", "task": "one"}\n\n   \n{"id": "b", "task": "two", "metadata": {"k": 1}}\n',
    )
    tasks = load_task_file(path)
    assert [(e.task.id, e.line) for e in tasks.entries] == [("a", 1), ("b", 4)]


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        # the line of the bad field, not of its task
        (
            "- id: a\n  task: one\n- id: b\n  task: two\n  limits:\n    max_steps: 0\n",
            6,
            "limits.max_steps",
            ["greater than 0", "task 'b'"],
        ),
        (
            "- id: a\n  task: one\n  modle: openai:gpt-4o\n",
            3,
            "modle",
            ["unknown field 'modle'", "task 'a'"],
        ),
        # a missing field: the task's own line
        ("- id: a\n  task: one\n- id: b\n", 3, "task", ["missing required field 'task'"]),
        (
            "- id: a\n  task: one\n  limits: {max_stepz: 3}\n",
            3,
            "limits.max_stepz",
            ["unknown field 'max_stepz'"],
        ),
        ("- id: a\n  task: one\n  model: gpt-4o\n", 3, "model", ["provider:name"]),
        ("- id: a\n  task: one\n  agents: [Coder]\n", 3, "agents", ["not an agent name"]),
        ("- id: a\n  task: '   '\n", 2, "task", ["blank"]),
        ("- id: true\n  task: x\n", 1, "id", ["string"]),
    ],
)
def test_yaml_errors_name_line_and_field(
    work_dir: Path, text: str, line: int, field: str, words: list[str]
) -> None:
    err = error_of(write(work_dir / "tasks.yaml", text))
    assert (err.line, err.field) == (line, field)
    assert f"tasks.yaml:{line}: field '{field}'" in str(err)
    for word in words:
        assert word in err.message


def test_unknown_field_lists_the_allowed_ones(work_dir: Path) -> None:
    err = error_of(write(work_dir / "t.yaml", "- id: a\n  task: x\n  modle: y\n"))
    assert err.hint is not None
    assert "allowed: id, task, model, limits, agents, files, metadata" in err.hint


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (
            '{"id": "a", "task": "x"}\n{"id": "b", "task": "x", "limits": {"timeout_s": -1}}\n',
            2,
            "limits.timeout_s",
            ["greater than 0"],
        ),
        ('{"id": "a", "task": "x"}\n\n{"id": "b", "task": "x",\n', 3, None, ["not valid JSON"]),
        ('{"id": "a", "task": "x"}\n["b", "x"]\n', 2, None, ["not list"]),
        ('{"id": "a"}\n', 1, "task", ["missing required field 'task'"]),
    ],
)
def test_jsonl_errors_name_the_line(
    work_dir: Path, text: str, line: int, field: str | None, words: list[str]
) -> None:
    err = error_of(write(work_dir / "t.jsonl", text))
    assert (err.line, err.field) == (line, field)
    for word in words:
        assert word in err.message


def test_duplicate_ids_name_both_lines(work_dir: Path) -> None:
    path = write(
        work_dir / "t.jsonl",
        '{"id": "a", "task": "x"}\n{"id": "b", "task": "x"}\n{"id": "a", "task": "y"}\n',
    )
    err = error_of(path)
    assert err.line == 3
    assert err.field == "id"
    assert "duplicate task id 'a' on lines 1 and 3" in err.message


def test_numeric_and_string_ids_that_read_the_same_are_duplicates(work_dir: Path) -> None:
    err = error_of(write(work_dir / "t.yaml", "- {id: 1, task: x}\n- {id: '1', task: y}\n"))
    assert "duplicate task id '1' on lines 1 and 2" in err.message


def test_every_problem_is_counted_and_the_first_reported(work_dir: Path) -> None:
    path = write(
        work_dir / "t.jsonl",
        '{"id": "a", "task": "x"}\n{"id": "b"}\nnot json\n{"id": "a", "task": "y"}\n',
    )
    err = error_of(path)
    assert err.line == 2
    assert "2 more problem(s) on line(s) 3, 4" in err.message


def test_missing_files_and_clashing_names(work_dir: Path) -> None:
    (work_dir / "a").mkdir()
    (work_dir / "b").mkdir()
    (work_dir / "a" / "x.csv").write_text("1")
    (work_dir / "b" / "x.csv").write_text("2")
    missing = error_of(
        write(work_dir / "t.yaml", "- id: q\n  task: x\n  files:\n    - a/x.csv\n    - nope.csv\n")
    )
    assert (missing.line, missing.field) == (5, "files[1]")
    assert "no such file or folder" in missing.message
    assert str(work_dir / "nope.csv") in missing.message
    clash = error_of(
        write(work_dir / "u.yaml", "- id: q\n  task: x\n  files: [a/x.csv, b/x.csv]\n")
    )
    assert clash.field == "files[1]"
    assert "would both be copied to 'x.csv'" in clash.message


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("t.yaml", "", "empty"),
        ("t.yaml", "id: a\ntask: x\n", "a list of tasks, or a mapping with only `tasks:`"),
        ("t.yaml", "tasks: {id: a}\n", "a list of tasks, not dict"),
        ("t.yaml", "- id: a\n  task: [unclosed\n", "not valid YAML"),
        ("t.yaml", "- just a string\n", "a task is a mapping"),
        ("t.jsonl", "\n\n", "no tasks"),
        ("t.txt", "- {id: a, task: x}\n", "unsupported batch file type '.txt'"),
    ],
)
def test_file_level_errors(work_dir: Path, name: str, text: str, words: str) -> None:
    err = error_of(write(work_dir / name, text))
    assert words in err.message


def test_missing_file(work_dir: Path) -> None:
    err = error_of(work_dir / "nope.yaml")
    assert "does not exist" in err.message


def test_task_limits_mirror_the_run_limits() -> None:
    # A new field in Limits must be settable per task too.
    assert set(TaskLimits.model_fields) == set(Limits.model_fields)


def test_batch_task_is_strict() -> None:
    with pytest.raises(ValueError, match="lists an agent twice"):
        BatchTask.model_validate({"id": "a", "task": "x", "agents": ["coder", "coder"]})

"""Read a batch file (YAML or JSONL): every problem is found before anything runs.

Errors name the file, the line (JSONL: the task's line; YAML: the line of the field, or of
the task when the field is missing) and the field. All tasks are checked; the error reports
the first problem and says on which lines the others are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from agentcore._validation import (
    Problem,
    describe,
    dotted,
    most_telling,
    parse_yaml,
    problems_error,
    yaml_line,
)
from agentcore.batch._spec import BatchTask, TaskLimits
from agentcore.errors import SpecError

YAML_SUFFIXES = (".yaml", ".yml", ".json")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
_FORMAT_HINT = "see the format with: agentcore batch --schema"


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskEntry:
    """A validated task with where it came from.

    Attributes:
        task: The task.
        line: Its line in the batch file (1-based).
        files: Its ``files``, resolved to absolute paths that exist.
    """

    task: BatchTask
    line: int
    files: tuple[Path, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskFile:
    """A whole batch file, validated.

    Attributes:
        path: The file, absolute.
        entries: Its tasks in file order; their ids are unique.
        label: The path as the user gave it, for messages.
    """

    path: Path
    entries: tuple[TaskEntry, ...]
    label: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class _Item:
    """One raw task: its data, its line, and its YAML node (for the lines of its fields)."""

    data: Any
    line: int
    node: yaml.Node | None = None


def load_task_file(path: str | Path) -> TaskFile:
    """Read and validate a batch file.

    Args:
        path: A ``.yaml``/``.yml`` file (a list of tasks, or a mapping with ``tasks:``), a
            ``.json`` file (the same, as JSON), or a ``.jsonl``/``.ndjson`` file (one task
            object a line; blank lines are skipped).

    Returns:
        The tasks, in file order.

    Raises:
        SpecError: The file is missing, unreadable, of an unknown type, or any task is
            malformed, names a missing file, or repeats an id. The error names the file, the
            line and the field.
    """
    file = Path(path).expanduser().absolute()
    shown = str(path)
    if not file.is_file():
        raise SpecError(
            "batch file does not exist" if not file.exists() else "batch file is not a file",
            path=shown,
            hint="check the path",
        )
    suffix = file.suffix.lower()
    if suffix not in (*YAML_SUFFIXES, *JSONL_SUFFIXES):
        raise SpecError(
            f"unsupported batch file type '{file.suffix or '(none)'}'",
            path=shown,
            hint="use a .yaml, .yml, .json or .jsonl file",
        )
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read batch file: {exc}", path=shown) from None
    items, problems = _jsonl_items(text) if suffix in JSONL_SUFFIXES else _yaml_items(text, shown)
    entries: list[TaskEntry] = []
    for item in items:
        entry, item_problems = _validate(item, base=file.parent)
        problems += item_problems
        if entry is not None:
            entries.append(entry)
    problems += _duplicates(entries)
    if problems:
        raise problems_error(problems, shown)
    if not entries:
        raise SpecError("batch file has no tasks", path=shown, line=1, hint=_FORMAT_HINT)
    return TaskFile(path=file, entries=tuple(entries), label=shown)


def _jsonl_items(text: str) -> tuple[list[_Item], list[Problem]]:
    items: list[_Item] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(
                Problem(
                    line=number,
                    field=None,
                    message=f"not valid JSON: {exc.msg} (column {exc.colno})",
                    hint="each line of a .jsonl file is one JSON object",
                )
            )
            continue
        items.append(_Item(data=data, line=number))
    return items, problems


def _yaml_items(text: str, shown: str) -> tuple[list[_Item], list[Problem]]:
    data, root = parse_yaml(text, shown, hint=_FORMAT_HINT)
    if data is None or root is None:
        raise SpecError("batch file is empty", path=shown, line=1, hint=_FORMAT_HINT)
    if isinstance(data, dict) and isinstance(root, yaml.MappingNode):
        if set(data) != {"tasks"}:
            extra = sorted(str(k) for k in data if k != "tasks")
            raise SpecError(
                "a batch file is a list of tasks, or a mapping with only `tasks:`"
                + (f" (found {', '.join(extra)})" if extra else ""),
                path=shown,
                line=root.start_mark.line + 1,
                hint=_FORMAT_HINT,
            )
        data = data["tasks"]
        root = next(value for key, value in root.value if key.value == "tasks")
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        raise SpecError(
            f"a batch file is a list of tasks, not {type(data).__name__}",
            path=shown,
            line=root.start_mark.line + 1,
            hint=_FORMAT_HINT,
        )
    items = [
        _Item(data=value, line=node.start_mark.line + 1, node=node)
        for value, node in zip(data, root.value, strict=True)
    ]
    return items, []


def _validate(item: _Item, *, base: Path) -> tuple[TaskEntry | None, list[Problem]]:
    if not isinstance(item.data, dict):
        return None, [
            Problem(
                line=item.line,
                field=None,
                message=f"a task is a mapping with `id` and `task`, not {type(item.data).__name__}",
                hint=_FORMAT_HINT,
            )
        ]
    try:
        task = BatchTask.model_validate(item.data)
    except ValidationError as exc:
        first, count = most_telling(exc)
        loc = tuple(first["loc"])
        message, hint = _describe(first)
        if count > 1:
            message += f" (and {count - 1} more problem(s) in this task)"
        label = item.data.get("id")
        if isinstance(label, str | int) and not isinstance(label, bool) and loc != ("id",):
            message += f" in task '{label}'"
        return None, [Problem(line=_line(item, loc), field=dotted(loc), message=message, hint=hint)]
    files, problems = _resolve_files(task, item, base)
    return TaskEntry(task=task, line=item.line, files=files), problems


def _resolve_files(
    task: BatchTask, item: _Item, base: Path
) -> tuple[tuple[Path, ...], list[Problem]]:
    resolved: list[Path] = []
    problems: list[Problem] = []
    names: dict[str, str] = {}
    for index, raw in enumerate(task.files):
        path = Path(raw).expanduser()
        path = (path if path.is_absolute() else base / path).resolve()
        loc = ("files", index)
        if not path.exists():
            problems.append(
                Problem(
                    line=_line(item, loc),
                    field=dotted(loc),
                    message=f"no such file or folder: {path} in task '{task.id}'",
                    hint="relative paths are relative to the batch file's folder",
                )
            )
            continue
        if path.name in names:
            problems.append(
                Problem(
                    line=_line(item, loc),
                    field=dotted(loc),
                    message=f"'{raw}' and '{names[path.name]}' would both be copied to "
                    f"'{path.name}' in task '{task.id}'",
                    hint="files are copied into the workspace by name: give them distinct names",
                )
            )
            continue
        names[path.name] = raw
        resolved.append(path)
    return tuple(resolved), problems


def _duplicates(entries: list[TaskEntry]) -> list[Problem]:
    first: dict[str, TaskEntry] = {}
    problems = []
    for entry in entries:
        seen = first.setdefault(entry.task.id, entry)
        if seen is not entry:
            problems.append(
                Problem(
                    line=entry.line,
                    field="id",
                    message=f"duplicate task id '{entry.task.id}' on lines {seen.line} "
                    f"and {entry.line}",
                    hint="every task needs its own id: results and --resume go by id",
                )
            )
    return problems


def _line(item: _Item, loc: tuple[str | int, ...]) -> int:
    """The line of the deepest YAML node on ``loc``; the task's own line for JSONL."""
    return yaml_line(item.node, loc, item.line)


def _describe(error: ErrorDetails) -> tuple[str, str]:
    def allowed(loc: tuple[str | int, ...]) -> list[str]:
        return list((TaskLimits if loc[:1] == ("limits",) else BatchTask).model_fields)

    def pattern(loc: tuple[str | int, ...]) -> str | None:
        if loc == ("model",):
            return "must be 'provider:name', e.g. openai:gpt-4o-mini or scripted:echo"
        return None

    return describe(error, allowed=allowed, format_hint=_FORMAT_HINT, pattern_message=pattern)

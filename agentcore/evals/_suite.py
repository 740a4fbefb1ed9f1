"""Read a suite file: every problem is found before anything runs.

A suite is named by a path (a YAML file, or a folder holding ``suite.yaml``) or by the name
of a bundled suite (``evals/<name>/suite.yaml`` in a source checkout,
``agentcore/_data/evals/<name>/suite.yaml`` in an installed wheel). Errors name the file, the
line, the case and the field, as batch files' do (the same helpers).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from agentcore.errors import SpecError, UserError
from agentcore.evals._types import Case, ScorerRef, Suite

if TYPE_CHECKING:
    from agentcore.plugins import Registry

__all__ = [
    "SUITE_FILE",
    "bundled_suites",
    "bundled_suites_dir",
    "load_suite",
    "suite_json_schema",
    "suite_json_schema_text",
]

SUITE_FILE = "suite.yaml"
_FORMAT_HINT = "see the format with: agentcore eval --schema"


def bundled_suites_dir() -> Path | None:
    """The folder of the bundled suites, or ``None`` when this installation has none.

    That is ``agentcore/_data/evals`` in an installed wheel, or ``evals/`` at the root of a
    source checkout (found the way :func:`agentcore.agents.builtin_agents_dir` finds agents).
    """
    from agentcore._data import data_folder

    return data_folder("evals")


def bundled_suites() -> dict[str, Path]:
    """The bundled suites: name -> suite file, sorted by name."""
    root = bundled_suites_dir()
    if root is None:
        return {}
    return {
        folder.name: folder / SUITE_FILE
        for folder in sorted(root.iterdir())
        if (folder / SUITE_FILE).is_file()
    }


def suite_json_schema() -> dict[str, Any]:
    """The JSON schema of a suite file."""
    return Suite.model_json_schema()


def suite_json_schema_text() -> str:
    """The JSON schema as ``agentcore eval --schema`` prints it (and as stored beside us)."""
    return json.dumps(suite_json_schema(), indent=2, ensure_ascii=False) + "\n"


def _find(name_or_path: str | Path) -> Path:
    given = Path(name_or_path).expanduser()
    if given.is_dir():
        if (given / SUITE_FILE).is_file():
            return given / SUITE_FILE
        raise UserError(
            f"{given} is a folder without a {SUITE_FILE}",
            hint=f"pass the suite's YAML file, or a folder holding {SUITE_FILE}",
        )
    if given.is_file():
        return given
    bundled = bundled_suites()
    text = str(name_or_path)
    if text in bundled:
        return bundled[text]
    names = ", ".join(bundled) or "none in this installation"
    raise UserError(
        f"no suite file or bundled suite named '{text}'",
        hint=f"pass a suite file or folder, or one of the bundled suites: {names} "
        "(agentcore eval list)",
    )


def load_suite(name_or_path: str | Path, *, registry: Registry | None = None) -> Suite:
    """Read and check a suite.

    Args:
        name_or_path: A suite YAML file, a folder with ``suite.yaml``, or a bundled suite's name.
        registry: Where scorers are looked up (default: the installed plugins').

    Returns:
        The suite, with ``path`` set to its file (absolute).

    Raises:
        UserError: No such suite.
        SpecError: The file is not valid YAML or not a valid suite: a malformed field, a
            duplicate case id, an unknown scorer or scorer option, a case without scorers, a
            missing case file or collection path, a limit that is not a run limit. The error
            names the file, the line, the case and the field, and counts the other problems.
    """
    file = _find(name_or_path).absolute()
    shown = str(name_or_path) if Path(name_or_path).is_file() else str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read suite file: {exc}", path=shown) from None
    data, root = _parse(text, shown)
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        raise problems_error([_invalid(exc, data, root)], shown) from None
    suite = suite.model_copy(update={"path": file})
    problems = [
        *_duplicates(suite, root),
        *_limits(suite, root),
        *_files(suite, root),
        *_scorers(suite, root, registry),
    ]
    if problems:
        raise problems_error(problems, shown)
    return suite


def _parse(text: str, shown: str) -> tuple[dict[str, Any], yaml.Node]:
    data, root = parse_yaml(text, shown, hint=_FORMAT_HINT)
    if root is None or data is None:
        raise SpecError("suite file is empty", path=shown, line=1, hint=_FORMAT_HINT)
    if not isinstance(data, dict):
        raise SpecError(
            f"a suite is a mapping with `name` and `cases`, not {type(data).__name__}",
            path=shown,
            line=root.start_mark.line + 1,
            hint=_FORMAT_HINT,
        )
    return data, root


def _node(root: yaml.Node, loc: tuple[str | int, ...]) -> int:
    return yaml_line(root, loc, root.start_mark.line + 1)


def _case_label(data: Any, loc: tuple[str | int, ...]) -> str:
    if len(loc) < 2 or loc[0] != "cases" or not isinstance(loc[1], int):
        return ""
    cases = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(cases, list) or not loc[1] < len(cases):
        return ""
    case = cases[loc[1]]
    label = case.get("id") if isinstance(case, dict) else None
    return f" in case '{label}'" if isinstance(label, str) and loc[2:] != ("id",) else ""


def _invalid(exc: ValidationError, data: Any, root: yaml.Node) -> Problem:
    first, count = most_telling(exc)
    loc = tuple(first["loc"])
    message, hint = _describe(first)
    message += _case_label(data, loc)
    if count > 1:
        message += f" (and {count - 1} more problem(s))"
    return Problem(line=_node(root, loc), field=dotted(loc), message=message, hint=hint)


def _describe(error: ErrorDetails) -> tuple[str, str]:
    def allowed(loc: tuple[str | int, ...]) -> list[str]:
        model = Case if loc[:1] == ("cases",) else Suite if len(loc) == 1 else ScorerRef
        return [f for f in model.model_fields if f != "path"]

    def pattern(loc: tuple[str | int, ...]) -> str | None:
        if loc[-1] == "id":
            return "a case id is letters, digits and _ . - / (starting with a letter or digit)"
        return None

    return describe(error, allowed=allowed, format_hint=_FORMAT_HINT, pattern_message=pattern)


def _duplicates(suite: Suite, root: yaml.Node) -> list[Problem]:
    seen: dict[str, int] = {}
    problems = []
    for index, case in enumerate(suite.cases):
        line = _node(root, ("cases", index, "id"))
        if case.id in seen:
            problems.append(
                Problem(
                    line=line,
                    field=f"cases[{index}].id",
                    message=f"duplicate case id '{case.id}' on lines {seen[case.id]} and {line}",
                    hint="every case needs its own id: logs, --cases and compare go by id",
                )
            )
        else:
            seen[case.id] = line
    return problems


def _limits(suite: Suite, root: yaml.Node) -> list[Problem]:
    from agentcore.config import Limits

    problems: list[Problem] = []
    places: list[tuple[tuple[str | int, ...], dict[str, Any], str]] = [
        (("limits",), suite.limits, "")
    ]
    places += [
        (("cases", i, "limits"), case.limits, f" in case '{case.id}'")
        for i, case in enumerate(suite.cases)
    ]
    allowed = ", ".join(Limits.model_fields)
    for prefix, limits, where in places:
        try:
            Limits.model_validate(limits)
        except ValidationError as exc:
            first, _count = most_telling(exc)
            loc = (*prefix, *first["loc"])
            if first["type"] == "extra_forbidden":
                message = f"'{first['loc'][-1]}' is not a run limit{where}"
                hint = f"run limits: {allowed}"
            else:
                message = f"{_describe(first)[0]}{where}"
                hint = "limits are positive numbers"
            problems.append(
                Problem(line=_node(root, loc), field=dotted(loc), message=message, hint=hint)
            )
    return problems


def _files(suite: Suite, root: yaml.Node) -> list[Problem]:
    base = suite.directory
    problems: list[Problem] = []
    for i, case in enumerate(suite.cases):
        names: dict[str, str] = {}
        for j, raw in enumerate(case.files):
            loc: tuple[str | int, ...] = ("cases", i, "files", j)
            path = base / raw
            problem = None
            if not path.exists():
                problem = f"no such file or folder: {path} in case '{case.id}'"
            elif path.name in names:
                problem = (
                    f"'{raw}' and '{names[path.name]}' would both be copied to "
                    f"'{path.name}' in case '{case.id}'"
                )
            names.setdefault(path.name, raw)
            if problem:
                problems.append(
                    Problem(
                        line=_node(root, loc),
                        field=dotted(loc),
                        message=problem,
                        hint="files are relative to the suite file's folder and are copied "
                        "into the run's workspace by name",
                    )
                )
    for name, paths in suite.collections.items():
        for j, raw in enumerate(paths):
            loc = ("collections", name, j)
            if not (base / raw).exists():
                problems.append(
                    Problem(
                        line=_node(root, loc),
                        field=dotted(loc),
                        message=f"no such file or folder: {base / raw} in collection '{name}'",
                        hint="collection paths are relative to the suite file's folder",
                    )
                )
    return problems


def _scorers(suite: Suite, root: yaml.Node, registry: Registry | None) -> list[Problem]:
    from agentcore.evals.scorers import get_scorer

    problems: list[Problem] = []
    checks: list[tuple[tuple[str | int, ...], ScorerRef, str]] = [
        (("scorers", j), ref, "suite scorers") for j, ref in enumerate(suite.scorers)
    ]
    for i, case in enumerate(suite.cases):
        if case.scorers is None and not suite.scorers:
            problems.append(
                Problem(
                    line=_node(root, ("cases", i)),
                    field=f"cases[{i}].scorers",
                    message=f"case '{case.id}' has no scorers and the suite names none",
                    hint="give the suite default `scorers:` or the case its own",
                )
            )
        checks += [
            (("cases", i, "scorers", j), ref, f"case '{case.id}'")
            for j, ref in enumerate(case.scorers or ())
        ]
    for loc, ref, where in checks:
        try:
            get_scorer(ref, registry=registry, where=where)
        except SpecError as exc:
            problems.append(
                Problem(
                    line=_node(root, loc),
                    field=dotted(loc),
                    message=exc.message,
                    hint=exc.hint or _FORMAT_HINT,
                )
            )
    return problems

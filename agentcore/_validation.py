"""Helpers for turning pydantic validation errors into one clear message."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from agentcore.errors import SpecError

# An unknown field is usually a typo of a known one, and a "missing" error for the same field
# is its consequence: report the typo first.
_PRIORITY = {"extra_forbidden": 0}


def most_telling(exc: ValidationError) -> tuple[ErrorDetails, int]:
    """Return the error to report first, and how many errors there are in all."""
    errors = exc.errors()
    first = min(errors, key=lambda e: _PRIORITY.get(e["type"], 1))
    return first, len(errors)


def dotted(loc: tuple[str | int, ...]) -> str:
    """A pydantic error location as a field path: ``steps[2].agent``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def yaml_line(node: Any, loc: tuple[str | int, ...], line: int) -> int:
    """The line of the deepest YAML node on ``loc`` below ``node`` (a field: its key's line).

    Args:
        node: A composed ``yaml.Node`` (``None``: no YAML, ``line`` is returned).
        loc: A pydantic error location inside it.
        line: The line to report when ``loc`` leads nowhere deeper.
    """
    import yaml

    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


@dataclass(frozen=True, kw_only=True, slots=True)
class Problem:
    """One problem found in a file: where (line, field), what, and what to do."""

    line: int | None
    field: str | None
    message: str
    hint: str


def problems_error(problems: list[Problem], shown: str) -> SpecError:
    """One error for all the problems of a file: the first in full, where the others are."""
    problems.sort(key=lambda p: p.line or 0)
    first = problems[0]
    message = first.message
    if len(problems) > 1:
        others = sorted({p.line for p in problems[1:] if p.line is not None})
        where = f" on line(s) {', '.join(map(str, others))}" if others else ""
        message += f"; {len(problems) - 1} more problem(s){where}"
    return SpecError(message, path=shown, line=first.line, field=first.field, hint=first.hint)


def describe(
    error: ErrorDetails,
    *,
    allowed: Callable[[tuple[str | int, ...]], Iterable[str]],
    format_hint: str,
    pattern_message: Callable[[tuple[str | int, ...]], str | None] = lambda loc: None,
) -> tuple[str, str]:
    """A pydantic error as (message, hint) a person can act on.

    Args:
        error: The error (see :func:`most_telling`).
        allowed: The allowed field names at an error's location (for an unknown field).
        format_hint: Where to read the format (the hint of most errors).
        pattern_message: What a field's pattern means, for a pattern mismatch at ``loc``.
    """
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        names = ", ".join(allowed(loc))
        return f"unknown field '{loc[-1]}'", f"remove it or fix its spelling; allowed: {names}"
    if error["type"] == "missing":
        return f"missing required field '{loc[-1]}'", f"add it; {format_hint}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if message.startswith("Input should be "):
        message = "must be " + message.removeprefix("Input should be ")
    if error["type"] == "string_pattern_mismatch":
        message = pattern_message(loc) or message
    got = error.get("input")
    if error["type"] != "value_error" and not isinstance(got, dict | list):
        message += f" (got {got!r})"
    return message, format_hint


# Where libyaml (``yaml.CSafeLoader``) and PyYAML's own parser may disagree on a text: on
# whether it is valid, on its data, or on the line of a node (tabs, other line breaks, a BOM
# inside the text, complex keys, tags, anchors and aliases, directives, reserved indicators,
# flow mappings, a comment glued to a block scalar's header, document markers). Found by
# comparing the two on mutated agent, task, script and suite files; see
# tests/agents/test_agent_yaml_fast.py. A text with none of these is parsed by libyaml.
_NOT_FOR_LIBYAML = re.compile(
    r"[\t\r\x85\u2028\u2029\ufeff?!&*%@`{}]|[|>][-+0-9]*#|^(?:---|\.\.\.)", re.MULTILINE
)


def load_yaml(text: str) -> tuple[Any, Any]:
    """A YAML text's composed node tree and its data, as PyYAML's ``SafeLoader`` reads them.

    A text that libyaml reads the same way (see ``_NOT_FOR_LIBYAML``) is parsed with
    ``yaml.CSafeLoader`` when PyYAML has it, several times faster. Any error, and any text
    libyaml may read differently, goes through ``yaml.SafeLoader``, so that what is accepted,
    the data, the nodes' lines and the error messages are always PyYAML's own.

    Raises:
        yaml.YAMLError: From ``yaml.SafeLoader``.
    """
    import yaml

    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None and not _NOT_FOR_LIBYAML.search(text):
        try:
            return _compose_and_load(fast, text)
        except yaml.YAMLError:
            pass  # PyYAML's parser reports it, with its own message and line
    return _compose_and_load(yaml.SafeLoader, text)


def _compose_and_load(loader_class: Any, text: str) -> tuple[Any, Any]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def parse_yaml(text: str, shown: str, *, hint: str) -> tuple[Any, Any]:
    """The data of a YAML text and its composed node tree (for the lines of fields).

    Args:
        text: The YAML.
        shown: The file as the user named it, for the error.
        hint: What to do when the text is not YAML at all (where the format is described).

    Raises:
        SpecError: The text is not valid YAML; the error has the line when PyYAML knows it.
    """
    import yaml

    try:
        root, data = load_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SpecError(
            f"not valid YAML: {exc.problem or exc.context}",
            path=shown,
            line=mark.line + 1 if mark is not None else None,
            hint="check the indentation and quoting around that line",
        ) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}", path=shown, hint=hint) from None
    return data, root

"""Script files (YAML or JSON): strict validation, errors that point at file:line and field."""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from agentcore._validation import dotted, most_telling, parse_yaml, yaml_line
from agentcore.errors import SpecError
from agentcore.testing._script import Script

_FORMAT_HINT = "see 'Scripted models and script files' in the README for the format"


def load_script_file(path: str | Path) -> Script:
    """Read and validate a script file.

    Args:
        path: A ``.yaml``/``.yml`` or ``.json`` file. Its top level is a script mapping, or a
            plain list of responses.

    Returns:
        The validated script; its name defaults to the file's stem.

    Raises:
        SpecError: The file is missing, unreadable or malformed; the error names the file,
            the line and the field, and says how to fix it.
    """
    file = Path(path)
    if not file.is_file():
        raise SpecError(
            "script file does not exist",
            path=str(file),
            hint="check the path, or use a built-in script such as scripted:echo",
        )
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read script file: {exc}", path=str(file)) from None
    return parse_script(text, path=str(file), default_name=file.stem)


def parse_script(text: str, *, path: str = "<script>", default_name: str = "script") -> Script:
    """Validate script text (YAML, or JSON, which YAML reads too); see :func:`load_script_file`."""
    data, root = _parse(text, path)
    if data is None:
        raise SpecError("script file is empty", path=path, line=1, hint=_FORMAT_HINT)
    prefix: tuple[str | int, ...] = ()
    if isinstance(data, list):  # shorthand: a bare list of responses
        data, prefix = {"responses": data}, ("responses",)
    if not isinstance(data, dict):
        raise SpecError(
            f"a script is a mapping (or a list of responses), not {type(data).__name__}",
            path=path,
            line=1,
            hint=_FORMAT_HINT,
        )
    data.setdefault("name", default_name)
    try:
        return Script.model_validate(data)
    except ValidationError as exc:
        raise _spec_error(exc, root, prefix, path) from None


def _parse(text: str, path: str) -> tuple[Any, yaml.Node | None]:
    stripped = text.lstrip()
    if path.endswith(".json") or stripped.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if path.endswith(".json"):
                raise SpecError(
                    f"not valid JSON: {exc.msg}", path=path, line=exc.lineno, hint=_FORMAT_HINT
                ) from None
        else:
            try:
                root = yaml.compose(text, Loader=yaml.SafeLoader)
            except yaml.YAMLError:  # valid JSON that PyYAML cannot read: no line numbers
                root = None
            return data, root
    data, root = parse_yaml(text, path, hint=_FORMAT_HINT)
    return data, root


def _line(root: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """The line of the deepest node on ``loc`` (a mapping key's own line for a field)."""
    return None if root is None else yaml_line(root, loc, root.start_mark.line + 1)


def _unwrap(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The pydantic model that sits at ``loc`` in a script, to list its allowed fields."""
    tp: Any = Script
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return None
            tp = field.annotation
        elif get_origin(tp) in (list, dict):
            tp = get_args(tp)[-1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _describe(error: ErrorDetails) -> tuple[str, str]:
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = ", ".join(model.model_fields) if model else "see the format"
        return f"unknown field '{loc[-1]}'", f"remove it or fix its spelling; allowed: {allowed}"
    if error["type"] == "missing":
        return f"missing required field '{loc[-1]}'", "add it"
    message = error["msg"].removeprefix("Value error, ")
    got = error.get("input")
    if error["type"] != "value_error" and not isinstance(got, dict | list):
        message += f" (got {got!r})"
    return message, _FORMAT_HINT


def _spec_error(
    exc: ValidationError, root: yaml.Node | None, prefix: tuple[str | int, ...], path: str
) -> SpecError:
    first, count = most_telling(exc)
    loc = tuple(first["loc"])
    message, hint = _describe(first)
    if count > 1:
        message += f" (and {count - 1} more problem(s))"
    in_file = loc[len(prefix) :] if loc[: len(prefix)] == prefix else loc
    return SpecError(
        message,
        path=path,
        line=_line(root, in_file),
        field=dotted(loc) or None,
        hint=hint,
    )

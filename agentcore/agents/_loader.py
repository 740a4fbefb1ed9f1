from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from agentcore._validation import load_yaml, most_telling
from agentcore.agents._spec import FRONTMATTER_FIELDS, AgentSpec
from agentcore.errors import ConfigError, SpecError

FENCE = "---"
# The frontmatter's YAML starts on the line after the opening fence.
FIRST_YAML_LINE = 2

_LAYOUT = "an agent file is: a '---' line, YAML fields, a '---' line, then the prompt"
# Names other agent frameworks use, mapped to what to do instead.
_ALIASES = {
    "llm": "use 'model' instead",
    "max_iter": "use 'max_iterations' instead",
    "prompt": "the prompt is the Markdown body after the closing '---', not a field",
    "instructions": "the instructions are the Markdown body after the closing '---'",
    "system_prompt": "the system prompt is the Markdown body after the closing '---'",
    "source": "'source' is set by the loader to the file's path; remove it",
}


def _fix(field: str, stem: str) -> str:
    """How to write ``field`` correctly: the hint of every error about it."""
    fixes = {
        "name": f"use the file name without '.md': name: {stem}",
        "description": (
            "write one line that tells the planner when to use this agent, e.g. "
            "description: Reads CSV files in the workspace and reports summary statistics"
        ),
        "role": "use role: worker, the default, or role: planner for the team's one planner",
        "model": (
            "use a 'provider:model' string, e.g. model: openai:gpt-4o-mini, "
            "or remove the line to use the run's model"
        ),
        "tools": (
            "use a YAML list of registered tool names, e.g. tools: [think, read_file]; "
            "`agentcore tools list` shows them"
        ),
        "max_iterations": (
            "use a positive whole number, e.g. max_iterations: 8, "
            "or remove the line to use limits.max_iterations"
        ),
        "temperature": (
            "use a number from 0 to 2, e.g. temperature: 0.2, "
            "or remove the line to use the model's default"
        ),
        "tags": "use a YAML list of strings, e.g. tags: [data, analysis]",
        "prompt": "write the agent's instructions as Markdown below the closing '---'",
    }
    return fixes.get(field, _LAYOUT)


@dataclass(kw_only=True, slots=True, frozen=True)
class _Parts:
    yaml_text: str
    body: str
    close_line: int


def _split(text: str, where: str) -> _Parts:
    lines = text.removeprefix("\ufeff").splitlines()
    if not lines or lines[0].rstrip() != FENCE:
        raise SpecError(
            "missing YAML frontmatter: the first line must be '---'",
            path=where,
            line=1,
            hint=_LAYOUT,
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() == FENCE:
            return _Parts(
                yaml_text="\n".join(lines[1:index]),
                body="\n".join(lines[index + 1 :]),
                close_line=index + 1,
            )
    raise SpecError(
        "the frontmatter opened on line 1 is never closed",
        path=where,
        line=1,
        hint="add a '---' line after the last field and put the prompt below it",
    )


def _parse_yaml(yaml_text: str, where: str) -> tuple[yaml.Node | None, Any]:
    try:
        node, data = load_yaml(yaml_text)
    except yaml.MarkedYAMLError as exc:
        # The context ("while scanning a simple key") says little; the line says where.
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid syntax"
        raise SpecError(
            f"invalid YAML in the frontmatter: {problem}",
            path=where,
            line=None if mark is None else mark.line + FIRST_YAML_LINE,
            hint=(
                "indent with spaces, not tabs, and quote values that contain ': ' or start "
                "with one of * & ! | > % @ ` [ {"
            ),
        ) from None
    except yaml.YAMLError as exc:
        raise SpecError(
            f"invalid YAML in the frontmatter: {exc}", path=where, hint=_LAYOUT
        ) from None
    return node, data


def _node_at(root: yaml.Node | None, loc: Sequence[int | str], *, key: bool) -> yaml.Node | None:
    """The deepest node along ``loc``; with ``key``, the last mapping key instead of its value."""
    node = root
    for depth, part in enumerate(loc):
        last = depth == len(loc) - 1
        if isinstance(node, yaml.MappingNode):
            pair = next(
                (
                    kv
                    for kv in node.value
                    if isinstance(kv[0], yaml.ScalarNode) and kv[0].value == part
                ),
                None,
            )
            if pair is None:
                break
            node = pair[0] if key and last else pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
        else:
            break
    return node


def _line(root: yaml.Node | None, loc: Sequence[int | str], *, key: bool = False) -> int:
    node = _node_at(root, loc, key=key)
    return 1 if node is None else node.start_mark.line + FIRST_YAML_LINE


def _check_keys(root: yaml.Node | None, data: dict[Any, Any], where: str) -> None:
    for key in data:
        if not isinstance(key, str):
            raise SpecError(
                f"field names must be text, got {key!r}",
                path=where,
                line=_line(root, [key]) if isinstance(root, yaml.MappingNode) else 1,
                hint=_LAYOUT,
            )
    if isinstance(root, yaml.MappingNode):
        first: dict[str, int] = {}
        for key_node, _ in root.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            line = key_node.start_mark.line + FIRST_YAML_LINE
            if key_node.value in first:
                raise SpecError(
                    f"'{key_node.value}' is set twice (lines {first[key_node.value]} and {line})",
                    path=where,
                    line=line,
                    field=key_node.value,
                    hint="keep one of them",
                )
            first[key_node.value] = line
    for key in data:
        if key in _ALIASES and key not in FRONTMATTER_FIELDS:
            raise SpecError(
                f"unknown field '{key}'",
                path=where,
                line=_line(root, [key], key=True),
                field=key,
                hint=_ALIASES[key],
            )


_TYPE_WORDS = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "string_too_short": "must not be empty",
}


# Hints for the custom error types raised by the spec's validators.
_CUSTOM_HINTS = {
    "reserved_name": "choose another name, and rename the file to match",
    "planner_tools": "remove the tools line from the planner's file",
    "duplicate_item": "list each tool once",
    "multi_line": "",
    "empty_item": "",
}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _snake(value: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value)
    snake = re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")
    return snake if snake[:1].isalpha() else f"agent_{snake}".rstrip("_")


def _explain(err: ErrorDetails, stem: str) -> tuple[str, str]:
    """Turn one pydantic error into (message, hint)."""
    loc = err["loc"]
    field = str(loc[0]) if loc else ""
    kind = err["type"]
    got = err.get("input")
    item = f"item {int(loc[1]) + 1} " if len(loc) > 1 and isinstance(loc[1], int) else ""
    if kind == "extra_forbidden":
        allowed = ", ".join(FRONTMATTER_FIELDS)
        close = difflib.get_close_matches(field, FRONTMATTER_FIELDS, n=1)
        guess = f"did you mean '{close[0]}'? " if close else ""
        return f"unknown field '{field}'", f"{guess}allowed fields: {allowed}"
    if kind == "missing":
        return f"required field '{field}' is missing", _fix(field, stem)
    if field == "prompt":
        return "the prompt is empty", _fix("prompt", stem)
    hint = _CUSTOM_HINTS.get(kind) or _fix(field, stem)
    if kind in _TYPE_WORDS:
        text = _TYPE_WORDS[kind]
    elif kind in _CUSTOM_HINTS:
        text = str(err["msg"])
    elif kind == "string_pattern_mismatch" and field == "name":
        text = "must be snake_case: lowercase letters, digits and '_', starting with a letter"
        fixed = _snake(str(got))
        hint = f"use name: {fixed}, and rename the file to {fixed}.md"
    elif kind == "string_pattern_mismatch" and field == "model":
        text = "must look like 'provider:model'"
    elif kind == "greater_than" and field == "max_iterations":
        text = "must be a positive whole number"
    else:
        msg = str(err["msg"])
        text = msg.replace("Input should be", "must be").replace("String should", "must")
    return f"{item}{text} (got {_short(got)})", hint


def _from_validation(
    exc: ValidationError, root: yaml.Node | None, parts: _Parts, where: str, stem: str
) -> SpecError:
    err, count = most_telling(exc)
    loc = err["loc"]
    message, hint = _explain(err, stem)
    if count > 1:
        more = count - 1
        message += f"; {more} more problem{'s' if more > 1 else ''} in this file"
    field = str(loc[0]) if loc else None
    if field == "prompt":
        line = parts.close_line
    elif err["type"] == "missing" or not loc:
        line = 1
    else:
        line = _line(root, loc, key=err["type"] == "extra_forbidden")
    return SpecError(message, path=where, line=line, field=field, hint=hint)


# Specs already loaded in this process, by file path and text. A process that builds several
# teams reads the same agent files each time; the file is still read (a few microseconds), but
# a text seen before is not parsed and validated again. The text is the key, not the file's
# modification time and size: a same-size rewrite within the file system's timestamp
# granularity would go unnoticed. Specs are frozen, so sharing them is safe; files that fail to
# load are not kept, and report their error on every load.
_SPECS: dict[tuple[str, str], AgentSpec] = {}
_SPECS_MAX = 256


def clear_agent_cache() -> None:
    """Forget the agent specs loaded so far (the next load parses every file again)."""
    _SPECS.clear()


def load_agent(path: Path) -> AgentSpec:
    """Load one agent file: YAML frontmatter between ``---`` lines, then the prompt.

    Args:
        path: The ``NAME.md`` file; ``name`` in its frontmatter must equal ``NAME``.

    Returns:
        The validated spec, with ``source`` set to ``path``.

    Raises:
        SpecError: Naming the file, the line, the field and how to fix it.
    """
    path = Path(path)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SpecError("the file is not UTF-8 text", path=where, hint="save it as UTF-8") from None
    except OSError as exc:
        raise SpecError(
            f"cannot read the file: {exc.strerror or exc}", path=where, hint="check the path"
        ) from None
    cached = _SPECS.get((where, text))
    if cached is not None:
        return cached
    spec = _load_text(path, text)
    if len(_SPECS) >= _SPECS_MAX:
        _SPECS.clear()
    _SPECS[where, text] = spec
    return spec


def _load_text(path: Path, text: str) -> AgentSpec:
    where = str(path)
    stem = path.stem
    parts = _split(text, where)
    root, data = _parse_yaml(parts.yaml_text, where)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SpecError(
            f"the frontmatter must be 'field: value' lines, not a {type(data).__name__}",
            path=where,
            line=FIRST_YAML_LINE,
            hint=_LAYOUT,
        )
    _check_keys(root, data, where)
    try:
        spec = AgentSpec.model_validate({**data, "prompt": parts.body, "source": path})
    except ValidationError as exc:
        raise _from_validation(exc, root, parts, where, stem) from None
    if spec.name != stem:
        raise SpecError(
            f"name '{spec.name}' does not match the file name '{path.name}'",
            path=where,
            line=_line(root, ["name"]),
            field="name",
            hint=f"rename the file to {spec.name}.md, or set name: {stem}",
        )
    return spec


def load_agents(dirs: Sequence[Path]) -> dict[str, AgentSpec]:
    """Load every agent file from ``dirs``, in order; later files override earlier ones.

    Pass the built-in directory first (:func:`builtin_agents_dir`), then the user's
    ``settings.agent_dirs``. Each ``*.md`` file directly inside a directory is one agent,
    except ``README.md`` and hidden files. An agent whose name was already loaded from an
    earlier directory replaces it, so ``my_agents/coder.md`` replaces the built-in coder.

    Args:
        dirs: Directories to read, lowest precedence first.

    Returns:
        Specs by name, in the order their names were first seen.

    Raises:
        ConfigError: If a directory does not exist.
        SpecError: For the first invalid file, naming its path, line, field and a fix.
    """
    specs: dict[str, AgentSpec] = {}
    for raw in dirs:
        folder = Path(raw)
        if not folder.is_dir():
            raise ConfigError(
                f"agent directory '{folder}' does not exist or is not a directory",
                hint="create it, or remove it from agent_dirs (agentcore.toml or "
                "AGENTCORE_AGENT_DIRS)",
            )
        for path in sorted(folder.glob("*.md")):
            if path.name.startswith(".") or path.name.lower() == "readme.md":
                continue
            if path.is_file():
                spec = load_agent(path)
                specs[spec.name] = spec
    return specs


def builtin_agents_dir() -> Path:
    """Return the directory of the built-in agent files.

    That is ``agentcore/_data/agents`` in an installed wheel, or ``agents/`` at the root of a
    source checkout.

    Raises:
        ConfigError: If neither exists (a broken installation).
    """
    from agentcore._data import data_folder, searched

    folder = data_folder("agents")
    if folder is not None:
        return folder
    raise ConfigError(
        f"the built-in agent files are missing (looked in {searched('agents')})",
        hint="reinstall agentcore",
    )


def _locate(source: Path | None, loc: Sequence[int | str]) -> int | None:
    """The line of ``loc`` in an agent file, or ``None`` if the file can't be read now."""
    if source is None:
        return None
    try:
        parts = _split(source.read_text(encoding="utf-8"), str(source))
        root, _ = _parse_yaml(parts.yaml_text, str(source))
    except (OSError, UnicodeDecodeError, SpecError):
        return None
    return _line(root, loc)


def _where(spec: AgentSpec) -> str:
    return f"'{spec.name}'" if spec.source is None else f"'{spec.name}' ({spec.source})"


def validate_team(
    specs: Mapping[str, AgentSpec] | Iterable[AgentSpec], *, tool_names: Collection[str]
) -> None:
    """Check that a set of agents can run together.

    Every tool an agent lists must be registered, exactly one agent must have
    ``role: planner``, and at least one must be a worker for it to assign steps to.

    Args:
        specs: The team, e.g. the result of :func:`load_agents`.
        tool_names: Names of the registered tools (``registry.tools``).

    Raises:
        SpecError: Naming the file, the line and the field at fault, with the closest
            registered tool name and the full list when a tool is unknown.
    """
    team = list(specs.values()) if isinstance(specs, Mapping) else list(specs)
    seen: dict[str, AgentSpec] = {}
    for spec in team:
        if spec.name in seen:
            raise SpecError(
                f"two agents are named '{spec.name}': {_where(seen[spec.name])} and {_where(spec)}",
                path=None if spec.source is None else str(spec.source),
                field="name",
                hint="give each agent a distinct name",
            )
        seen[spec.name] = spec

    known = sorted(tool_names)
    for spec in team:
        for index, tool in enumerate(spec.tools):
            if tool in tool_names:
                continue
            close = difflib.get_close_matches(tool, known, n=1)
            guess = (
                f"did you mean '{close[0]}'? "
                if close
                else "if a plugin provides it, install it and check `agentcore plugins list`; "
            )
            server = tool.partition("/")[0] + "/"
            if "/" in tool and not any(name.startswith(server) for name in known):
                guess = (
                    f"'{tool.partition('/')[0]}/...' names an MCP server: declare it under "
                    "[[mcp.servers]] in agentcore.toml (`agentcore tools list` shows its tools); "
                )
            raise SpecError(
                f"agent '{spec.name}' lists unknown tool '{tool}'",
                path=None if spec.source is None else str(spec.source),
                line=_locate(spec.source, ("tools", index)),
                field="tools",
                hint=f"{guess}registered tools: {', '.join(known) or 'none'}",
            )

    planners = [spec for spec in team if spec.role == "planner"]
    if not planners:
        raise SpecError(
            "the team has no planner: exactly one agent needs role: planner",
            field="role",
            hint="keep the built-in planner.md, or set role: planner in one of your agent files",
        )
    if len(planners) > 1:
        first, second = planners[0], planners[1]
        raise SpecError(
            f"agents {_where(first)} and {_where(second)} both have role: planner; "
            "a team has exactly one",
            path=None if second.source is None else str(second.source),
            line=_locate(second.source, ("role",)),
            field="role",
            hint="set role: worker on one of them; to replace the built-in planner, "
            "name your file planner.md so that it overrides it",
        )
    if len(planners) == len(team):
        raise SpecError(
            "the team has no workers for the planner to assign steps to",
            field="role",
            hint="keep the built-in agents, or add an agent file with role: worker",
        )

"""Built-in scripts (``scripted:NAME``) and the loader that resolves names and paths."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage

from agentcore.errors import UserError
from agentcore.testing._call import CallInfo, find_task
from agentcore.testing._function import FunctionChatModel
from agentcore.testing._script_file import load_script_file
from agentcore.testing._scripted import ScriptedChatModel

PREFIX = "scripted:"
_SCRIPT_SUFFIXES = (".yaml", ".yml", ".json")


def _tool_call(name: str, args: dict[str, object], info: CallInfo) -> AIMessage:
    call_id = f"call_{info.agent or 'model'}_{info.call_index}"
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id}])


def _echo_reply(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
    task = find_task(messages)
    if "final_answer" in info.tools and info.tool_choice != "none":
        return _tool_call("final_answer", {"answer": task}, info)
    return AIMessage(content=task)


def echo() -> BaseChatModel:
    """Answers every task with the task's own text: the planner via ``final_answer``."""
    return FunctionChatModel(_echo_reply, script_name="echo")


_LOOP_STOPPED = (
    "The loop was stopped by a limit before it finished: the coder kept calling `think` "
    "and never produced a result."
)


def _loop_reply(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
    may_call = bool(info.tools) and info.tool_choice != "none"
    if "submit_plan" in info.tools and may_call:
        step = {
            "id": f"s{info.call_index + 1}",
            "agent": "coder",
            "instruction": "Keep checking",
            "depends_on": [],
        }
        return _tool_call("submit_plan", {"steps": [step]}, info)
    if info.agent == "synthesis" or not may_call:
        return AIMessage(content=_LOOP_STOPPED)
    return _tool_call("think", {"thought": f"iteration {info.call_index + 1}"}, info)


def loop() -> BaseChatModel:
    """Never finishes: the coder calls ``think`` forever, for limit checks."""
    return FunctionChatModel(_loop_reply, script_name="loop")


def demo() -> BaseChatModel:
    """The ``agentcore demo`` run: every agent does real work on a small dataset."""
    from agentcore.demo import demo_model

    return demo_model()


BUILTIN_SCRIPTS: dict[str, Callable[[], BaseChatModel]] = {
    "demo": demo,
    "echo": echo,
    "loop": loop,
}
"""Dynamic built-ins by name; plain ones are the ``*.yaml`` files in ``testing/scripts/``."""


def _data_scripts() -> dict[str, Path]:
    folder = resources.files("agentcore.testing") / "scripts"
    found: dict[str, Path] = {}
    if folder.is_dir():
        for entry in folder.iterdir():
            name = entry.name
            if entry.is_file() and name.endswith((".yaml", ".yml")):
                found[name.rsplit(".", 1)[0]] = Path(str(entry))
    return found


def builtin_scripts() -> dict[str, str]:
    """Every built-in script name with its one-line description."""
    out: dict[str, str] = {}
    for name, loader in BUILTIN_SCRIPTS.items():
        out[name] = (loader.__doc__ or "").strip().splitlines()[0] if loader.__doc__ else ""
    for name, path in _data_scripts().items():
        out.setdefault(name, load_script_file(path).description)
    return dict(sorted(out.items()))


def load_script_model(name_or_path: str | Path) -> BaseChatModel:
    """Resolve ``scripted:NAME`` or a script file into a chat model.

    Args:
        name_or_path: A built-in name (``echo``, ``loop``, ``demo``), optionally prefixed
            with ``scripted:``, or the path of a script file (.yaml, .yml or .json).

    Returns:
        The model; dynamic built-ins are a :class:`FunctionChatModel`, files a
        :class:`ScriptedChatModel`.

    Raises:
        UserError: The name is not a built-in and no such file exists.
        SpecError: The script file is malformed.
    """
    raw = str(name_or_path)
    name = raw.removeprefix(PREFIX)
    if name in BUILTIN_SCRIPTS:
        return BUILTIN_SCRIPTS[name]()
    data = _data_scripts()
    if name in data:
        return ScriptedChatModel(script=load_script_file(data[name]))
    path = Path(name).expanduser()
    if path.is_file():
        return ScriptedChatModel(script=load_script_file(path))
    known = ", ".join(sorted({*BUILTIN_SCRIPTS, *data}))
    if path.suffix in _SCRIPT_SUFFIXES or "/" in name or "\\" in name:
        raise UserError(
            f"script file '{name}' does not exist",
            hint=f"check the path, or use a built-in script: {known}",
        )
    raise UserError(
        f"unknown script '{name}'",
        hint=f"built-in scripts: {known}; anything else must be the path of an existing "
        "script file (.yaml, .yml or .json)",
    )

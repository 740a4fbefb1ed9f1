"""Slash commands: parsing, the command table, and what each command does.

A line that starts with ``/`` is a command (``//`` sends the rest as text). A command that
does not exist, or names an unknown agent, tool or limit, prints a clear message with the
closest names, and the session carries on: handlers raise ``UserError`` for that.
"""

from __future__ import annotations

import asyncio
import difflib
import shlex
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from agentcore.errors import UserError

if TYPE_CHECKING:
    from rich.console import Console

    from agentcore.api import Team
    from agentcore.chat._session import ChatSession

Handler = Callable[["Chat", str], Awaitable[None]]

KEYS_HELP = (
    "Enter sends · Alt-Enter or Esc Enter: new line · Tab completes · "
    "Ctrl-C cancels a run · Ctrl-D or /quit exits"
)
LIMIT_NAMES = (
    "max_steps",
    "max_tool_calls",
    "max_tokens",
    "max_cost_usd",
    "timeout_s",
    "max_iterations",
)
_NONE_WORDS = frozenset({"none", "off", "unlimited"})


class Chat(Protocol):
    """What a command can use: the session, the team, the console, and the REPL's actions."""

    console: Console
    session: ChatSession
    team: Team

    def quit(self) -> None:
        """End the session after this command."""

    async def resume_run(self, run_id: str) -> None:
        """Continue a checkpointed run as a turn of this chat."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SlashCommand:
    """One command: its name, how to call it, what it does, and its handler."""

    name: str
    usage: str
    summary: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    words: tuple[str, ...] = field(default=())  # first arguments to complete


@dataclass(frozen=True, kw_only=True, slots=True)
class CommandLine:
    """A parsed command line: ``/name args``."""

    name: str
    args: str


def parse(line: str) -> CommandLine | None:
    """``/name rest`` as a command line; ``None`` when the line is text for the team.

    ``//text`` is text that starts with ``/``.
    """
    stripped = line.strip()
    if not stripped.startswith("/") or stripped.startswith("//"):
        return None
    name, _, args = stripped[1:].partition(" ")
    head, sep, tail = name.partition("\n")  # "/save\nmore" : the name ends at the newline
    if sep:
        name, args = head, (tail + " " + args).strip()
    return CommandLine(name=name.lower(), args=args.strip())


def as_text(line: str) -> str:
    """The text a non-command line sends: ``//x`` sends ``/x``."""
    stripped = line.strip()
    return stripped[1:] if stripped.startswith("//") else stripped


def close_matches(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates that look most like ``word`` (prefixes first)."""
    pool = sorted(set(candidates))
    prefixed = [c for c in pool if word and c.startswith(word)]
    similar = difflib.get_close_matches(word, pool, n=n, cutoff=0.6)
    return list(dict.fromkeys([*prefixed, *similar]))[:n]


def unknown(
    what: str, word: str, known: Iterable[str], *, prefix: str = "", list_all: bool = True
) -> UserError:
    """``unknown agent 'x'`` with a "did you mean" and, when short, the full list."""
    names = sorted(set(known))
    matches = close_matches(word, names)
    hints: list[str] = []
    if matches:
        hints.append("did you mean " + " or ".join(f"{prefix}{m}" for m in matches) + "?")
    if list_all and len(names) <= 16:
        hints.append(f"{what}s: " + (", ".join(f"{prefix}{n}" for n in names) or "none"))
    return UserError(f"unknown {what} '{prefix}{word}'", hint=" ".join(hints) or None)


def _words(args: str) -> list[str]:
    try:
        return shlex.split(args)
    except ValueError as exc:
        raise UserError(f"cannot read the arguments: {exc}", hint="check the quotes") from None


def _table(*columns: str) -> Any:
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    return table


def _row(table: Any, *cells: str, style: str | None = None) -> None:
    """Add a row of plain text: names and tasks are never read as rich markup."""
    from rich.text import Text

    table.add_row(*(Text(cell) for cell in cells), style=style)


def _expect_no_args(name: str, args: str) -> None:
    if args:
        raise UserError(f"/{name} takes no arguments", hint=f"type /{name} on its own")


# --- the commands ---------------------------------------------------------------------------


async def cmd_help(chat: Chat, args: str) -> None:
    if args:
        command = find(args.lstrip("/").split()[0])
        chat.console.print(f"{command.usage}\n  {command.summary}", markup=False)
        return
    table = _table("command", "what it does")
    for command in COMMANDS:
        _row(table, command.usage, command.summary)
    chat.console.print(table)
    chat.console.print(
        "Anything else is a task for the team; earlier turns are its context. "
        "Start a line with // to send text that begins with /.",
        markup=False,
    )
    chat.console.print(KEYS_HELP, markup=False, style="dim")


async def cmd_agents(chat: Chat, args: str) -> None:
    agents = chat.team.agents
    if args:
        name = _words(args)[0]
        spec = agents.get(name)
        if spec is None:
            raise unknown("agent", name, agents)
        chat.console.print(f"{spec.name} ({spec.role})", style="bold", markup=False)
        chat.console.print(spec.description, markup=False)
        chat.console.print(f"model: {spec.model or '(the chat model)'}", markup=False)
        chat.console.print(f"tools: {', '.join(spec.tools) or '-'}", markup=False)
        if spec.source is not None:
            chat.console.print(f"file: {spec.source}", markup=False, style="dim")
        return
    table = _table("agent", "role", "tools", "what it is for")
    for name, spec in sorted(agents.items(), key=lambda kv: (kv[1].role != "planner", kv[0])):
        _row(table, name, spec.role, ", ".join(spec.tools) or "-", spec.description)
    chat.console.print(table)


async def cmd_tools(chat: Chat, args: str) -> None:
    from agentcore.tools import tool_meta

    registry = chat.team.registry
    tools = registry.tools
    owners = registry.owners["tools"]

    def approval(name: str) -> str:
        if name in chat.session.always:
            return "always (this session)"
        return "asks" if tool_meta(tools[name]).requires_approval else ""

    if args:
        name = _words(args)[0]
        if name not in tools:
            raise unknown("tool", name, tools)
        tool = tools[name]
        meta = tool_meta(tool)
        users = [a for a, spec in sorted(chat.team.agents.items()) if name in spec.tools]
        chat.console.print(f"{name}  (plugin {owners.get(name, '?')})", style="bold", markup=False)
        chat.console.print(tool.description.strip(), markup=False)
        chat.console.print(
            f"risk: {meta.risk.value} · timeout {meta.timeout_s:g}s"
            + (f" · approval: {approval(name)}" if approval(name) else "")
            + f"\nused by: {', '.join(users) or 'no agent'}",
            markup=False,
        )
        return
    table = _table("tool", "plugin", "risk", "approval", "what it does")
    for name, tool in sorted(tools.items()):
        first = (tool.description or "").strip().splitlines()
        _row(
            table,
            name,
            owners.get(name, "?"),
            tool_meta(tool).risk.value,
            approval(name),
            first[0] if first else "",
        )
    chat.console.print(table)


def check_model(team: Team, spec: str) -> str:
    """Build the model once, so a bad spec or a missing key shows now, not mid-turn."""
    from agentcore.models import ModelClient

    client = ModelClient.from_specs(
        spec,
        fallbacks=team.settings.fallback_models,
        settings=team.settings,
        registry=team.registry,
    )
    return client.spec


async def cmd_model(chat: Chat, args: str) -> None:
    if not args:
        chat.console.print(f"model: {chat.session.model}", markup=False)
        chat.console.print(
            "change it with /model PROVIDER:NAME, e.g. /model openai:gpt-4o-mini", style="dim"
        )
        return
    spec = _words(args)[0]
    chat.session.model = await asyncio.to_thread(check_model, chat.team, spec)
    chat.console.print(f"model: {chat.session.model} (from the next turn)", markup=False)


def _limit_value(name: str, raw: str) -> Any:
    if raw.strip().lower() in _NONE_WORDS:
        if name != "max_cost_usd":
            raise UserError(f"{name} cannot be turned off", hint="give it a positive number")
        return None
    return raw


def effective_limits(chat: Chat, overrides: dict[str, Any] | None = None) -> Any:
    """The limits the next turn runs with: the configuration, then the session's changes."""
    from pydantic import ValidationError

    from agentcore.config import Limits

    merged = {**chat.team.settings.limits.model_dump(), **chat.session.limits, **(overrides or {})}
    try:
        return Limits.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(map(str, err["loc"]))
        msg = str(err["msg"]).replace("Input should be", "must be")
        raise UserError(
            f"{name} {msg} (got {err.get('input')!r})", hint="limits are positive numbers"
        ) from None


async def cmd_limits(chat: Chat, args: str) -> None:
    words = _words(args)
    if words == ["reset"]:
        chat.session.limits.clear()
        chat.console.print("limits: back to the configuration", markup=False)
        words = []
    elif words:
        changes: dict[str, Any] = {}
        for word in words:
            name, eq, raw = word.partition("=")
            if not eq or not raw:
                raise UserError(
                    f"cannot read '{word}'", hint="write NAME=VALUE, e.g. /limits max_steps=5"
                )
            name = name.strip().replace("-", "_")
            if name not in LIMIT_NAMES:
                raise unknown("limit", name, LIMIT_NAMES)
            changes[name] = _limit_value(name, raw)
        limits = effective_limits(chat, changes)  # raises before anything changes
        chat.session.limits.update({k: getattr(limits, k) for k in changes})
    limits = effective_limits(chat)
    table = _table("limit", "value", "from")
    for name in LIMIT_NAMES:
        value = getattr(limits, name)
        _row(
            table,
            name,
            "none" if value is None else f"{value:g}",
            "this session" if name in chat.session.limits else "configuration",
        )
    chat.console.print(table)


def _open_memory(chat: Chat) -> Any:
    settings = chat.team.settings
    uri = settings.memory_uri
    if "://" not in uri and not Path(uri).exists():
        return None
    from agentcore.memory import Memory

    return Memory.open(settings)


async def cmd_memory(chat: Chat, args: str) -> None:
    action, _, rest = args.partition(" ")
    action = action.lower() or "stats"
    if action not in ("search", "list", "stats"):
        raise unknown("/memory action", action, ("search", "list", "stats"))
    if action == "search" and not rest.strip():
        raise UserError("/memory search needs a query", hint="e.g. /memory search units")
    memory = await asyncio.to_thread(_open_memory, chat)
    if memory is None:
        chat.console.print(
            f"no memories yet (they are kept in {chat.team.settings.memory_uri} once a run "
            "learns something)",
            markup=False,
        )
        return
    if action == "stats":
        stats = await asyncio.to_thread(memory.stats)
        kinds = ", ".join(f"{k} {n}" for k, n in stats.by_kind.items() if n) or "none"
        scopes = ", ".join(f"{k} {n}" for k, n in stats.by_scope.items() if n) or "none"
        chat.console.print(
            f"{stats.count} memories ({stats.expired} expired) in {stats.uri}\n"
            f"by kind: {kinds}\nby scope: {scopes}\nembedder: {stats.embedder} ({stats.dim}-d)",
            markup=False,
        )
        return
    if action == "list":
        records = await asyncio.to_thread(memory.list, limit=20)
        rows = [(r.id[:8], r.kind, r.scope, r.text) for r in records]
    else:
        hits = await asyncio.to_thread(memory.search, rest.strip(), k=10)
        rows = [(h.record.id[:8], h.record.kind, f"{h.score:.2f}", h.record.text) for h in hits]
    if not rows:
        chat.console.print("no memories found", markup=False)
        return
    table = _table("id", "kind", "scope" if action == "list" else "score", "memory")
    for row in rows:
        _row(table, *row)
    chat.console.print(table)


async def cmd_history(chat: Chat, args: str) -> None:
    _expect_no_args("history", args)
    turns = chat.session.turns
    if not turns:
        chat.console.print("no turns yet", markup=False)
        return
    from agentcore.cli._render import shorten

    table = _table("#", "task", "status", "tokens", "cost", "run")
    for n, turn in enumerate(turns, start=1):
        style = "dim" if n <= chat.session.context_start else None
        _row(
            table,
            str(n),
            shorten(turn.task, 60),
            turn.status,
            f"{turn.input_tokens + turn.output_tokens:,}",
            f"${turn.cost_usd:.4f}",
            turn.run_id or "-",
            style=style,
        )
    chat.console.print(table)
    chat.console.print(
        f"{len(turns)} turn(s) · {chat.session.tokens:,} tokens · ${chat.session.cost_usd:.4f}"
        + (" · dim turns are before the last /reset" if chat.session.context_start else ""),
        markup=False,
        style="dim",
    )


async def cmd_reset(chat: Chat, args: str) -> None:
    _expect_no_args("reset", args)
    dropped = chat.session.reset()
    chat.console.print(
        f"new conversation: the next task starts fresh ({dropped} earlier turn(s) set aside; "
        "/history still lists them)",
        markup=False,
    )


def default_save_path(chat: Chat) -> Path:
    """Where ``/save`` with no file writes: the data dir's chats/ folder."""
    return chat.team.settings.data_dir / "chats" / f"{chat.session.id}.json"


async def cmd_save(chat: Chat, args: str) -> None:
    words = _words(args)
    if len(words) > 1:
        raise UserError("/save takes one file name", hint="quote a name with spaces")
    path = Path(words[0]) if words else default_save_path(chat)
    saved = await asyncio.to_thread(chat.session.save, path)
    what = "transcript" if saved.suffix.lower() == ".md" else "session"
    chat.console.print(f"{what} saved to {saved} ({len(chat.session.turns)} turn(s))", markup=False)


async def cmd_load(chat: Chat, args: str) -> None:
    words = _words(args)
    if len(words) != 1:
        raise UserError("/load needs one file", hint="e.g. /load chat.json (a file /save wrote)")
    from agentcore.chat._session import ChatSession

    loaded = await asyncio.to_thread(ChatSession.load, Path(words[0]))
    if loaded.model:
        try:
            await asyncio.to_thread(check_model, chat.team, loaded.model)
        except UserError as exc:
            chat.console.print(
                f"the saved model {loaded.model} is not usable here ({exc.message}); "
                f"keeping {chat.session.model}",
                markup=False,
                style="yellow",
            )
            loaded.model = chat.session.model
    else:
        loaded.model = chat.session.model
    loaded.always = chat.session.always  # approvals belong to this session, not the file
    chat.session = loaded
    chat.console.print(
        f"loaded {len(loaded.turns)} turn(s) ({len(loaded.conversation())} in the conversation) "
        f"· model {loaded.model}",
        markup=False,
    )


async def cmd_runs(chat: Chat, args: str) -> None:
    _expect_no_args("runs", args)
    from agentcore.chat._runs import recent_runs
    from agentcore.cli._render import shorten

    runs = await asyncio.to_thread(recent_runs, chat.team.settings.runs_dir, limit=15)
    if not runs:
        chat.console.print("no runs yet", markup=False)
        return
    mine = set(chat.session.run_ids)
    table = _table("run", "when", "status", "cost", "task")
    for run in runs:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.started)) if run.started else "?"
        cost = f"${run.cost_usd:.4f}" if run.cost_usd is not None else "-"
        _row(
            table,
            run.run_id + (" *" if run.run_id in mine else ""),
            when,
            run.status,
            cost,
            shorten(run.task, 50),
        )
    chat.console.print(table)
    chat.console.print(
        "* this session · continue an unfinished one with /resume RUN_ID", style="dim"
    )


async def cmd_resume(chat: Chat, args: str) -> None:
    words = _words(args)
    if len(words) != 1:
        raise UserError("/resume needs one run id", hint="/runs lists the recent ones")
    await chat.resume_run(words[0])


async def cmd_approvals(chat: Chat, args: str) -> None:
    words = _words(args)
    always = chat.session.always
    if words == ["reset"]:
        count = len(always)
        always.clear()
        chat.console.print(f"approvals reset: {count} tool(s) will ask again", markup=False)
        return
    if words:
        raise UserError(f"unknown /approvals argument '{words[0]}'", hint="/approvals [reset]")
    if always:
        chat.console.print(
            "approved for this session without asking: " + ", ".join(sorted(always)),
            markup=False,
        )
        chat.console.print("/approvals reset makes them ask again", style="dim")
    else:
        chat.console.print(
            "no tool is approved for the whole session; answer [a]lways when asked to add one",
            markup=False,
        )


async def cmd_quit(chat: Chat, args: str) -> None:
    chat.quit()


COMMANDS: tuple[SlashCommand, ...] = (
    SlashCommand(
        name="help",
        usage="/help [COMMAND]",
        summary="This list, or one command's usage.",
        handler=cmd_help,
    ),
    SlashCommand(
        name="agents",
        usage="/agents [NAME]",
        summary="The agents of the team, or one agent.",
        handler=cmd_agents,
    ),
    SlashCommand(
        name="tools",
        usage="/tools [NAME]",
        summary="The tools, their risk and approval, or one tool.",
        handler=cmd_tools,
    ),
    SlashCommand(
        name="model",
        usage="/model [PROVIDER:NAME]",
        summary="Show or change the model for the next turns.",
        handler=cmd_model,
    ),
    SlashCommand(
        name="limits",
        usage="/limits [NAME=VALUE ... | reset]",
        summary="Show or change the run limits for the next turns.",
        handler=cmd_limits,
        words=(*(f"{n}=" for n in LIMIT_NAMES), "reset"),
    ),
    SlashCommand(
        name="memory",
        usage="/memory [search QUERY | list | stats]",
        summary="Long-term memory: search it, list it, or its counts.",
        handler=cmd_memory,
        words=("search", "list", "stats"),
    ),
    SlashCommand(
        name="history", usage="/history", summary="The turns of this session.", handler=cmd_history
    ),
    SlashCommand(
        name="reset",
        usage="/reset",
        summary="Start a new conversation (the next task starts fresh).",
        handler=cmd_reset,
    ),
    SlashCommand(
        name="save",
        usage="/save [FILE]",
        summary="Save the session (JSON; .md for a transcript).",
        handler=cmd_save,
    ),
    SlashCommand(
        name="load",
        usage="/load FILE",
        summary="Load a session /save wrote and continue it.",
        handler=cmd_load,
    ),
    SlashCommand(
        name="runs", usage="/runs", summary="Recent runs, this session's marked.", handler=cmd_runs
    ),
    SlashCommand(
        name="resume",
        usage="/resume RUN_ID",
        summary="Continue an unfinished run from its checkpoint.",
        handler=cmd_resume,
    ),
    SlashCommand(
        name="approvals",
        usage="/approvals [reset]",
        summary="Tools approved for the whole session; reset them.",
        handler=cmd_approvals,
        words=("reset",),
    ),
    SlashCommand(
        name="quit",
        usage="/quit",
        summary="Leave (Ctrl-D does too).",
        handler=cmd_quit,
        aliases=("exit",),
    ),
)
_BY_NAME = {name: c for c in COMMANDS for name in (c.name, *c.aliases)}


def names() -> list[str]:
    """Every command name and alias, without the slash."""
    return sorted(_BY_NAME)


def find(name: str) -> SlashCommand:
    """The command called ``name`` (or an alias).

    Raises:
        UserError: No such command; the message lists the closest ones.
    """
    command = _BY_NAME.get(name.lower())
    if command is None:
        error = unknown("command", name, _BY_NAME, prefix="/", list_all=False)
        hint = (error.hint + " " if error.hint else "") + "type /help for the list"
        raise UserError(error.message, hint=hint)
    return command


async def dispatch(chat: Chat, line: CommandLine) -> None:
    """Run one command line (``UserError`` for an unknown command or bad arguments)."""
    await find(line.name).handler(chat, line.args)


def argument_words(name: str, chat_agents: Sequence[str], tools: Sequence[str]) -> list[str]:
    """What may follow ``/name `` (for completion)."""
    command = _BY_NAME.get(name)
    if command is None:
        return []
    if command.name == "agents":
        return sorted(chat_agents)
    if command.name == "tools":
        return sorted(tools)
    if command.name == "help":
        return [c.name for c in COMMANDS]
    return list(command.words)

"""Rendering of live run events and of final results: rich on a TTY, plain lines otherwise."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, TextIO

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live

    from agentcore.api import RunEvent, RunResult

ANSWER_AGENTS = frozenset({"synthesis"})
_STATUS_STYLE = {
    "completed": "green",
    "done": "green",
    "limit_reached": "yellow",
    "interrupted": "yellow",
    "skipped": "dim",
}


class EventSink(Protocol):
    def handle(self, event: RunEvent) -> None: ...

    def finish(self, result: RunResult) -> None: ...


def _pick(data: Mapping[str, Any], *keys: str, default: Any = None) -> Any:
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return default


def shorten(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def summarize_args(args: Any, width: int = 60) -> str:
    """``query='cats', limit=3`` from a tool call's arguments, cut to ``width`` characters."""
    if isinstance(args, Mapping):
        text = ", ".join(f"{k}={v!r}" for k, v in args.items())
    elif isinstance(args, str):  # already summarised by the graph
        text = args
    else:
        text = json.dumps(args, default=str)
    return shorten(text, width)


def human_size(chars: int) -> str:
    if chars < 1000:
        return f"{chars} chars"
    if chars < 1_000_000:
        return f"{chars / 1000:.1f}k chars"
    return f"{chars / 1_000_000:.1f}M chars"


def _result_size(data: Mapping[str, Any]) -> int:
    size = _pick(data, "chars", "size")
    if isinstance(size, int):
        return size
    return len(str(_pick(data, "content", "output", "result", default="")))


def describe(event: RunEvent) -> str | None:
    """One line about ``event``, or ``None`` for events that are not worth a line."""
    data = event.data
    agent = event.agent or "?"
    step = f" [{event.step}]" if event.step else ""
    match event.kind:
        case "run_start":
            return f"run {_pick(data, 'run_id', default='?')} started · model {data.get('model')}"
        case "plan":
            steps = data.get("steps") or []
            lines = [f"plan: {len(steps)} step(s)"]
            for s in steps:
                after = f" (after {', '.join(s['depends_on'])})" if s.get("depends_on") else ""
                lines.append(
                    f"  {s.get('id')} → {s.get('agent')}: {shorten(s.get('instruction', ''), 70)}"
                    f"{after}"
                )
            return "\n".join(lines)
        case "step_start":
            return f"▶ {agent}{step} {shorten(_pick(data, 'instruction', default=''), 70)}"
        case "tool_call":
            name = _pick(data, "tool", "name", default="?")
            return f"  ↳ {agent} calls {name}({summarize_args(_pick(data, 'args', default={}))})"
        case "tool_result":
            name = _pick(data, "tool", "name", default="?")
            size = human_size(_result_size(data))
            if data.get("is_error") or data.get("error"):
                err = data.get("error")
                return f"  ✗ {name} returned an error" + (f": {shorten(err, 80)}" if err else "")
            return f"  ← {name}: {size}"
        case "artifact":
            return f"  + artifact {_pick(data, 'path', 'name', default='?')}"
        case "step_end":
            status = _pick(data, "status", default="done")
            mark = "✓" if status == "done" else "✗"
            detail = _pick(data, "error", "summary", default="")
            return f"{mark} {agent}{step} {status}" + (f": {shorten(detail, 70)}" if detail else "")
        case "limit":
            limit = _pick(data, "limit", "name", default="?")
            value = f" ({data['value']})" if data.get("value") is not None else ""
            return f"! limit reached: {limit}{value} — wrapping up with what the run has"
        case "replan":
            failed = data.get("failed") or []
            reason = _pick(data, "reason", default="")
            why = f" after failed step(s) {', '.join(map(str, failed))}" if failed else ""
            return f"↻ re-planning{why}" + (f": {shorten(reason, 70)}" if reason else "")
        case "error":
            return f"! error: {shorten(_pick(data, 'error', 'message', default='?'), 100)}"
        case "injection_guard":
            return _injection_line(agent, step, data)
        case _:
            return None


def _injection_line(agent: str, step: str, data: Mapping[str, Any]) -> str:
    """A guarded tool (code, network) called with untrusted content in the agent's context."""
    sources = ", ".join(map(str, data.get("untrusted") or [])) or "?"
    decision = data.get("decision")
    outcome = {
        "not_asked": "allowed and recorded (policy normal)",
        "deny": "stopped (policy strict)",
    }.get(str(decision), "approved (policy strict)")
    return (
        f"  ⚠ {agent}{step} calls {data.get('tool', '?')} after untrusted content from "
        f"{shorten(sources, 60)}: {outcome}"
    )


def _usage_rows(result: RunResult) -> list[tuple[str, Any]]:
    return [*result.usage.by_agent.items(), ("total", result.usage.total)]


def status_line(result: RunResult) -> str:
    parts = [f"{result.status} in {result.duration_s:.1f}s", f"run {result.run_id}"]
    parts.append(f"model {result.model}")
    if result.limit:
        parts.append(f"limit {result.limit}")
    if result.artifacts:
        parts.append(f"{len(result.artifacts)} artifact(s) in {result.workspace}")
    line = " · ".join(parts)
    if result.error:
        line += f"\nerror: {result.error}"
    if result.status == "interrupted":
        line += f"\nresume with: agentcore run --resume {result.run_id}"
    return line


class PlainSink:
    """Plain text lines, for pipes and log files."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def _write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def handle(self, event: RunEvent) -> None:
        line = describe(event)
        if line is not None:
            self._write(line)

    def finish(self, result: RunResult) -> None:
        self._write(f"\nanswer:\n{result.answer.strip()}\n")
        if result.steps:
            self._write("steps:")
            for s in result.steps:
                self._write(f"  {s.id}  {s.agent}  {s.status}  {shorten(s.instruction, 60)}")
        self._write("usage:")
        for name, u in _usage_rows(result):
            self._write(
                f"  {name}  calls={u.calls} input_tokens={u.input_tokens} "
                f"output_tokens={u.output_tokens} cost_usd={u.cost_usd:.4f}"
            )
        self._write(f"status: {status_line(result)}")


class LiveSink:
    """A rich live display: a status line, events above it, the answer's tokens as they come."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.status = "starting"
        self.tokens: list[str] = []
        self.used_tokens = 0
        self.cost_usd = 0.0
        self._live: Live | None = None

    def __enter__(self) -> LiveSink:
        from rich.live import Live

        self._live = Live(
            self._renderable(), console=self.console, transient=True, refresh_per_second=12
        )
        self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def _renderable(self) -> RenderableType:
        from rich.console import Group
        from rich.markdown import Markdown
        from rich.spinner import Spinner

        status = self.status
        if self.used_tokens:
            status += f" · {self.used_tokens:,} tokens · ${self.cost_usd:.4f}"
        parts: list[RenderableType] = [Spinner("dots", text=status, style="cyan")]
        if self.tokens:
            keep = max(self.console.height - 4, 3)
            tail = "".join(self.tokens).splitlines()[-keep:]
            parts.append(Markdown("\n".join(tail)))
        return Group(*parts)

    def handle(self, event: RunEvent) -> None:
        from rich.markup import escape

        if event.kind == "model_call":
            data = event.data
            self.used_tokens += int(data.get("input_tokens", 0)) + int(data.get("output_tokens", 0))
            self.cost_usd += float(data.get("cost_usd") or 0.0)
        elif event.kind == "token":
            if event.agent in ANSWER_AGENTS or event.agent is None:
                self.tokens.append(str(_pick(event.data, "text", "token", default="")))
                self.status = "writing the answer"
        else:
            line = describe(event)
            if line is not None:
                style = "bold" if event.kind in ("plan", "step_start") else ""
                if event.kind == "limit" or line.lstrip().startswith("✗"):
                    style = "yellow"
                self.console.print(escape(line), style=style or None)
            if event.kind in ("step_start", "tool_call"):
                self.status = f"{event.agent} working" + (f" on {event.step}" if event.step else "")
            elif event.kind == "plan":
                self.status = "agents starting"
        if self._live is not None:
            self._live.update(self._renderable())

    def finish(self, result: RunResult) -> None:
        self.__exit__()
        render_result(self.console, result)


def render_result(console: Console, result: RunResult) -> None:
    """The final answer as Markdown, the steps, usage by agent and the status."""
    from rich.markdown import Markdown
    from rich.rule import Rule
    from rich.table import Table

    console.print(Rule("answer", style="cyan"))
    console.print(Markdown(result.answer or "_(no answer)_"))
    if result.steps:
        steps = Table(title="steps", title_justify="left", box=None, pad_edge=False)
        for col in ("step", "agent", "status", "instruction"):
            steps.add_column(col, overflow="fold" if col == "instruction" else "ellipsis")
        for s in result.steps:
            style = _STATUS_STYLE.get(s.status, "red")
            steps.add_row(s.id, s.agent, f"[{style}]{s.status}[/]", shorten(s.instruction, 80))
        console.print(steps)
    usage = Table(title="usage", title_justify="left", box=None, pad_edge=False)
    usage.add_column("agent")
    for col in ("calls", "input tokens", "output tokens", "cost (USD)"):
        usage.add_column(col, justify="right")
    for name, u in _usage_rows(result):
        usage.add_row(
            name,
            str(u.calls),
            f"{u.input_tokens:,}",
            f"{u.output_tokens:,}",
            f"{u.cost_usd:.4f}",
            style="bold" if name == "total" else None,
        )
    console.print(usage)
    style = _STATUS_STYLE.get(result.status, "red")
    console.print(status_line(result), style=style, markup=False)

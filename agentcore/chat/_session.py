"""A chat session's state: the turns so far, the model and limits, approvals; save and load."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentcore.errors import UserError

if TYPE_CHECKING:
    from agentcore.result import RunResult

FORMAT = "agentcore-chat"
VERSION = 1
# Turns that produced an answer the next turns may build on.
ANSWERED = frozenset({"completed", "limit_reached"})


@dataclass(kw_only=True, slots=True)
class Turn:
    """One task the user gave and what came of it.

    Attributes:
        task: What the user asked.
        answer: The final answer ("" when the run was cancelled or failed without one).
        status: The run's status, or ``cancelled`` when the user stopped it.
        run_id: The run's id (its checkpoint and trace), when it started.
        model: The model spec the run used.
        input_tokens: Input tokens of the whole run.
        output_tokens: Output tokens of the whole run.
        cost_usd: Estimated cost of the run.
        duration_s: Wall time of the run.
        artifacts: Files the run wrote, relative to ``workspace``.
        workspace: The run's workspace.
    """

    task: str
    answer: str = ""
    status: str = "completed"
    run_id: str | None = None
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    duration_s: float = 0.0
    artifacts: list[str] = field(default_factory=list)
    workspace: str = ""

    @classmethod
    def from_result(cls, task: str, result: RunResult) -> Turn:
        """The turn a finished run makes."""
        total = result.usage.total
        return cls(
            task=task,
            answer=result.answer,
            status=result.status,
            run_id=result.run_id,
            model=result.model,
            input_tokens=total.input_tokens,
            output_tokens=total.output_tokens,
            cost_usd=total.cost_usd,
            duration_s=result.duration_s,
            artifacts=list(result.artifacts),
            workspace=result.workspace,
        )

    @property
    def answered(self) -> bool:
        """Whether later turns see this one (it ended with an answer)."""
        return self.status in ANSWERED and bool(self.answer.strip())


@dataclass(kw_only=True, slots=True)
class ChatSession:
    """Everything a chat remembers between turns; ``/save`` writes it, ``/load`` reads it.

    Attributes:
        id: The session id (names the default ``/save`` file).
        model: The model spec new turns use.
        limits: Limit overrides for new turns (field -> value), on top of the configuration.
        turns: Every turn, in order, including cancelled and failed ones.
        workspace: The directory every turn works in, so that a turn finds the files the
            earlier ones wrote ("" until the first run creates one).
        always: Tools the user approved for the rest of the session.
        started_at: When the session started (epoch seconds).
    """

    id: str = field(default_factory=lambda: time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:4])
    model: str = ""
    limits: dict[str, Any] = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)
    workspace: str = ""
    always: set[str] = field(default_factory=set)
    started_at: float = field(default_factory=time.time)
    # Turns before this index were dropped by /reset: kept for /history, not sent on.
    context_start: int = 0

    def conversation(self) -> list[tuple[str, str]]:
        """The earlier ``(task, answer)`` pairs the next run continues from."""
        return [(t.task, t.answer) for t in self.turns[self.context_start :] if t.answered]

    def add(self, turn: Turn) -> None:
        """Record a turn."""
        self.turns.append(turn)

    def reset(self) -> int:
        """Start a new conversation; returns how many answered turns were dropped from it."""
        dropped = len(self.conversation())
        self.context_start = len(self.turns)
        return dropped

    @property
    def cost_usd(self) -> float:
        """Estimated cost of every turn so far."""
        return round(sum(t.cost_usd for t in self.turns), 6)

    @property
    def tokens(self) -> int:
        """Input plus output tokens of every turn so far."""
        return sum(t.input_tokens + t.output_tokens for t in self.turns)

    @property
    def run_ids(self) -> list[str]:
        """The ids of the runs this session started."""
        return [t.run_id for t in self.turns if t.run_id]

    # --- files ------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The document ``/save`` writes."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "id": self.id,
            "model": self.model,
            "limits": dict(self.limits),
            "started_at": self.started_at,
            "context_start": self.context_start,
            "workspace": self.workspace,
            "turns": [asdict(t) for t in self.turns],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], *, source: str = "<session>") -> ChatSession:
        """Rebuild a session from :meth:`to_json`'s document.

        Raises:
            UserError: The document is not a saved chat session, naming what is wrong.
        """
        if not isinstance(doc, Mapping) or doc.get("format") != FORMAT:
            raise UserError(
                f"{source} is not a saved chat session",
                hint='load a file that /save wrote (JSON with "format": "agentcore-chat")',
            )
        if doc.get("version") != VERSION:
            raise UserError(
                f"{source}: unsupported chat session version {doc.get('version')!r}",
                hint=f"this agentcore reads version {VERSION}",
            )
        turns_raw = doc.get("turns", [])
        if not isinstance(turns_raw, Sequence) or isinstance(turns_raw, str):
            raise UserError(f"{source}: 'turns' must be a list")
        turns: list[Turn] = []
        for i, raw in enumerate(turns_raw):
            if not isinstance(raw, Mapping) or not isinstance(raw.get("task"), str):
                raise UserError(f"{source}: turns[{i}] has no 'task' text")
            known = {k: v for k, v in raw.items() if k in Turn.__dataclass_fields__}
            try:
                turns.append(Turn(**known))
            except TypeError as exc:
                raise UserError(f"{source}: turns[{i}] is malformed: {exc}") from None
        limits = doc.get("limits") or {}
        if not isinstance(limits, Mapping):
            raise UserError(f"{source}: 'limits' must be a table of limit = value")
        return cls(
            id=str(doc.get("id") or cls().id),
            model=str(doc.get("model") or ""),
            limits=dict(limits),
            turns=turns,
            workspace=str(doc.get("workspace") or ""),
            started_at=float(doc.get("started_at") or time.time()),
            context_start=min(int(doc.get("context_start") or 0), len(turns)),
        )

    def save(self, path: Path) -> Path:
        """Write the session to ``path`` (JSON, or a readable transcript for ``.md``).

        Raises:
            UserError: The file cannot be written.
        """
        path = path.expanduser()
        text = (
            self.transcript()
            if path.suffix.lower() == ".md"
            else json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n"
        )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
        return path

    @classmethod
    def load(cls, path: Path) -> ChatSession:
        """Read a session that :meth:`save` wrote.

        Raises:
            UserError: Missing, unreadable, not JSON, or not a chat session.
        """
        path = path.expanduser()
        if path.suffix.lower() == ".md":
            raise UserError(
                f"{path} is a transcript, not a session file",
                hint="a Markdown transcript cannot be loaded back; /save to a .json file for that",
            )
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UserError(f"no such file: {path}", hint="check the path") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read {path}: {exc}") from None
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(
                f"{path} is not JSON: {exc.msg} (line {exc.lineno})",
                hint="load a file that /save wrote",
            ) from None
        return cls.from_json(doc, source=str(path))

    def transcript(self) -> str:
        """The conversation as Markdown, for people."""
        lines = [f"# agentcore chat {self.id}", ""]
        for n, turn in enumerate(self.turns, start=1):
            lines += [f"## {n}. {turn.task}", ""]
            meta = f"_{turn.status}"
            if turn.run_id:
                meta += f" · run {turn.run_id}"
            if turn.model:
                meta += f" · {turn.model}"
            lines += [turn.answer.strip() or "_(no answer)_", "", meta + "_", ""]
        return "\n".join(lines)

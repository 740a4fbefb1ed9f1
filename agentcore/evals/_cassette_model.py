"""CassetteChatModel: answers a run's model calls from a cassette, and notices divergences.

Which recorded sample a run is: the :func:`~agentcore.evals._cassette.sample_scope` around it;
without one, the cassette's only sample, else the sample whose task is the run's task.
Within the sample, calls are answered per ``agent/step`` in recorded order (like
:class:`~agentcore.testing.ReplayChatModel`), so parallel steps replay deterministically.

Before answering, the request's fingerprint is compared with the recorded one (see
:mod:`agentcore.evals._fingerprint` for what counts). A mismatch, a call the recording does
not have, or a sample it does not have raises :class:`~agentcore.errors.ReplayDivergenceError`;
from then on every call of that run raises the same error, so the run fails with the first
divergence. Recorded calls a run did not make are reported on the sample scope, not raised.

Ids the recorded tools generated (a trained model's id, a memory id) are mapped to the ones
the live tools generate before an answer is served (see :mod:`agentcore.evals._replay_ids`),
and each answer carries the recorded call's usage, so the replay reports the recorded cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage
from pydantic import PrivateAttr

from agentcore.errors import ReplayDivergenceError, ScriptExhaustedError, SpecError
from agentcore.evals._cassette import (
    Cassette,
    CassetteCall,
    CassetteSample,
    SampleScope,
    current_scope,
    read_cassette,
)
from agentcore.evals._fingerprint import (
    PREVIEW_CHARS,
    Fingerprint,
    canonical,
    excerpt,
    fingerprint,
    preview_texts,
)
from agentcore.evals._replay_ids import IdConflict, ReplayIds
from agentcore.testing._base import OfflineChatModel, Reply
from agentcore.testing._call import CallInfo, find_task, message_text
from agentcore.testing._queues import ResponseQueues
from agentcore.testing._replay import queue_key, replayed, response_message

__all__ = ["CassetteChatModel"]

_RERECORD = (
    "the run took another path than the recording (a changed data file, prompt, tool or "
    "code); record the cassette again with --record"
)


@dataclass(kw_only=True, slots=True)
class _SampleReplay:
    """One run's replay of one sample: cursors, what was served, the first divergence."""

    sample: CassetteSample
    path: str
    scope: SampleScope | None
    queues: ResponseQueues[CassetteCall]
    ids: ReplayIds
    served: set[int] = field(default_factory=set)
    error: ReplayDivergenceError | None = None

    def unused(self) -> list[str]:
        return [
            f"{self.sample.label} call {c.n} ({c.where})"
            for c in self.sample.calls
            if c.n not in self.served
        ]


class CassetteChatModel(OfflineChatModel):
    """Replays the model calls recorded in a cassette, checking each request against it.

    Recorded usage (tokens and cost) is kept on every answer, and the recorded run's generated
    ids are mapped to the live run's. Build it with :meth:`from_file` (the ``replay:FILE``
    provider does so when FILE is a cassette).
    """

    _cassette: Cassette = PrivateAttr()
    _runs: dict[tuple[int | None, str | None], _SampleReplay] = PrivateAttr(default_factory=dict)

    @classmethod
    def from_file(cls, path: str | Path) -> CassetteChatModel:
        """Load a cassette (parsed once per file version, shared by every model built on it).

        Raises:
            SpecError: The file is missing, not a cassette, malformed, or has no samples.
        """
        cassette = read_cassette(path)
        if not cassette.samples:
            raise SpecError(
                "the cassette has no recorded samples",
                path=str(path),
                hint="record some with `agentcore eval SUITE --record FILE`",
            )
        model = cls(script_name=cassette.name)
        model._cassette = cassette
        return model

    @property
    def model_label(self) -> str:
        """``replay:<cassette name>``."""
        return f"replay:{self.script_name}"

    def _reset_cursors(self) -> None:
        self._runs.clear()

    def _reply(self, messages: list[BaseMessage], info: CallInfo) -> Reply:
        got = fingerprint(messages, run_id=info.run_id)
        with self._lock:
            replay = self._replay_for(messages, info)
            if replay.error is not None:
                raise replay.error
            try:
                call, number = self._next(replay, info)
                if call.request and call.request != got.digest:
                    raise _diverged(replay, call, number, messages, got, info.run_id)
                key = queue_key(info.agent, info.step)
                conflict = replay.ids.learn(key, messages, info.run_id)
                if conflict is not None:
                    raise _conflicting(replay, call, number, conflict)
            except ReplayDivergenceError as exc:
                replay.error = exc
                raise
            replay.served.add(call.n)
            message = response_message({"response": call.response}, replay.path, call.n)
            message = replay.ids.apply(message)
        return replayed(message, call.usage)

    def _replay_for(self, messages: list[BaseMessage], info: CallInfo) -> _SampleReplay:
        scope = current_scope()
        key = (id(scope) if scope is not None else None, info.run_id)
        replay = self._runs.get(key)
        if replay is None:
            sample = self._sample(scope, messages)
            replay = _SampleReplay(
                sample=sample,
                path=str(self._cassette.path),
                scope=scope,  # kept alive so its id is not reused while this replay exists
                queues=ResponseQueues(script=self.script_name, keyed=_queues(sample)),
                ids=ReplayIds(tools=_tools(sample), recorded_run=sample.run_id),
            )
            self._runs[key] = replay
            if scope is not None:
                scope.on_exit(replay.unused)
        return replay

    def _sample(self, scope: SampleScope | None, messages: list[BaseMessage]) -> CassetteSample:
        samples = self._cassette.samples
        if scope is not None:
            sample = samples.get((scope.case_id, scope.epoch))
            if sample is None:
                raise ReplayDivergenceError(
                    f"cassette '{self.script_name}' has no recording of case "
                    f"'{scope.case_id}' epoch {scope.epoch} (it has: {_listing(samples)}); "
                    "record it with --record, or run only the recorded cases and epochs",
                    case_id=scope.case_id,
                    epoch=scope.epoch,
                )
            return sample
        if len(samples) == 1:
            return next(iter(samples.values()))
        task = " ".join(find_task(messages).split())
        found = [s for s in samples.values() if " ".join(s.task.split()) == task]
        if not found:
            human = " ".join(
                " ".join(message_text(m).split()) for m in messages if isinstance(m, HumanMessage)
            )
            found = [s for s in samples.values() if s.task and " ".join(s.task.split()) in human]
        if len(found) == 1:
            return found[0]
        what = "no recorded sample has" if not found else f"{len(found)} recorded samples have"
        raise ReplayDivergenceError(
            f"cassette '{self.script_name}' holds {len(samples)} samples and {what} this run's "
            f"task ({excerpt(task, 0)!r}); run it inside sample_scope(case_id, epoch) to say "
            f"which one it is (recorded: {_listing(samples)})"
        )

    def _next(self, replay: _SampleReplay, info: CallInfo) -> tuple[CassetteCall, int]:
        try:
            call, _where, index = replay.queues.pick(info)
        except ScriptExhaustedError:
            raise _missing(replay, info) from None
        return call, index + 1


def _queues(sample: CassetteSample) -> dict[str, list[CassetteCall]]:
    keyed: dict[str, list[CassetteCall]] = {}
    for call in sample.calls:
        keyed.setdefault(queue_key(call.agent, call.step), []).append(call)
    return keyed


def _tools(sample: CassetteSample) -> dict[str, list[dict[str, Any]]]:
    keyed: dict[str, list[dict[str, Any]]] = {}
    for tool in sample.tools:
        keyed.setdefault(queue_key(tool.get("agent"), tool.get("step")), []).append(tool)
    return keyed


def _listing(samples: dict[tuple[str, int], CassetteSample], limit: int = 8) -> str:
    names = [f"{case}#{epoch}" for case, epoch in sorted(samples)]
    more = f", … {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _where(agent: str | None, step: str | None) -> str:
    return f"agent '{agent}'" + (f" step '{step}'" if step else "")


def _missing(replay: _SampleReplay, info: CallInfo) -> ReplayDivergenceError:
    sample = replay.sample
    mine = [
        c for c in sample.calls if c.agent == (info.agent or "") and c.step == (info.step or "")
    ]
    where = _where(info.agent, info.step)
    if mine:
        number = len(mine) + 1
        detail = (
            f"the run made call {number} of {where} but the recording has only {len(mine)} "
            f"(its last was call n={mine[-1].n} of the sample)"
        )
    else:
        number = 1
        detail = f"the recording has no call of {where}"
    return ReplayDivergenceError(
        f"replay diverged on {sample.label}, {where}, call {number}: {detail}; {_RERECORD}",
        case_id=sample.case_id,
        epoch=sample.epoch,
        agent=info.agent,
        step=info.step,
        call=number,
    )


def _diverged(
    replay: _SampleReplay,
    call: CassetteCall,
    number: int,
    messages: list[BaseMessage],
    got: Fingerprint,
    run_id: str | None,
) -> ReplayDivergenceError:
    sample = replay.sample
    return ReplayDivergenceError(
        f"replay diverged on {sample.label}, {call.where}, call {number} (call n={call.n} of "
        f"the sample): {_difference(call, messages, got, run_id)}; {_RERECORD}",
        case_id=sample.case_id,
        epoch=sample.epoch,
        agent=call.agent,
        step=call.step,
        call=number,
    )


def _conflicting(
    replay: _SampleReplay, call: CassetteCall, number: int, conflict: IdConflict
) -> ReplayDivergenceError:
    sample = replay.sample
    return ReplayDivergenceError(
        f"replay diverged on {sample.label}, {call.where}, call {number} (call n={call.n} of "
        f"the sample): {conflict.describe()}, so the recorded answers cannot be mapped to "
        f"this run's ids; {_RERECORD}",
        case_id=sample.case_id,
        epoch=sample.epoch,
        agent=call.agent,
        step=call.step,
        call=number,
    )


def _difference(
    call: CassetteCall, messages: list[BaseMessage], got: Fingerprint, run_id: str | None
) -> str:
    """Which message differs, and a recorded-against-got excerpt where the recording kept it."""
    if not call.request_parts:
        return "the request differs from the recorded one"
    recorded = Fingerprint(digest=call.request, parts=call.request_parts, preview="")
    recorded_count = recorded.count
    index = next(
        (i for i in range(max(recorded_count, got.count)) if recorded.part(i) != got.part(i)),
        None,
    )
    if index is None:
        return "the request differs from the recorded one"
    if index >= got.count:
        return (
            f"the request has {got.count} messages, the recording {recorded_count} "
            f"(message #{index} is missing)"
        )
    role, text = canonical(messages[index], run_id)
    if index >= recorded_count:
        return (
            f"the request has {got.count} messages, the recording {recorded_count}: extra "
            f"message #{index} ({role}) {excerpt(text, 0)!r}"
        )
    kept = preview_texts(call.request_preview).get(index)
    if kept is None:
        return f"message #{index} ({role}) differs (the recording kept only the last messages)"
    kept_role, kept_text = kept
    if kept_role != role:
        return f"message #{index} is {role}, the recording has {kept_role}"
    shown = excerpt(text, 0, PREVIEW_CHARS)
    at = next((i for i, (a, b) in enumerate(zip(kept_text, shown, strict=False)) if a != b), None)
    if at is None:
        return (
            f"message #{index} ({role}) differs after the first {PREVIEW_CHARS} characters "
            f"(the part the recording kept): {excerpt(shown, 0)!r}"
        )
    start = max(0, at - 20)
    return (
        f"message #{index} ({role}) differs: recorded {excerpt(kept_text, start)!r}, "
        f"got {excerpt(shown, start)!r}"
    )

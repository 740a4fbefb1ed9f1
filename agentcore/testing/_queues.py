"""Which response answers which call: one cursor per agent (or one for everyone)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from agentcore.errors import ScriptExhaustedError
from agentcore.testing._call import CallInfo
from agentcore.testing._script import WILDCARD

T = TypeVar("T")


@dataclass(kw_only=True, slots=True)
class ResponseQueues(Generic[T]):
    """Responses as a flat list (served in order to any caller) or keyed by agent.

    Keyed lookup tries ``"agent/step"``, then ``"agent"``, then ``"*"``. Each agent has its own
    cursor, also into ``"*"``, so parallel agents get the same answers however their calls
    interleave. Callers hold the model's lock around :meth:`pick`.
    """

    script: str
    flat: Sequence[T] | None = None
    keyed: Mapping[str, Sequence[T]] | None = None
    repeat_last: bool = False
    _cursors: dict[tuple[str, str | None], int] = field(default_factory=dict)

    def reset(self) -> None:
        """Rewind every cursor."""
        self._cursors.clear()

    def pick(self, info: CallInfo) -> tuple[T, str, int]:
        """The next response for this call, the queue key it came from and its index."""
        if self.keyed is None:
            return self._take(self.flat or (), ("", None), info, "responses")
        candidates = []
        if info.agent is not None:
            if info.step is not None:
                candidates.append(f"{info.agent}/{info.step}")
            candidates.append(info.agent)
        candidates.append(WILDCARD)
        for key in candidates:
            if key in self.keyed:
                cursor = (key, info.agent if key == WILDCARD else None)
                return self._take(self.keyed[key], cursor, info, f"agents.{key}")
        listed = ", ".join(sorted(self.keyed)) or "none"
        if info.agent is None:
            detail = (
                "the call carried no 'agentcore_agent' metadata and the script has no '*' "
                f"entry (it lists: {listed}); add a '*' list, or use a flat `responses` list"
            )
        else:
            detail = (
                f"the script has no list for it (it lists: {listed}); add an "
                f"`{info.agent}:` list or a '*' list under `agents`"
            )
        raise ScriptExhaustedError(self.script, info.agent, 0, detail=detail)

    def _take(
        self, queue: Sequence[T], cursor: tuple[str, str | None], info: CallInfo, where: str
    ) -> tuple[T, str, int]:
        index = self._cursors.get(cursor, 0)
        if index >= len(queue):
            if self.repeat_last and queue:
                return queue[-1], where, len(queue) - 1
            raise ScriptExhaustedError(
                self.script,
                info.agent,
                len(queue),
                detail=(
                    "the run made more model calls than the script has responses; add more "
                    f"under `{where}`, or set `repeat_last: true`"
                ),
            )
        self._cursors[cursor] = index + 1
        return queue[index], where, index

"""Long-term memory inside a run: memories into each agent's context, lessons out of the answer.

Memory is opened on first use, from a worker thread (LanceDB and the embedder load then), and
not at all when there is nothing to recall: a local memory directory that does not exist yet
costs a ``stat``. A memory that fails (corrupt table, embedder mismatch, no permission) is
reported in the trace once and then left alone: it never fails a run.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from langgraph.store.base import BaseStore, Op, Result

from agentcore.config import Settings
from agentcore.injection import mark_untrusted
from agentcore.trace import TraceWriter

if TYPE_CHECKING:
    from agentcore.memory import Memory

#: The heading after which the synthesis lists lessons (see templates/synthesis.md).
_LESSONS = re.compile(r"^\s*(?:#{1,6}\s*)?\**lessons(?: for next time)?:?\**\s*:?\s*$", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.*\S)\s*$")
#: A lesson longer than this is not a lesson but a paragraph; it is cut.
MAX_LESSON_CHARS = 400
#: Lessons stored from one answer, at most.
MAX_LESSONS = 5


def lessons_in(answer: str) -> list[str]:
    """The bullets under the answer's last ``Lessons:`` heading (see the synthesis prompt)."""
    lines = answer.splitlines()
    start = next((i for i in range(len(lines) - 1, -1, -1) if _LESSONS.match(lines[i])), None)
    if start is None:
        return []
    found: list[str] = []
    for line in lines[start + 1 :]:
        if not line.strip():
            if found:
                break
            continue
        bullet = _BULLET.match(line)
        if bullet is None:
            break
        found.append(bullet.group(1)[:MAX_LESSON_CHARS])
    return found[:MAX_LESSONS]


class RunMemory:
    """One run's access to long-term memory; safe to share between parallel steps."""

    def __init__(self, settings: Settings, *, run_id: str, trace: TraceWriter) -> None:
        self._settings = settings
        self._run_id = run_id
        self._trace = trace
        self._memory: Memory | None = None
        self._broken = False
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether memories enter the agents' context (``[memory] context_k`` above 0)."""
        return self._settings.memory.context_k > 0 and not self._broken

    def _exists(self) -> bool:
        uri = self._settings.memory_uri
        return "://" in uri or Path(uri).exists()

    def _open(self, *, create: bool) -> Memory | None:
        with self._lock:
            if self._broken:
                return None
            if self._memory is None:
                if not create and not self._exists():
                    return None
                try:
                    from agentcore.memory import Memory

                    self._memory = Memory.open(self._settings)
                except Exception as exc:  # memory must never fail a run
                    self._broken = True
                    self._trace.write(
                        "error", error=f"long-term memory unavailable: {type(exc).__name__}: {exc}"
                    )
                    return None
            return self._memory

    def _context(self, agent: str, query: str) -> str:
        memory = self._open(create=False)
        if memory is None:
            return ""
        try:
            return memory.context(query, agent=agent)
        except Exception as exc:
            self._trace.write("error", agent=agent, error=f"memory search failed: {exc}")
            return ""

    async def context_for(self, agent: str, query: str) -> str:
        """Memories relevant to ``query`` for ``agent``, formatted and bounded; ``""`` if none.

        They come marked as untrusted (:mod:`agentcore.injection`) unless ``[security]
        injection`` is ``off``.
        """
        if not self.enabled or not query.strip():
            return ""
        if self._memory is None and not self._exists():
            return ""  # no store yet: nothing to recall, and no thread hop to find that out
        text = await asyncio.to_thread(self._context, agent, query)
        if text:
            self._trace.write("memory_context", agent=agent, chars=len(text))
            if self._settings.security.injection != "off":
                # Memories may hold what an earlier run read on the web or in a document.
                text = mark_untrusted(text, "memory")
        return text

    def _learn(self, lessons: list[str]) -> int:
        memory = self._open(create=True)
        if memory is None:
            return 0
        stored = 0
        try:
            for lesson in lessons:
                memory.add(
                    lesson, kind="lesson", agent="synthesis", run_id=self._run_id, source="run"
                )
                stored += 1
        except Exception as exc:
            self._trace.write("error", agent="synthesis", error=f"storing lessons failed: {exc}")
        return stored

    async def learn(self, answer: str) -> int:
        """Store the lessons the final answer lists; returns how many were stored.

        Nothing is opened or written when the answer lists none, or ``[memory] learn`` is off.
        """
        lessons = lessons_in(answer)
        if not lessons or not self._settings.memory.learn:
            return 0
        stored = await asyncio.to_thread(self._learn, lessons)
        if stored:
            self._trace.write("memory_stored", agent="synthesis", count=stored)
        return stored


class LazyStore(BaseStore):
    """The LangGraph store of a run, opened on its first operation.

    The graph is compiled with it so that nodes (and your own graphs built on ours) reach
    long-term storage through ``runtime.store``; a run that never touches it never loads
    LanceDB or the embedder. It is :class:`agentcore.memory.LanceStore` beside the memories.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._store: BaseStore | None = None
        self._lock = threading.Lock()

    @property
    def opened(self) -> bool:
        """Whether the store has been opened."""
        return self._store is not None

    def _open(self) -> BaseStore:
        with self._lock:
            if self._store is None:
                from agentcore.memory import LanceStore

                self._store = LanceStore.from_settings(self._settings)
            return self._store

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """Run the operations on the opened store."""
        return self._open().batch(ops)

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        """Run the operations on the opened store (opened in a worker thread)."""
        store = self._store if self._store is not None else await asyncio.to_thread(self._open)
        return await store.abatch(ops)

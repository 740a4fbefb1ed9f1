"""What a search found, and the numbered text the model reads."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_SPACE = re.compile(r"[^\S\n]+")


@dataclass(frozen=True, kw_only=True, slots=True)
class SearchHit:
    """One result, from the web or from local knowledge.

    Attributes:
        title: The page title, document section or memory kind.
        source: What to cite: the URL, ``file:line span`` of a document chunk, or a memory id.
        snippet: The passage that matched, whitespace collapsed and cut to the configured size.
        score: The backend's relevance score (higher is better), when it gives one.
        published: The publication date, when known (Tavily gives it for news).
        origin: Where it came from: ``"web"``, ``"collection NAME"`` or ``"memory"``.
    """

    title: str
    source: str
    snippet: str
    score: float | None = None
    published: str | None = None
    origin: str = "web"


def clip(text: str, limit: int) -> str:
    """Tidy whitespace (lines kept, blank ones dropped) and cut to ``limit`` characters.

    The cut falls at a word boundary and ends with ``…``.
    """
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    flat = "\n".join(line for line in lines if line)
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "…"


def render(hits: Sequence[SearchHit], *, label: str) -> str:
    """Number the hits under a header line; the model cites them by their source."""
    lines = [label, ""]
    for number, hit in enumerate(hits, start=1):
        lines.append(f"[{number}] {hit.title}")
        lines.append(f"    {'URL' if hit.origin == 'web' else 'Source'}: {hit.source}")
        facts = []
        if hit.origin != "web":
            facts.append(f"from {hit.origin}")
        if hit.published:
            facts.append(f"published {hit.published}")
        if hit.score is not None:
            facts.append(f"score {hit.score:.2f}")
        if facts:
            lines.append("    " + " · ".join(facts))
        lines.extend(f"    {line}" for line in hit.snippet.splitlines())
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"

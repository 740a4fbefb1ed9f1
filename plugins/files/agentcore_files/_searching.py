from __future__ import annotations

import re
from pathlib import Path

from agentcore.tools import Risk, ToolContext, ToolError, tool
from agentcore_files._common import is_binary, limits, matches, missing, plural, rel, walk

MAX_MATCHES = 500
# Only this much of a line is searched: it bounds the cost of a pathological pattern on
# minified files.
MAX_LINE_SEARCH = 10_000
SHOWN_CHARS = 300


def _excerpt(line: str, match: re.Match[str]) -> str:
    text = line.rstrip("\r\n")
    if len(text) <= SHOWN_CHARS:
        return text.strip()
    start = max(0, match.start() - SHOWN_CHARS // 3)
    cut = text[start : start + SHOWN_CHARS].strip()
    return f"{'...' if start else ''}{cut}..."


class _Skipped(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _search_file(
    path: Path, regex: re.Pattern[str], limit: int, max_bytes: int
) -> list[tuple[int, str]]:
    """Return up to ``limit`` (line number, excerpt) hits, or raise ``_Skipped``."""
    try:
        if path.stat().st_size > max_bytes:
            raise _Skipped(f"over {max_bytes:,} bytes")
        if is_binary(path):
            raise _Skipped("binary")
        hits: list[tuple[int, str]] = []
        with path.open(encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, start=1):
                m = regex.search(line, 0, MAX_LINE_SEARCH)
                if m is not None:
                    hits.append((lineno, _excerpt(line, m)))
                    if len(hits) >= limit:
                        break
        return hits
    except OSError:
        raise _Skipped("unreadable") from None


@tool(risk=Risk.READ_ONLY, timeout_s=60.0, untrusted_output=True)
def search_files(
    ctx: ToolContext, pattern: str, path: str = ".", glob: str = "*", max_matches: int = 50
) -> str:
    """Search the text files of the run workspace for a regular expression.

    Returns matching lines as 'file:line: text'. Binary and very large files are skipped.

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        pattern: A Python regular expression matched against each line, e.g. 'def load_' or
            'TODO|FIXME'. Start it with (?i) to ignore case.
        path: Directory (or one file) to search, relative to the workspace root.
        glob: Only search files whose name matches this glob pattern, e.g. '*.py'.
        max_matches: Stop after this many matching lines (1-500).

    """
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise ToolError(
            f"invalid regular expression {pattern!r}: {exc}; escape special characters such "
            "as ( [ . * + ? with a backslash to match them literally"
        ) from None
    if not 1 <= max_matches <= MAX_MATCHES:
        raise ToolError(f"max_matches must be between 1 and {MAX_MATCHES}")
    top = ctx.resolve(path)
    if not top.exists():
        raise missing(ctx, path)

    cap = limits(ctx).max_search_file_bytes
    found: list[str] = []
    files_hit: set[str] = set()
    skipped: dict[str, int] = {}
    searched = 0
    more = False
    for entry in [top] if top.is_file() else walk(top):
        name = rel(ctx, entry)
        if not matches(glob, name):
            continue
        try:
            target = ctx.resolve(name)  # a link is searched only if it stays inside
        except ToolError:
            continue
        if not target.is_file():  # a link to a directory, or a broken one
            continue
        try:
            hits = _search_file(target, regex, max_matches - len(found) + 1, cap)
        except _Skipped as skip:
            skipped[skip.reason] = skipped.get(skip.reason, 0) + 1
            continue
        searched += 1
        for lineno, excerpt in hits:
            if len(found) == max_matches:
                more = True
                break
            found.append(f"{name}:{lineno}: {excerpt}")
            files_hit.add(name)
        if more:
            break

    note = ""
    if skipped:
        parts = (f"{plural(n, 'file')} ({why})" for why, n in sorted(skipped.items()))
        note = "; skipped " + " and ".join(parts)
    if not found:
        return f"no matches for {pattern!r} in {plural(searched, 'file')} under '{path}'{note}"
    header = f"{plural(len(found), 'match', 'matches')} in {plural(len(files_hit), 'file')}{note}:"
    out = [header, *found]
    if more:
        out.append(
            f"[stopped at {max_matches} matches; there are more: narrow the pattern, path or "
            "glob, or raise max_matches]"
        )
    return "\n".join(out)

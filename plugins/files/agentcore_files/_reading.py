from __future__ import annotations

import mimetypes
from pathlib import Path

from agentcore.tools import Risk, ToolContext, ToolError, tool
from agentcore_files._common import human_size, is_binary, missing, rel

MAX_LINES = 2000
MAX_LINE_CHARS = 2000
# Kept under the tool's max_output_chars so that the cut falls on a line boundary and the
# model is told where to continue.
OUTPUT_BUDGET = 45_000


@tool(
    risk=Risk.READ_ONLY,
    timeout_s=30.0,
    max_output_chars=OUTPUT_BUDGET + 5_000,
    untrusted_output=True,
)
def read_file(ctx: ToolContext, path: str, offset_line: int = 1, max_lines: int = 400) -> str:
    """Read a text file from the run workspace, with line numbers.

    Long files come back a page at a time; the reply says which offset_line reads the next page.

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        path: File path relative to the workspace root, e.g. 'data/notes.md'.
        offset_line: First line to show, counting from 1.
        max_lines: How many lines to show at most (up to 2000).

    """
    if offset_line < 1:
        raise ToolError("offset_line counts from 1; pass 1 to read from the start")
    if not 1 <= max_lines <= MAX_LINES:
        raise ToolError(f"max_lines must be between 1 and {MAX_LINES}")
    target = ctx.resolve(path)
    if not target.exists():
        raise missing(ctx, path)
    if target.is_dir():
        raise ToolError(f"'{path}' is a directory; call list_files(path='{path}') to see it")
    name = rel(ctx, target)
    try:
        return _render(target, name, offset_line, max_lines)
    except OSError as exc:
        raise ToolError(f"could not read '{name}': {exc.strerror or exc}") from None


def _render(target: Path, name: str, offset_line: int, max_lines: int) -> str:
    size = target.stat().st_size
    if is_binary(target):
        kind = mimetypes.guess_type(name)[0] or "unknown type"
        raise ToolError(
            f"'{name}' is a binary file ({kind}, {human_size(size)}); read_file shows text only"
        )

    shown: list[str] = []
    used = total = 0
    undecodable = full = False
    with target.open(encoding="utf-8", errors="replace", newline="") as f:
        for total, raw in enumerate(f, start=1):
            if total < offset_line or full:
                continue
            text = raw.rstrip("\r\n")
            undecodable = undecodable or "\ufffd" in text
            if len(text) > MAX_LINE_CHARS:
                text = f"{text[:MAX_LINE_CHARS]}... [line cut: {len(text):,} characters]"
            line = f"{total:>6}\t{text}"
            if len(shown) >= max_lines or used + len(line) > OUTPUT_BUDGET:
                full = True
                continue
            shown.append(line)
            used += len(line) + 1

    if total == 0:
        return f"'{name}' is empty"
    if offset_line > total:
        raise ToolError(f"'{name}' has {total} lines; offset_line {offset_line} is past the end")
    last = offset_line + len(shown) - 1
    header = f"{name} (lines {offset_line}-{last} of {total}, {human_size(size)}):"
    out = [header, *shown]
    if undecodable:
        out.append("[the file is not valid UTF-8; undecodable bytes are shown as \ufffd]")
    if last < total:
        out.append(
            f"[lines {last + 1}-{total} not shown; call read_file(path='{name}', "
            f"offset_line={last + 1}) to continue]"
        )
    return "\n".join(out)

"""Turning an ``Execution`` into what the model reads, and into the full record on disk."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from agentcore.sandbox import Execution, ExecutionError, Result
from agentcore_code._files import write_numbered
from agentcore_code._options import CodeOptions

OUTPUTS_DIR = ".agentcore/outputs"
CHARTS_DIR = "charts"
# Image formats a result can carry, in the order we prefer to save them.
_IMAGES = (("png", "png"), ("jpeg", "jpg"), ("svg", "svg"))
# Colour and cursor escapes: IPython-style tracebacks (E2B) are full of them.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
# Part of a cut text kept from its start; the rest of the budget goes to its end, where
# final results and the last error usually are.
_HEAD_SHARE = 2 / 3


@dataclass(kw_only=True, slots=True)
class Counters:
    """The next numbers to try for this run's saved files (gaps are skipped on disk)."""

    call: int = 1
    chart: int = 1


@dataclass(kw_only=True, slots=True, frozen=True)
class Report:
    """What one ``run_python`` call gives back.

    Attributes:
        text: The answer for the model.
        artifacts: Workspace paths to announce as run artifacts.
    """

    text: str
    artifacts: list[str] = field(default_factory=list)


def plain(text: str) -> str:
    """Drop terminal escape sequences, which only cost tokens."""
    return _ANSI.sub("", text)


def cut(text: str, limit: int) -> tuple[str, bool]:
    """Keep ``limit`` characters of ``text``: its start and its end, with a marker between."""
    if len(text) <= limit:
        return text, False
    head = int(limit * _HEAD_SHARE)
    tail = limit - head
    dropped = len(text) - head - tail
    return f"{text[:head]}\n[... {dropped:,} characters cut ...]\n{text[-tail:]}", True


def _result_text(result: Result) -> str | None:
    """The readable form of a non-image result, if it has one."""
    if result.text is not None:
        return result.text
    if result.markdown is not None:
        return result.markdown
    if result.json is not None:
        return json.dumps(result.json, ensure_ascii=False, default=str)
    other = [f for f in result.formats() if f not in ("png", "jpeg", "svg")]
    return f"[a {'/'.join(other)} result, not shown]" if other else None


def _image(result: Result) -> tuple[bytes, str] | None:
    """The result's image as bytes and a file extension, if it is a chart."""
    for fmt, ext in _IMAGES:
        value: str | None = getattr(result, fmt)
        if value is None:
            continue
        if fmt == "svg":
            return value.encode("utf-8"), ext
        try:
            return base64.b64decode(value, validate=True), ext
        except (binascii.Error, ValueError):
            continue
    return None


def _error_text(error: ExecutionError) -> str:
    """The whole error: its traceback, ending with ``Name: value``."""
    tb = plain(error.traceback).rstrip()
    last = f"{error.name}: {error.value}" if error.value else error.name
    if not tb:
        return last
    return tb if tb.splitlines()[-1].strip() == last.strip() else f"{tb}\n{last}"


def _full_record(
    execution: Execution, code: str, run_id: str, texts: list[str], charts: list[str]
) -> str:
    parts = [f"# run_python · run {run_id} · execution {execution.execution_count}"]
    parts += ["## code", code.rstrip()]
    parts += ["## stdout", plain("".join(execution.logs.stdout)).rstrip() or "(none)"]
    parts += ["## stderr", plain("".join(execution.logs.stderr)).rstrip() or "(none)"]
    parts += ["## results", "\n\n".join([*texts, *charts]) or "(none)"]
    error = _error_text(execution.error) if execution.error is not None else "(none)"
    parts += ["## error", error]
    return "\n\n".join(parts) + "\n"


def report(
    execution: Execution,
    *,
    code: str,
    run_id: str,
    workspace: Path,
    opts: CodeOptions,
    counters: Counters,
    timeout_s: float,
    notes: list[str] | None = None,
    owner: tuple[int, int] | None = None,
) -> Report:
    """Save the charts and the full output, and write the model's view of ``execution``.

    Args:
        execution: What the sandbox returned.
        code: The code that ran (kept in the full record).
        run_id: The run, named in the full record.
        workspace: The run workspace on the host.
        opts: Caps on what the model sees.
        counters: The run's file counters; advanced past the files written.
        timeout_s: The time limit the code ran under (named if it ran out).
        notes: Lines to put first, such as "a new Python session was started".
        owner: ``(uid, gid)`` for the files written (``ToolContext.new_file_owner``).

    Returns:
        The text and the artifacts to announce: every chart, and the full output when the
        model's view of it was cut.
    """
    lines = list(notes or [])
    charts: list[str] = []
    results: list[tuple[str, str]] = []  # (label, text)
    for result in execution.results:
        image = _image(result)
        if image is not None:
            data, ext = image
            try:
                path, n = write_numbered(
                    workspace,
                    CHARTS_DIR,
                    f"chart-{{}}.{ext}",
                    data,
                    start=counters.chart,
                    owner=owner,
                )
            except OSError as exc:
                lines.append(f"[a chart could not be saved: {exc.strerror or exc}]")
                continue
            counters.chart = n + 1
            charts.append(path)
        elif (text := _result_text(result)) is not None:
            results.append(("result" if result.is_main_result else "display", plain(text)))

    record = _full_record(execution, code, run_id, [t for _, t in results], charts)
    saved: str | None = None
    try:
        saved, n = write_numbered(
            workspace,
            OUTPUTS_DIR,
            "call-{}.txt",
            record.encode("utf-8"),
            start=counters.call,
            owner=owner,
        )
        counters.call = n + 1
        where = f"full output in {saved}"
    except OSError as exc:
        where = f"the full output could not be saved: {exc.strerror or exc}"
    was_cut = False

    def section(label: str, text: str, limit: int) -> None:
        nonlocal was_cut
        text = text.rstrip()
        if not text:
            return
        shown, cut_here = cut(text, limit)
        lines.append(f"{label}:\n{shown}")
        if cut_here:
            was_cut = True
            head = int(limit * _HEAD_SHARE)
            lines.append(
                f"[{label} cut: {len(text):,} chars, the first {head:,} and the last "
                f"{limit - head:,} shown; {where}]"
            )

    section("stdout", plain("".join(execution.logs.stdout)), opts.max_stdout_chars)
    section("stderr", plain("".join(execution.logs.stderr)), opts.max_stderr_chars)
    for label, text in results:
        section(label, text, opts.max_result_chars)
    lines += [f"chart saved: {path}" for path in charts]

    if execution.error is not None:
        error = execution.error
        head_line = f"{error.name}: {plain(error.value)}" if error.value else error.name
        lines.append(f"error: {head_line}")
        whole = _error_text(error).splitlines() if plain(error.traceback).strip() else []
        if len(whole) > opts.traceback_lines:
            was_cut = True
            lines.append(
                f"[traceback cut: {len(whole):,} lines, the last {opts.traceback_lines:,} "
                f"shown; {where}]"
            )
        if whole:
            tail = "\n".join(whole[-opts.traceback_lines :])
            lines.append(cut(tail, opts.max_result_chars)[0])
        if error.name == "TimeoutError":
            lines.append(
                f"The code ran past its time limit of {timeout_s:g} s and was stopped. Make it "
                "faster or run it on less data first, or pass a larger timeout_s (at most "
                f"{opts.max_timeout_s:g})."
            )

    if not (execution.logs.stdout or execution.logs.stderr or results or charts or execution.error):
        lines.append(
            "The code ran without output: nothing printed, no value returned. End with an "
            "expression or print() to see a value."
        )
    artifacts = [*charts, *([saved] if was_cut and saved is not None else [])]
    return Report(text="\n".join(lines), artifacts=artifacts)

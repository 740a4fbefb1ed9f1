from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from agentcore.errors import ConfigError, SandboxError, UserError
from agentcore.tools import Risk, ToolContext, ToolError, tool
from agentcore_code._options import HARD_MAX_TIMEOUT_S, CodeOptions, options
from agentcore_code._report import Report, report
from agentcore_code._sessions import SANDBOXES, CallCancelled, RunSession

# Above the longest code time limit, plus starting a sandbox and stopping runaway code: the
# sandbox always stops the code (and the model hears why) before the graph gives up.
_TOOL_TIMEOUT_S = HARD_MAX_TIMEOUT_S + 120.0


@dataclass(kw_only=True, slots=True)
class _Call:
    """What the event loop and the worker thread of one call share."""

    cancelled: threading.Event = field(default_factory=threading.Event)
    session: RunSession | None = None
    running: bool = False


def _run(
    ctx: ToolContext, code: str, asked_s: float | None, opts: CodeOptions, call: _Call
) -> Report:
    """The blocking part of a call: find the run's sandbox, run the code, save and report."""
    session = SANDBOXES.session(ctx.run_id, ctx.workspace, settings=ctx.agentcore_settings)
    call.session = session
    if not session.deferred:  # stop the run's sandbox when the run ends, however it ends
        session.deferred = True
        run_id = ctx.run_id
        ctx.defer(lambda: SANDBOXES.close_run(run_id))
    notes: list[str] = []
    limit = asked_s if asked_s is not None else session.settings.sandbox.timeout_s
    if limit > opts.max_timeout_s:
        notes.append(f"[note: timeout_s capped at {opts.max_timeout_s:g} s]")
        limit = opts.max_timeout_s

    def started() -> None:
        call.running = True

    try:
        execution, session_notes = SANDBOXES.run(
            session,
            code,
            timeout_s=limit,
            idle_s=opts.idle_minutes * 60,
            cancelled=call.cancelled,
            on_start=started,
        )
    finally:
        call.running = False
    return report(
        execution,
        code=code,
        run_id=ctx.run_id,
        workspace=ctx.workspace,
        opts=opts,
        counters=session.counters,
        timeout_s=limit,
        notes=[*session_notes, *notes],
        owner=ctx.new_file_owner(),
    )


@tool(risk=Risk.EXECUTES_CODE, timeout_s=_TOOL_TIMEOUT_S, max_output_chars=30_000)
async def run_python(ctx: ToolContext, code: str, timeout_s: float | None = None) -> str:
    """Run Python code in this run's sandbox and see its output, like a notebook cell.

    State persists between calls in the same run: variables, imports and functions defined in
    one call are there in the next. The working directory is the run workspace, so files you
    write with the file tools are readable here and files written here are kept. The value of
    the last expression is shown, as are stdout, stderr and errors with their traceback (long
    output is cut; the full text is saved in the workspace). matplotlib figures are saved as
    PNG files under charts/. Expect no internet access. If the code raises, read the
    traceback, fix the code and run it again.

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        code: Python source to run. End with an expression to see its value.
        timeout_s: Seconds the code may run before it is stopped (default from config,
            usually 60; at most 600). Raise it for long training runs.
    """
    try:
        opts = options(ctx.settings)
    except ConfigError as exc:
        raise ToolError(f"run_python is misconfigured: {exc}") from None
    if timeout_s is not None and not timeout_s > 0:
        raise ToolError(f"timeout_s must be a positive number of seconds, got {timeout_s!r}")
    if not code.strip():
        raise ToolError("code is empty; pass the Python source to run")

    call = _Call()
    try:
        result = await asyncio.to_thread(_run, ctx, code, timeout_s, opts, call)
    except asyncio.CancelledError:
        call.cancelled.set()
        if call.running and call.session is not None:
            # Nothing may keep running for a cancelled call; stop it without blocking the loop.
            threading.Thread(
                target=call.session.kill,
                args=("the previous call was cancelled while its code ran",),
                daemon=True,
            ).start()
        raise
    except CallCancelled as exc:
        raise ToolError(str(exc)) from None
    except SandboxError as exc:
        raise ToolError(
            f"code execution failed: {exc}. You may call run_python again; if its sandbox had "
            "to be restarted, variables from earlier calls are gone."
        ) from None
    except UserError as exc:  # SandboxUnavailableError, an unknown backend, bad config
        raise ToolError(
            f"code execution is unavailable: {exc}. Continue without running code and say in "
            "your result that it was not run."
        ) from None
    for path in result.artifacts:
        ctx.emit("artifact", {"path": path})
    return result.text

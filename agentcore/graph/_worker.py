"""An agent node: a bounded tool-calling loop over one plan step, with a scoped context."""

from __future__ import annotations

import asyncio
import json
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages.tool import ToolCall
from langchain_core.tools import BaseTool
from langgraph.config import get_config
from langgraph.errors import GraphBubbleUp
from langgraph.func import task
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import ValidationError

from agentcore.approvals import (
    ApprovalRequest,
    Decision,
    approval_reason,
    check_decision,
    injection_guarded,
    injection_reason,
)
from agentcore.errors import RunError, ToolError
from agentcore.events import RunEvent
from agentcore.graph._context import RunContext, short_args, template
from agentcore.graph._journal import JournalCursor
from agentcore.graph._state import PlanStep, StepResult, StepStatus, Usage, WorkerInput, add_usage
from agentcore.injection import mark_untrusted
from agentcore.models import CallUsage, ModelReply
from agentcore.tools import config_with_context, tool_meta

STALL_REPEATS = 3
EMPTY_REPLY = "Your reply was empty. Give the result of your step, or call one of your tools."


@dataclass(kw_only=True, slots=True)
class _Step:
    """Mutable bookkeeping for one step's loop."""

    usage: dict[str, Usage] = field(default_factory=dict)
    model_usage: dict[str, Usage] = field(default_factory=dict)
    tool_calls: int = 0
    iterations: int = 0
    seen: Counter[str] = field(default_factory=Counter)
    observations: list[str] = field(default_factory=list)
    #: Where the untrusted content in this step's context came from, in order (a dict as an
    #: ordered set): tool names, ``memory``, ``step s1``, ``plan: memory``.
    untrusted: dict[str, None] = field(default_factory=dict)
    #: This execution's walk over the calls an earlier execution of the step finished.
    journal: JournalCursor

    def taint(self, source: str) -> None:
        """Note that content from ``source`` entered the step's context."""
        self.untrusted.setdefault(source, None)


def _dependency_summary(sid: str, result: StepResult, mark: bool) -> str:
    if mark and result.get("untrusted"):
        return mark_untrusted(result["summary"], f"step {sid}")
    return result["summary"]


def _step_message(inp: WorkerInput, memories: str = "", mark: bool = False) -> str:
    deps = "".join(
        template("dependency").substitute(
            step_id=sid,
            agent=r["agent"],
            status=r["status"],
            summary=_dependency_summary(sid, r, mark),
        )
        for sid, r in inp["deps"].items()
    )
    return template("step").substitute(
        task=inp["task"],
        step_id=inp["step"]["id"],
        instruction=inp["step"]["instruction"],
        dependencies=deps,
        memories=f"\n{memories}\n" if memories else "",
    )


async def run_tool(
    ctx: RunContext, tools: dict[str, BaseTool], call: ToolCall, agent: str, step: str
) -> tuple[str, bool]:
    """Run one tool call; every failure becomes text for the model, never an exception."""
    name = call["name"]
    tool = tools.get(name)
    if tool is None:
        allowed = ", ".join(sorted(tools)) or "none"
        return f"Error: there is no tool '{name}' for you. Tools you can call: {allowed}.", True
    meta = tool_meta(tool)
    config = config_with_context(ctx.tool_context(agent, step))
    try:
        async with asyncio.timeout(meta.timeout_s):  # no extra task, unlike wait_for
            result = await tool.ainvoke(call["args"], config=config)
    except TimeoutError:
        return f"Error: {name} timed out after {meta.timeout_s:g} s and was cancelled.", True
    except ToolError as exc:
        return f"Error: {exc.message}", True
    except ValidationError as exc:
        errs = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'args'}: {e['msg']}" for e in exc.errors()
        )
        return (
            f"Error: invalid arguments for {name}: {errs}. Fix the arguments and call again.",
            True,
        )
    except Exception as exc:  # a tool bug must not end the run
        ctx.trace.write(
            "error",
            agent=agent,
            step=step,
            tool=name,
            error=repr(exc),
            traceback=traceback.format_exc(limit=5),
        )
        return f"Error: {name} failed: {type(exc).__name__}: {exc}", True
    text = (
        result if isinstance(result, str) else json.dumps(result, default=str, ensure_ascii=False)
    )
    if len(text) > meta.max_output_chars:
        text = (
            text[: meta.max_output_chars]
            + f"\n[output cut: {len(text)} characters, showing the first {meta.max_output_chars}]"
        )
    return text, False


def invalid_call_feedback(
    ctx: RunContext, message: AIMessage, agent: str, step: str
) -> list[ToolMessage]:
    """An error for each tool call whose arguments could not be parsed, so that the model
    calls again (providers also want an answer to every call id they sent)."""
    feedback: list[ToolMessage] = []
    for call in message.invalid_tool_calls:
        name, raw = call.get("name") or "?", call.get("args") or ""
        try:
            value = json.loads(raw)
            problem = f"they are a JSON {type(value).__name__}, not an object"
        except json.JSONDecodeError as exc:
            problem = f"they are not valid JSON: {exc}"
        text = (
            f"Error: could not read the arguments of your call to {name}: {problem}. "
            "Call it again with the arguments as one JSON object."
        )
        ctx.trace.write(
            "invalid_tool_call",
            agent=agent,
            step=step,
            tool=name,
            call_id=call.get("id"),
            args=raw[:2000],
            error=text,
        )
        feedback.append(
            ToolMessage(text, tool_call_id=call.get("id") or "", name=name, status="error")
        )
    return feedback


def _partial(book: _Step, last_text: str, why: str) -> str:
    parts = [f"[step stopped: {why}; this is a partial result]"]
    if last_text.strip():
        parts.append(last_text.strip())
    if book.observations:
        parts.append("Last observations:\n" + "\n".join(book.observations[-3:]))
    return "\n".join(parts)


async def worker_node(inp: WorkerInput, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Run one step with its agent: model ↔ tools until it answers or hits a limit."""
    ctx = runtime.context
    step = inp["step"]
    agent, sid = step["agent"], step["id"]
    spec = ctx.agents[agent]
    tools = ctx.tools(agent)
    max_iter = ctx.max_iterations(agent)
    ctx.trace.write("step_start", agent=agent, step=sid, instruction=step["instruction"])
    ctx.emit(
        RunEvent(
            kind="step_start", agent=agent, step=sid, data={"instruction": step["instruction"]}
        )
    )

    memories = await ctx.memory.context_for(agent, step["instruction"]) if ctx.memory else ""
    # LangGraph's id for this execution of the node: the same when it runs again from the
    # same checkpoint (after a crash or an approval), which is how it finds its calls.
    task_id = str(get_config()["configurable"]["checkpoint_ns"])

    def diverged(at: int) -> None:
        ctx.trace.write("journal_diverged", agent=agent, step=sid, task=task_id, at=at)

    book = _Step(journal=ctx.journal.cursor(task_id, diverged))
    watch = ctx.settings.security.injection != "off"
    if watch:  # untrusted content that is in the context from the start
        for source in step.get("untrusted", ()):
            book.taint(f"plan: {source}")
        if memories:
            book.taint("memory")
        for dep, res in inp["deps"].items():
            if res.get("untrusted"):
                book.taint(f"step {dep}")
    messages: list[BaseMessage] = [
        SystemMessage(spec.prompt),
        HumanMessage(_step_message(inp, memories, watch)),
    ]
    status: StepStatus = "done"
    summary = ""
    error: str | None = None
    limit: str | None = None
    last_text = ""
    nudged = False
    try:
        while True:
            if limit := ctx.budget.check():
                status, summary = "limit_reached", _partial(book, last_text, f"limit {limit}")
                break
            if book.iterations >= max_iter:
                limit = "max_iterations"
                ctx.budget.hit = ctx.budget.hit or limit
                status, summary = (
                    "limit_reached",
                    _partial(book, last_text, f"{max_iter} iterations"),
                )
                break
            book.iterations += 1
            reply = await _model_turn(ctx, agent, sid, messages, list(tools.values()), book)
            u, mu = ctx.charge(agent, reply)
            book.usage, book.model_usage = add_usage(book.usage, u), add_usage(book.model_usage, mu)
            message: AIMessage = reply.message
            messages.append(message)
            last_text = message.text or last_text
            if message.invalid_tool_calls:  # arguments that were not a JSON object
                messages.extend(invalid_call_feedback(ctx, message, agent, sid))
            if not message.tool_calls:
                if message.invalid_tool_calls:
                    continue
                if not message.text.strip() and not nudged:  # an empty reply: ask once
                    nudged = True
                    messages[-1] = HumanMessage(EMPTY_REPLY)  # APIs may refuse an empty turn
                    continue
                summary = message.text.strip() or "(the agent finished without a summary)"
                break
            stalled = await _run_calls(ctx, tools, message.tool_calls, agent, sid, book, messages)
            if stalled:
                status, error = "stalled", stalled
                summary = _partial(book, last_text, stalled)
                break
            if ctx.budget.hit:
                limit = ctx.budget.hit
                status, summary = "limit_reached", _partial(book, last_text, f"limit {limit}")
                break
    except GraphBubbleUp:  # an interrupt (approval): LangGraph pauses the run here
        raise
    except RunError as exc:
        status, error = "failed", str(exc)
        summary = _partial(book, last_text, f"error: {exc}")
        ctx.record_error(exc, agent=agent, step=sid)
    except Exception as exc:  # never let one step take the run down
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        summary = _partial(book, last_text, f"internal error: {error}")
        ctx.trace.write(
            "error", agent=agent, step=sid, error=error, traceback=traceback.format_exc(limit=8)
        )

    artifacts = ctx.artifacts_of(sid)
    result = StepResult(
        step_id=sid,
        agent=agent,
        status=status,
        summary=summary,
        artifacts=artifacts,
        tool_calls=book.tool_calls,
        iterations=book.iterations,
        error=error,
    )
    if book.untrusted:  # whoever reads this summary reads what the content may have steered
        result["untrusted"] = list(book.untrusted)
    if any(book.journal.replayed.values()):
        ctx.trace.write("journal_replay", agent=agent, step=sid, **book.journal.replayed)
    ctx.trace.write("step_end", step=sid, **{k: v for k, v in result.items() if k != "step_id"})
    ctx.emit(
        RunEvent(
            kind="step_end",
            agent=agent,
            step=sid,
            data={"status": status, "summary": summary, "artifacts": artifacts},
        )
    )
    update: dict[str, Any] = {
        "plan": [PlanStep(**{**step, "status": status})],
        "results": {sid: result},
        "usage": book.usage,
        "model_usage": book.model_usage,
        "artifacts": artifacts,
        "counters": {"tool_calls": book.tool_calls, "model_calls": book.iterations},
    }
    if limit:
        update["limit"] = limit
    return update


async def _run_calls(
    ctx: RunContext,
    tools: dict[str, BaseTool],
    calls: list[ToolCall],
    agent: str,
    sid: str,
    book: _Step,
    messages: list[BaseMessage],
) -> str | None:
    """Run a message's tool calls in order; returns a stall reason, or ``None``."""
    for call in calls:
        key = f"{call['name']}:{json.dumps(call['args'], sort_keys=True, default=str)}"
        book.seen[key] += 1
        if book.seen[key] >= STALL_REPEATS:
            ctx.trace.write("stall", agent=agent, step=sid, tool=call["name"], args=call["args"])
            return f"stalled: {call['name']} called {STALL_REPEATS} times with the same arguments"
        if not ctx.budget.take_tool_call():
            messages.append(
                ToolMessage(
                    "Error: tool call limit reached.", tool_call_id=call["id"] or "", status="error"
                )
            )
            return None
        book.tool_calls += 1
        # Unattended, a call the journal has was allowed when it was made: replay it. A run
        # that asks goes through its approvals again, in order: LangGraph matches the answers
        # to a step's interrupts by their position.
        result = None if ctx.ask_approvals else book.journal.tool(call)
        denied = None
        if result is None:
            denied = await _approval(
                ctx, tools, call, agent, sid, tuple(book.untrusted), book.journal.replaying
            )
            if denied is not None:
                result = (denied, True)
            elif (result := book.journal.tool(call)) is None:
                book.journal.go_live()
                result = await _tool_turn(ctx, tools, call, agent, sid, book.journal.task)
        text, is_error = result
        book.observations.append(f"{call['name']}: {text[:300]}")
        if denied is None and _untrusted_output(ctx, tools, call["name"]):
            # The one place tool output is marked: what the model reads, not the trace.
            text = mark_untrusted(text, call["name"])
            book.taint(call["name"])
        messages.append(
            ToolMessage(
                text,
                tool_call_id=call["id"] or "",
                name=call["name"],
                status="error" if is_error else "success",
            )
        )
    return None


def _untrusted_output(ctx: RunContext, tools: dict[str, BaseTool], name: str) -> bool:
    tool = tools.get(name)
    return (
        tool is not None
        and tool_meta(tool).untrusted_output
        and ctx.settings.security.injection != "off"
    )


# When a step runs again from its start (the run paused on an approval and goes on, or it
# was killed and is resumed), its finished model and tool calls come back from the journal
# (agentcore.graph._journal) instead of being made again; what a real call records (trace,
# events) is recorded once, when it is made.


async def _model_turn(
    ctx: RunContext,
    agent: str,
    sid: str,
    messages: list[BaseMessage],
    tools: list[BaseTool],
    book: _Step,
) -> ModelReply:
    saved = book.journal.model(agent) or await _model_call(
        ctx, agent, sid, messages, tools, book.journal.task
    )
    usage = CallUsage(
        input_tokens=saved["input_tokens"],
        output_tokens=saved["output_tokens"],
        cost_usd=saved["cost_usd"],
    )
    return ModelReply(
        message=saved["message"], model=saved["model"], usage=usage, attempts=saved["attempts"]
    )


async def _model_call(
    ctx: RunContext,
    agent: str,
    sid: str,
    messages: list[BaseMessage],
    tools: list[BaseTool],
    task: str,
) -> dict[str, Any]:
    reply = await ctx.client(agent).ainvoke(
        messages, tools=tools, config=ctx.model_config(agent, sid)
    )
    ctx.record(agent, sid, reply, messages, task=task)
    return {
        "message": reply.message,
        "model": reply.model,
        "attempts": reply.attempts,
        "input_tokens": reply.usage.input_tokens,
        "output_tokens": reply.usage.output_tokens,
        "cost_usd": reply.usage.cost_usd,
    }


async def _tool_turn(
    ctx: RunContext, tools: dict[str, BaseTool], call: ToolCall, agent: str, sid: str, task: str
) -> tuple[str, bool]:
    ctx.trace.write(
        "tool_call", agent=agent, step=sid, tool=call["name"], args=call["args"], call_id=call["id"]
    )
    ctx.emit(
        RunEvent(
            kind="tool_call",
            agent=agent,
            step=sid,
            data={"tool": call["name"], "args": short_args(call["args"])},
        )
    )
    text, is_error = await run_tool(ctx, tools, call, agent, sid)
    ctx.trace.write(
        "tool_result",
        agent=agent,
        step=sid,
        tool=call["name"],
        call_id=call["id"],
        task=task,
        is_error=is_error,
        chars=len(text),
        output=text,  # whole (tools cap their output): the journal replays it
    )
    ctx.emit(
        RunEvent(
            kind="tool_result",
            agent=agent,
            step=sid,
            data={"tool": call["name"], "chars": len(text), "is_error": is_error},
        )
    )
    return text, is_error


async def _record_guard(
    ctx: RunContext,
    *,
    agent: str,
    step: str,
    tool: str,
    risk: str,
    untrusted: tuple[str, ...],
    decision: str,
    by: str,
) -> None:
    """An ``injection_guard`` record and event: a guarded tool called after untrusted content.

    ``decision`` is the approval's (``approve``, ``deny``, ``always``) under ``strict``, and
    ``not_asked`` under ``normal``, which only records.
    """
    policy = ctx.settings.security.injection
    data = {"tool": tool, "risk": risk, "untrusted": list(untrusted), "policy": policy}
    data |= {"decision": decision, "by": by}
    ctx.trace.write("injection_guard", agent=agent, step=step, **data)
    ctx.emit(RunEvent(kind="injection_guard", agent=agent, step=step, data=data))


async def _record_decision(
    ctx: RunContext, request: ApprovalRequest, decision: Decision, by: str
) -> Decision:
    if request.untrusted:
        await _record_guard(
            ctx,
            agent=request.agent,
            step=request.step,
            tool=request.tool,
            risk=request.risk,
            untrusted=request.untrusted,
            decision=decision,
            by=by,
        )
    ctx.trace.write(
        "approval",
        agent=request.agent,
        step=request.step,
        tool=request.tool,
        decision=decision,
        by=by,
    )
    ctx.emit(
        RunEvent(
            kind="approval",
            agent=request.agent,
            step=request.step,
            data={"tool": request.tool, "decision": decision, "by": by},
        )
    )
    return decision


async def _approved_always(ctx: RunContext, tool: str) -> bool:
    # A task when the run can pause: an "always" given after this point (say on a resume)
    # must not make a replay skip an approval it asked the first time; the answers to a
    # step's approvals are matched to its interrupts by their order.
    return tool in ctx.approved_always


async def _approval(
    ctx: RunContext,
    tools: dict[str, BaseTool],
    call: ToolCall,
    agent: str,
    sid: str,
    untrusted: tuple[str, ...] = (),
    replaying: bool = False,
) -> str | None:
    """Ask for approval when the policy needs it; the tool message of a denial, else ``None``.

    ``untrusted``: the sources of untrusted content in the agent's context; under the
    ``strict`` injection policy a guarded tool is then asked about, "always" or not.
    ``replaying``: the step is replaying calls it made before a crash; an unattended run then
    decides as it did, without recording the decision a second time.
    """
    name = call["name"]
    tool = tools.get(name)
    if tool is None:
        return None
    meta = tool_meta(tool)
    reason = injection_reason(name, meta, untrusted, ctx.settings.security)
    guarded = reason is not None
    if reason is None:
        recorded = replaying and not ctx.ask_approvals  # before the crash
        if untrusted and injection_guarded(meta) and not recorded:
            # policy "normal": record, do not ask
            record = _record_guard_task if ctx.ask_approvals else _record_guard
            await record(
                ctx,
                agent=agent,
                step=sid,
                tool=name,
                risk=meta.risk.value,
                untrusted=untrusted,
                decision="not_asked",
                by="policy",
            )
        reason = approval_reason(name, meta, ctx.settings.approvals)
        if reason is None:
            return None
        if await (_approved_always_task if ctx.ask_approvals else _approved_always)(ctx, name):
            return None
    request = ApprovalRequest(
        run_id=ctx.run_id,
        agent=agent,
        step=sid,
        tool=name,
        args=dict(call["args"]),
        risk=meta.risk.value,
        reason=reason,
        untrusted=untrusted if guarded else (),
    )
    if ctx.ask_approvals:
        # Pauses the run (its state is checkpointed) until the driver resumes it with a
        # decision; the node then runs again from its start, replaying its finished calls.
        answer = interrupt({"approval": request.to_json()})
        decision = await _record_decision_task(
            ctx, request, check_decision(answer["decision"]), answer["by"]
        )
    elif replaying:
        decision = ctx.settings.approvals.unattended
    else:
        decision = await _record_decision(ctx, request, ctx.settings.approvals.unattended, "policy")
    if decision == "always":
        ctx.approved_always.add(name)
    if decision == "deny":
        return (
            f"Error: the call to {name} was not approved ({reason}). Do not call it again "
            "with the same arguments; carry on without it, or say in your result what you "
            "would need it for."
        )
    return None


_record_decision_task = task(_record_decision)
_record_guard_task = task(_record_guard)
_approved_always_task = task(_approved_always)

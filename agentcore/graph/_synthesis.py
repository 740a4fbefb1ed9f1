"""Synthesis: the final answer from the steps' results; at a limit, the graceful wrap-up."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from agentcore.errors import RunError, StreamInterruptedError
from agentcore.events import RunEvent
from agentcore.graph._context import RunContext, template
from agentcore.graph._conversation import conversation_text
from agentcore.graph._state import RunState
from agentcore.injection import mark_untrusted

AGENT = "synthesis"
SYSTEM = "You are the synthesis step of a multi-agent team: you write the final answer."


def results_text(state: RunState) -> str:
    """The steps and their result summaries, as the synthesis reads them."""
    results = state.get("results", {})
    blocks = []
    for step in state.get("plan", []):
        if step["status"] == "skipped":
            continue
        res = results.get(step["id"])
        body = res["summary"] if res else "(not run)"
        if res and res.get("untrusted"):
            body = mark_untrusted(body, f"step {step['id']}")
        files = f"\nFiles: {', '.join(res['artifacts'])}" if res and res["artifacts"] else ""
        blocks.append(
            f"## {step['id']} — {step['agent']} ({step['status']})\n"
            f"Instruction: {step['instruction']}\n{body}{files}"
        )
    return "\n\n".join(blocks) or "(no step produced a result)"


def fallback_answer(state: RunState, why: str) -> str:
    """An answer assembled without a model, so a run never ends with nothing to show."""
    return (
        f"[{why}; this answer was assembled from the step results without a final model call]"
        f"\n\n{results_text(state)}"
    )


async def synthesis_node(state: RunState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Write the final answer with one tool-less model call."""
    ctx = runtime.context
    earlier = conversation_text(state)
    prompt = template("synthesis").substitute(
        conversation=f"{earlier}\n" if earlier else "",
        task=state["task"],
        results=results_text(state),
    )
    if limit := state.get("limit"):
        prompt += template("wrap_up").substitute(limit=limit)

    def on_token(text: str) -> None:
        ctx.emit(RunEvent(kind="token", agent=AGENT, data={"text": text}))

    update: dict[str, Any] = {}
    try:
        messages = [SystemMessage(SYSTEM), HumanMessage(prompt)]
        try:
            reply = await ctx.client(AGENT).ainvoke(
                messages,
                config=ctx.model_config(AGENT),
                on_token=on_token if ctx.stream_answer else None,
            )
        except StreamInterruptedError as exc:
            # Ask again, not streamed (the text shown so far is not repeated): the answer
            # in the result is the whole one.
            ctx.record_error(exc, agent=AGENT)
            reply = await ctx.client(AGENT).ainvoke(messages, config=ctx.model_config(AGENT))
        usage, model_usage = ctx.account(AGENT, "", reply, messages)
        answer = reply.message.text.strip()
        update = {"usage": usage, "model_usage": model_usage}
    except RunError as exc:
        ctx.record_error(exc, agent=AGENT)
        answer = fallback_answer(state, f"the final model call failed: {exc}")
        if state.get("status") == "completed":
            update["status"] = "failed"
            update["error"] = f"synthesis: {exc}"
    if ctx.memory is not None and "usage" in update:  # a model wrote it: it may list lessons
        await ctx.memory.learn(answer)
    ctx.trace.write("answer", agent=AGENT, answer=answer)
    ctx.emit(RunEvent(kind="answer", agent=AGENT, data={"answer": answer}))
    return {**update, "answer": answer, "route": "end"}

"""The planner node: decompose the task into steps, answer trivial tasks at once, re-plan."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field, ValidationError

from agentcore.errors import RunError
from agentcore.events import RunEvent
from agentcore.graph._context import RunContext, template
from agentcore.graph._conversation import conversation_text
from agentcore.graph._state import TERMINAL_STEP, PlanStep, RunState
from agentcore.graph._worker import invalid_call_feedback
from agentcore.injection import mark_untrusted

MAX_PLAN_ATTEMPTS = 3
EMPTY_PLAN = (
    "Your reply was empty. Call submit_plan with the plan, or final_answer if the task needs "
    "no plan."
)


class PlanStepArgs(BaseModel):
    """One step: which agent does what, after which other steps."""

    id: str = Field(description="Short unique id, e.g. s1")
    agent: str = Field(description="The agent that does this step")
    instruction: str = Field(description="A self-contained instruction for that agent")
    depends_on: list[str] = Field(
        default_factory=list, description="Ids of steps whose results this step needs"
    )


class submit_plan(BaseModel):
    """Submit the plan: steps assigned to agents. Steps without dependencies run in parallel."""

    steps: list[PlanStepArgs] = Field(min_length=1)


class final_answer(BaseModel):
    """Answer the task directly, without any steps (only for trivial tasks)."""

    answer: str


def _roster(ctx: RunContext) -> str:
    lines = []
    for spec in ctx.agents.values():
        if spec.role == "planner":
            continue
        tools = ", ".join(spec.tools) or "no tools"
        lines.append(f"- {spec.name}: {spec.description} (tools: {tools})")
    return "\n".join(lines)


def _progress(state: RunState) -> str:
    results = state.get("results", {})
    lines = []
    for step in state.get("plan", []):
        res = results.get(step["id"])
        summary = ""
        if res:
            text = res["summary"][:400]
            if res.get("untrusted"):
                text = mark_untrusted(text, f"step {step['id']}")
            summary = f" — {text}"
        lines.append(
            f"- {step['id']} [{step['agent']}, {step['status']}]: {step['instruction']}{summary}"
        )
    return "\n".join(lines)


def validate_plan(
    steps: list[PlanStepArgs], *, workers: set[str], done: set[str], taken: set[str]
) -> list[str]:
    """Return what is wrong with a proposed plan (empty when it is valid)."""
    problems: list[str] = []
    ids = [s.id for s in steps]
    if len(set(ids)) != len(ids):
        problems.append("step ids must be unique")
    for clash in sorted(set(ids) & taken):
        problems.append(f"step id '{clash}' is already used; pick a new id")
    known = set(ids) | done
    choices = ", ".join(sorted(workers))
    for s in steps:
        if s.agent not in workers:
            problems.append(f"step {s.id}: unknown agent '{s.agent}'; choose one of {choices}")
        for dep in s.depends_on:
            if dep not in known:
                problems.append(f"step {s.id}: depends on unknown or unfinished step '{dep}'")
        if not s.instruction.strip():
            problems.append(f"step {s.id}: empty instruction")
    # Cycles: repeatedly remove steps whose dependencies are all satisfied.
    remaining = {s.id: set(s.depends_on) - done for s in steps}
    while remaining:
        free = [i for i, deps in remaining.items() if not deps & remaining.keys()]
        if not free:
            problems.append(f"dependency cycle among steps {', '.join(sorted(remaining))}")
            break
        for i in free:
            del remaining[i]
    return problems


async def planner_node(state: RunState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Plan (or re-plan) the task with the planner agent's model."""
    ctx = runtime.context
    planner = ctx.planner
    plan = state.get("plan", [])
    replanning = bool(plan)
    if limit := ctx.budget.check():
        return {"limit": limit}

    memories = await ctx.memory.context_for(planner.name, state["task"]) if ctx.memory else ""
    # Untrusted content the planner reads may steer the steps it writes: they carry its sources.
    untrusted = ["memory"] if memories else []
    if ctx.settings.security.injection == "off":
        untrusted = []
    elif replanning:
        results = state.get("results", {})
        untrusted += [f"step {sid}" for sid, res in results.items() if res.get("untrusted")]
    earlier = conversation_text(state)
    task_message = template("planner_task").substitute(
        conversation=f"{earlier}\n" if earlier else "",
        task=state["task"],
        roster=_roster(ctx),
        memories=f"\n{memories}\n" if memories else "",
    )
    messages: list[BaseMessage] = [SystemMessage(planner.prompt), HumanMessage(task_message)]
    if replanning:
        failed = [s for s in plan if s["status"] in ("failed", "stalled")]
        results = state.get("results", {})
        failure = "\n".join(
            f"- {s['id']} ({s['agent']}): "
            f"{(results[s['id']].get('error') if s['id'] in results else None) or s['status']}"
            for s in failed
        )
        messages.append(
            HumanMessage(
                template("planner_replan").substitute(progress=_progress(state), failure=failure)
            )
        )
        ctx.trace.write("replan", failed=[s["id"] for s in failed])
        ctx.emit(
            RunEvent(kind="replan", agent=planner.name, data={"failed": [s["id"] for s in failed]})
        )

    workers = {a.name for a in ctx.agents.values() if a.role != "planner"}
    done = {s["id"] for s in plan if s["status"] == "done"}
    taken = {s["id"] for s in plan}
    usage: dict[str, Any] = {}
    model_usage: dict[str, Any] = {}
    client = ctx.client(planner.name)
    update: dict[str, Any] = {}
    for _attempt in range(MAX_PLAN_ATTEMPTS):
        if limit := ctx.budget.check():
            update = {"limit": limit}
            break
        try:
            reply = await client.ainvoke(
                messages,
                tools=[submit_plan, final_answer],
                tool_choice="any",
                config=ctx.model_config(planner.name),
            )
        except RunError as exc:
            ctx.record_error(exc, agent=planner.name)
            update = {"status": "failed", "error": f"planner: {exc}", "route": "end"}
            break
        u, mu = ctx.account(planner.name, "", reply, messages)
        usage, model_usage = _sum(usage, u), _sum(model_usage, mu)
        message = reply.message
        calls = message.tool_calls
        if not calls and (message.invalid_tool_calls or not message.text.strip()):
            # Arguments that were not JSON, or an empty reply: say so and ask again.
            if message.invalid_tool_calls:
                messages += [message, *invalid_call_feedback(ctx, message, planner.name, "")]
            else:
                messages.append(HumanMessage(EMPTY_PLAN))
            continue
        if not calls:  # a model that ignores tool_choice and just answers
            update = _direct(ctx, message.text)
            break
        call = calls[0]
        if call["name"] == "final_answer":
            update = _direct(ctx, str(call["args"].get("answer", "")))
            break
        problems: list[str]
        try:
            parsed = submit_plan.model_validate(call["args"])
            problems = validate_plan(parsed.steps, workers=workers, done=done, taken=taken)
        except ValidationError as exc:
            problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        if call["name"] != "submit_plan":
            problems = [f"unknown tool '{call['name']}'; call submit_plan or final_answer"]
        if not problems:
            new_steps = [
                PlanStep(
                    id=s.id,
                    agent=s.agent,
                    instruction=s.instruction,
                    depends_on=list(s.depends_on),
                    status="pending",
                )
                for s in parsed.steps
            ]
            if untrusted:
                for new in new_steps:
                    new["untrusted"] = list(untrusted)
            # Steps the new plan replaces are kept in the record as skipped.
            skipped = [
                PlanStep(**{**s, "status": "skipped"})
                for s in plan
                if s["status"] not in TERMINAL_STEP
            ]
            ctx.trace.write("plan", steps=[dict(s) for s in new_steps], replan=replanning)
            ctx.emit(RunEvent(kind="plan", agent=planner.name, data={"steps": new_steps}))
            update = {"plan": skipped + new_steps}
            if replanning:
                update["counters"] = {"replans": 1}
            break
        messages += [
            message,
            ToolMessage(
                "The plan was not accepted:\n- "
                + "\n- ".join(problems)
                + "\nSubmit a corrected plan.",
                tool_call_id=call["id"] or "plan",
                status="error",
            ),
        ]
    else:
        update = {
            "status": "failed",
            "error": f"the planner did not produce a valid plan in {MAX_PLAN_ATTEMPTS} attempts",
            "route": "end",
        }
    return {**update, "usage": usage, "model_usage": model_usage}


def _direct(ctx: RunContext, answer: str) -> dict[str, Any]:
    ctx.trace.write("answer", agent=ctx.planner.name, answer=answer, direct=True)
    ctx.emit(RunEvent(kind="answer", agent=ctx.planner.name, data={"answer": answer}))
    return {"answer": answer, "status": "completed", "route": "end"}


def _sum(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    from agentcore.graph._state import add_usage

    return add_usage(a, b)

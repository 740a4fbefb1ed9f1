"""``trajectory``: the agents that ran and the tools they called, against an expected path.

The match modes are agentevals' (langchain-ai/agentevals): ``strict`` (same items, same
order), ``unordered`` (same items, any order), ``subset`` (nothing beyond the expected items)
and ``superset`` (at least the expected items); tool arguments match ``exact``ly, are
``ignore``d, or the actual arguments are a ``subset`` / ``superset`` of the expected ones, with
per-tool overrides (a mode, or the list of argument keys to compare, dotted for nested keys).
Agents and tool calls are two trajectories, each checked when the expectation names any.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar, cast, get_args

from pydantic import AliasChoices, Field, field_validator, model_validator

from agentcore.errors import SpecError
from agentcore.evals._types import Sample, Score, Scorer, ToolCallRecord
from agentcore.evals.scorers._answer import expected_for
from agentcore.evals.scorers._matching import max_matching

__all__ = ["Trajectory"]

MatchMode = Literal["strict", "unordered", "subset", "superset"]
ArgsMode = Literal["exact", "ignore", "subset", "superset"]
_E = TypeVar("_E")
_A = TypeVar("_A")


@dataclass(frozen=True, kw_only=True, slots=True)
class _ToolStep:
    tool: str
    args: dict[str, Any] | None = None  # None: any arguments
    agent: str | None = None  # None: any agent


def _brief(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show_step(step: _ToolStep) -> str:
    by = f" by {step.agent}" if step.agent else ""
    return step.tool + by + (f" {_brief(step.args)}" if step.args is not None else "")


def _show_call(call: ToolCallRecord) -> str:
    return f"{call.tool} by {call.agent} {_brief(call.args)}"


def _parse(expected: Any) -> tuple[list[str], list[_ToolStep]]:
    """Split an expectation into expected agents and expected tool calls.

    Raises:
        ValueError: An item is neither ``{agent: NAME}`` nor ``{tool: NAME, args: {...}}``.

    """
    if isinstance(expected, dict) and set(expected) <= {"agents", "tools"}:
        items: list[Any] = [
            {"agent": a} if isinstance(a, str) else a for a in expected.get("agents") or []
        ]
        items += [{"tool": t} if isinstance(t, str) else t for t in expected.get("tools") or []]
        expected = items
    if not isinstance(expected, list):
        raise ValueError(
            "expected a list of {agent: NAME} / {tool: NAME, args: {...}} items, "
            f"got {_brief(expected)}"
        )
    agents: list[str] = []
    tools: list[_ToolStep] = []
    for n, item in enumerate(expected):
        if isinstance(item, dict) and "tool" in item and set(item) <= {"tool", "args", "agent"}:
            args = item.get("args")
            if args is not None and not isinstance(args, dict):
                raise ValueError(f"item {n}: 'args' must be a mapping, got {_brief(args)}")
            tools.append(_ToolStep(tool=str(item["tool"]), args=args, agent=item.get("agent")))
        elif isinstance(item, dict) and set(item) == {"agent"}:
            agents.append(str(item["agent"]))
        else:
            raise ValueError(
                f"item {n} must be {{agent: NAME}} or {{tool: NAME, args: {{...}}}}, "
                f"got {_brief(item)}"
            )
    return agents, tools


def _nested(d: dict[str, Any], path: str) -> Any:
    current: Any = d
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def _args_matcher(mode: ArgsMode | list[str]) -> Callable[[dict[str, Any], dict[str, Any]], bool]:
    """``matcher(actual, expected)`` for one arguments mode (or a list of keys to compare)."""
    if isinstance(mode, list):
        keys = mode
        return lambda got, want: all(_nested(got, k) == _nested(want, k) for k in keys)
    if mode == "exact":
        return lambda got, want: got == want
    if mode == "subset":  # every actual argument is expected
        return lambda got, want: all(k in want and want[k] == v for k, v in got.items())
    if mode == "superset":  # every expected argument is there
        return lambda got, want: all(k in got and got[k] == v for k, v in want.items())
    return lambda got, want: True


@dataclass(frozen=True, kw_only=True, slots=True)
class _Outcome:
    value: float
    difference: str | None


def _compare(
    actual: Sequence[_A],
    expected: Sequence[_E],
    fits: Callable[[_E, _A], bool],
    mode: MatchMode,
    show_actual: Callable[[_A], str],
    show_expected: Callable[[_E], str],
    kind: str,
) -> _Outcome:
    if mode == "strict":
        matched = sum(fits(e, a) for e, a in zip(expected, actual, strict=False))
        value = matched / max(len(actual), len(expected), 1)
        for n, (e, a) in enumerate(zip(expected, actual, strict=False), 1):
            if not fits(e, a):
                got, want = show_actual(a), show_expected(e)
                return _Outcome(value=value, difference=f"{kind} {n}: got {got}, expected {want}")
        if len(actual) > len(expected):
            extra = show_actual(actual[len(expected)])
            return _Outcome(
                value=value,
                difference=f"unexpected {kind} {extra} after the expected {len(expected)}",
            )
        if len(actual) < len(expected):
            missing = show_expected(expected[len(actual)])
            return _Outcome(
                value=value, difference=f"missing {kind} {missing} (only {len(actual)} ran)"
            )
        return _Outcome(value=1.0, difference=None)
    pairs = max_matching(len(expected), len(actual), lambda i, j: fits(expected[i], actual[j]))
    matched = sum(p is not None for p in pairs)
    used = {p for p in pairs if p is not None}
    missing_items = [e for e, p in zip(expected, pairs, strict=True) if p is None]
    extra_items = [a for j, a in enumerate(actual) if j not in used]
    need_all_expected = mode in ("unordered", "superset")
    no_extras = mode in ("unordered", "subset")
    denominator = {
        "unordered": max(len(actual), len(expected)),
        "superset": len(expected),
        "subset": len(actual),
    }[mode]
    value = matched / denominator if denominator else 1.0
    if need_all_expected and missing_items:
        return _Outcome(value=value, difference=f"missing {kind} {show_expected(missing_items[0])}")
    if no_extras and extra_items:
        return _Outcome(value=value, difference=f"unexpected {kind} {show_actual(extra_items[0])}")
    return _Outcome(value=1.0, difference=None)


class Trajectory(Scorer):
    """The run's agents and tool calls follow the expected trajectory.

    The expectation is a list of ``{agent: NAME}`` and ``{tool: NAME, args: {...}}`` items (a
    tool item may name its ``agent``; without ``args`` any arguments match), from the
    ``expected`` option or the case's ``expected``; or the ``agents`` / ``tools`` options
    (names, or tool items). Agents are compared with the agents that ran steps, in order; tool
    items with the run's tool calls.

    Attributes:
        expected: The expected items (default: the case's ``expected``).
        agents: Expected agents, in order (instead of ``expected``).
        tools: Expected tool calls: names or ``{tool, args, agent}`` (instead of ``expected``).
        trajectory_match_mode: ``strict``, ``unordered``, ``subset`` or ``superset``
            (``mode`` is accepted too).
        tool_args_match_mode: ``exact``, ``ignore``, ``subset`` or ``superset``.
        tool_args_match_overrides: Per tool name, an arguments mode or the argument keys to
            compare (``a.b`` for nested keys).

    """

    name: ClassVar[str] = "trajectory"

    expected: Any = None
    agents: list[str] | None = None
    tools: list[str | dict[str, Any]] | None = None
    trajectory_match_mode: MatchMode = Field(
        "strict", validation_alias=AliasChoices("trajectory_match_mode", "mode")
    )
    tool_args_match_mode: ArgsMode = "exact"
    tool_args_match_overrides: dict[str, str | list[str]] = Field(default_factory=dict)

    @field_validator("tool_args_match_overrides")
    @classmethod
    def _known_modes(cls, value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        for tool, mode in value.items():
            if isinstance(mode, str) and mode not in get_args(ArgsMode):
                raise ValueError(
                    f"{tool}: {mode!r} is not one of {', '.join(get_args(ArgsMode))} "
                    "nor a list of argument keys"
                )
        return value

    @model_validator(mode="after")
    def _valid_expectation(self) -> Trajectory:
        if self.agents is not None or self.tools is not None:
            _parse({"agents": self.agents or [], "tools": self.tools or []})
        elif self.expected is not None:
            _parse(self.expected)
        return self

    def _expectation(self, sample: Sample) -> tuple[list[str], list[_ToolStep]]:
        if self.agents is not None or self.tools is not None:
            return _parse({"agents": self.agents or [], "tools": self.tools or []})
        raw = expected_for(self.expected, sample, self.name)
        try:
            return _parse(raw)
        except ValueError as exc:
            raise SpecError(f"case '{sample.case.id}': trajectory: {exc}") from None

    def _fits(self, step: _ToolStep, call: ToolCallRecord) -> bool:
        if step.tool != call.tool or (step.agent is not None and step.agent != call.agent):
            return False
        if step.args is None:
            return True
        mode = self.tool_args_match_overrides.get(step.tool, self.tool_args_match_mode)
        return _args_matcher(cast(ArgsMode | list[str], mode))(call.args, step.args)

    async def score(self, sample: Sample) -> Score:
        agents, tools = self._expectation(sample)
        mode = self.trajectory_match_mode
        outcomes: dict[str, _Outcome] = {}
        actual_agents = sample.agents()
        calls = sample.tool_calls()
        if agents or not tools:
            outcomes["agents"] = _compare(
                actual_agents, agents, lambda e, a: e == a, mode, str, str, "agent"
            )
        if tools:
            outcomes["tools"] = _compare(
                calls, tools, self._fits, mode, _show_call, _show_step, "tool call"
            )
        differences = [o.difference for o in outcomes.values() if o.difference]
        passed = not differences
        value = sum(o.value for o in outcomes.values()) / len(outcomes)
        checked = " and ".join(outcomes)
        explanation = differences[0] if differences else f"{checked} match ({mode})"
        return Score(
            scorer=self.name,
            value=1.0 if passed else min(value, 0.99),
            passed=passed,
            explanation=explanation,
            details={
                "mode": mode,
                "agents": actual_agents,
                "tool_calls": [c.tool for c in calls],
                "differences": differences,
            },
        )

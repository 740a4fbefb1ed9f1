"""``budget``: the run stayed within limits on tool calls, model calls, tokens, cost and time."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from pydantic import Field, model_validator

from agentcore.evals._types import Sample, Score, Scorer

__all__ = ["Budget"]


def _model_calls(sample: Sample) -> int:
    calls = sample.usage.total.calls
    return calls or sum(1 for r in sample.trace if r.get("type") == "model_call")


# option -> (what it measures, how to read it from a sample, how to show a value)
_MEASURES: dict[str, tuple[str, Callable[[Sample], float], Callable[[float], str]]] = {
    "max_tool_calls": ("tool calls", lambda s: len(s.tool_calls()), lambda v: f"{v:g}"),
    "max_model_calls": ("model calls", _model_calls, lambda v: f"{v:g}"),
    "max_tokens": (
        "tokens",
        lambda s: s.usage.total.input_tokens + s.usage.total.output_tokens,
        lambda v: f"{v:g}",
    ),
    "max_cost_usd": ("cost", lambda s: s.usage.total.cost_usd, lambda v: f"${v:.4g}"),
    "max_duration_s": ("duration", lambda s: s.duration_s, lambda v: f"{v:.3g}s"),
}


class Budget(Scorer):
    """The run stayed within every limit given.

    The value is the fraction of the given limits respected.

    Attributes:
        max_tool_calls: Most tool calls.
        max_model_calls: Most model calls.
        max_tokens: Most tokens, input and output together.
        max_cost_usd: Highest estimated cost.
        max_duration_s: Longest wall time.

    """

    name: ClassVar[str] = "budget"

    max_tool_calls: int | None = Field(None, ge=0)
    max_model_calls: int | None = Field(None, ge=0)
    max_tokens: int | None = Field(None, ge=0)
    max_cost_usd: float | None = Field(None, ge=0.0)
    max_duration_s: float | None = Field(None, ge=0.0)

    @model_validator(mode="after")
    def _some_limit(self) -> Budget:
        if all(getattr(self, option) is None for option in _MEASURES):
            raise ValueError(f"give at least one of {', '.join(_MEASURES)}")
        return self

    async def score(self, sample: Sample) -> Score:
        within: list[str] = []
        exceeded: list[str] = []
        measured: dict[str, dict[str, float]] = {}
        for option, (label, read, show) in _MEASURES.items():
            limit = getattr(self, option)
            if limit is None:
                continue
            value = float(read(sample))
            measured[label] = {"value": value, "limit": float(limit)}
            text = f"{label} {show(value)}"
            if value > limit:
                exceeded.append(f"{text} > {show(limit)}")
            else:
                within.append(f"{text} <= {show(limit)}")
        passed = not exceeded
        explanation = (
            "within budget: " + ", ".join(within)
            if passed
            else "over budget: " + ", ".join(exceeded)
        )
        return Score(
            scorer=self.name,
            value=len(within) / len(measured),
            passed=passed,
            explanation=explanation,
            details=measured,
        )

"""Live limit accounting shared by every node of one run (parallel branches included)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from agentcore.config import Limits


@dataclass(kw_only=True, slots=True)
class Budget:
    """Counts spend as it happens and says which limit, if any, is reached.

    Parallel agents see one another's spend at once (state reducers only merge after a
    superstep), so limits hold across ``Send`` branches. On resume it starts from the totals
    in the checkpoint.
    """

    limits: Limits
    started: float = field(default_factory=time.monotonic)
    tokens: int = 0
    cost_usd: float = 0.0
    tool_calls: int = 0
    steps: int = 0
    model_calls: int = 0
    hit: str | None = None

    def check(self) -> str | None:
        """Return the name of the first limit reached, or ``None`` (checked before model calls)."""
        if self.hit:
            return self.hit
        lim = self.limits
        if self.tokens >= lim.max_tokens:
            self.hit = "max_tokens"
        elif lim.max_cost_usd is not None and self.cost_usd >= lim.max_cost_usd:
            self.hit = "max_cost_usd"
        elif self.tool_calls >= lim.max_tool_calls:
            self.hit = "max_tool_calls"
        elif self.elapsed() >= lim.timeout_s:
            self.hit = "timeout_s"
        return self.hit

    def elapsed(self) -> float:
        """Seconds since this process started (or resumed) the run."""
        return time.monotonic() - self.started

    def record_model_call(self, input_tokens: int, output_tokens: int, cost: float) -> None:
        """Add one model call's spend."""
        self.tokens += input_tokens + output_tokens
        self.cost_usd += cost
        self.model_calls += 1

    def take_tool_call(self) -> bool:
        """Reserve one tool call; ``False`` (and the limit is set) when none are left."""
        if self.tool_calls >= self.limits.max_tool_calls:
            self.hit = self.hit or "max_tool_calls"
            return False
        self.tool_calls += 1
        return True

    def take_steps(self, n: int) -> int:
        """Reserve up to ``n`` plan steps; returns how many may start."""
        allowed = max(0, min(n, self.limits.max_steps - self.steps))
        self.steps += allowed
        if allowed < n:
            self.hit = self.hit or "max_steps"
        return allowed

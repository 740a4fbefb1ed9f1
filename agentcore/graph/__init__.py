"""The LangGraph state machine. This subpackage is the only place that imports langgraph."""

from agentcore.graph._budget import Budget
from agentcore.graph._build import build_graph
from agentcore.graph._context import RunContext
from agentcore.graph._journal import CallJournal
from agentcore.graph._memory import LazyStore, RunMemory
from agentcore.graph._state import PlanStep, RunState, StepResult, Usage

__all__ = [
    "Budget",
    "CallJournal",
    "LazyStore",
    "PlanStep",
    "RunContext",
    "RunMemory",
    "RunState",
    "StepResult",
    "Usage",
    "build_graph",
]

"""The script schema: what a scripted model says, call by call (pydantic, strict)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WILDCARD = "*"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScriptToolCall(_Strict):
    """One tool call the scripted model makes.

    Attributes:
        name: The tool's name, as bound to the model.
        args: The tool's arguments.
        id: The tool call id; a deterministic one is made up when absent.
    """

    name: str = Field(min_length=1)
    args: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None


class ScriptUsage(_Strict):
    """Token usage to report for one response instead of the estimate."""

    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)


class ScriptFault(_Strict):
    """A failure to inject instead of a reply: the call raises ``ModelError``.

    Attributes:
        message: The error message.
        retryable: Whether the failure looks transient (a 429, 5xx or timeout would be).
    """

    message: str = "injected model failure"
    retryable: bool = True


class ScriptResponse(_Strict):
    """One model response in a script.

    Attributes:
        content: The reply's text. ``{task}`` is replaced with the run's task.
        tool_calls: Tool calls to make, in order.
        structured: Arguments of a call to the bound structured-output tool (what
            ``with_structured_output(Model)`` or ``bind_tools(..., tool_choice=NAME)`` expects).
        usage: Token usage to report; estimated from the text (~4 characters a token) if absent.
        latency_s: Simulated latency before the reply, in seconds.
        error: Raise ``ModelError`` instead of replying (fault injection); the response is
            used up, so a script can fail once and then succeed.
    """

    content: str = ""
    tool_calls: list[ScriptToolCall] = Field(default_factory=list)
    structured: dict[str, Any] | None = None
    usage: ScriptUsage | None = None
    latency_s: float = Field(default=0.0, ge=0.0, le=60.0)
    error: ScriptFault | None = None

    @model_validator(mode="before")
    @classmethod
    def _text_shorthand(cls, value: Any) -> Any:
        return {"content": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_kind_of_call(self) -> ScriptResponse:
        if self.structured is not None and self.tool_calls:
            raise ValueError("a response has either `structured` or `tool_calls`, not both")
        if self.error is not None and (self.content or self.tool_calls or self.structured):
            raise ValueError("a response with `error` fails the call: drop its other fields")
        return self


class Script(_Strict):
    """A whole script: a flat list of responses, or one list per agent.

    Attributes:
        name: Shown in ``response_metadata["model_name"]`` as ``scripted:<name>`` and in errors.
        description: One line saying what the script is for.
        repeat_last: When a list runs out, repeat its last response instead of failing.
        responses: Responses served in order to whoever calls.
        agents: Responses per agent name (``"*"``: any agent not listed; ``"agent/step"``:
            only that agent's calls for that step).
    """

    name: str = Field(default="script", min_length=1)
    description: str = ""
    repeat_last: bool = False
    responses: list[ScriptResponse] | None = None
    agents: dict[str, list[ScriptResponse]] | None = None

    @field_validator("agents")
    @classmethod
    def _agent_keys(
        cls, value: dict[str, list[ScriptResponse]] | None
    ) -> dict[str, list[ScriptResponse]] | None:
        if value is not None:
            if not value:
                raise ValueError("`agents` is empty: give at least one agent's responses")
            for key in value:
                if not key.strip():
                    raise ValueError("an agent name in `agents` is empty")
        return value

    @model_validator(mode="after")
    def _exactly_one_source(self) -> Script:
        if (self.responses is None) == (self.agents is None):
            raise ValueError(
                "a script needs exactly one of `responses` (a flat list) or `agents` "
                "(a list per agent)"
            )
        return self

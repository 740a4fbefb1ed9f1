"""The script schema: what a scripted model says, call by call (pydantic, strict)."""

from __future__ import annotations

from typing import Any, Literal

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
        raw_args: The arguments as the model wrote them (JSON text), instead of ``args``.
            Text that is not a JSON object makes an invalid tool call, as a provider's
            parser would (fault injection: malformed tool-call JSON).
    """

    name: str = Field(min_length=1)
    args: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None
    raw_args: str | None = None

    @model_validator(mode="after")
    def _args_or_raw(self) -> ScriptToolCall:
        if self.raw_args is not None and self.args:
            raise ValueError("a tool call has either `args` or `raw_args`, not both")
        return self


class ScriptUsage(_Strict):
    """Token usage to report for one response instead of the estimate."""

    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)


class ScriptFault(_Strict):
    """A failure to inject instead of a reply.

    Attributes:
        kind: What the call raises. ``model_error``: ``ModelError`` (``retryable`` says
            whether it is transient). ``http``: a provider's HTTP error with ``status``
            (429, 500, 529, ...) and, if given, a ``Retry-After`` of ``retry_after_s``;
            classified like a real one. ``timeout``: ``TimeoutError``. ``connection_reset``:
            ``ConnectionResetError``.
        message: The error message.
        retryable: For ``model_error``: whether the failure looks transient.
        status: For ``http``: the HTTP status.
        retry_after_s: For ``http``: the ``Retry-After`` header, in seconds.
    """

    kind: Literal["model_error", "http", "timeout", "connection_reset"] = "model_error"
    message: str = "injected model failure"
    retryable: bool = True
    status: int | None = Field(default=None, ge=400, le=599)
    retry_after_s: float | None = Field(default=None, ge=0.0)

    @model_validator(mode="after")
    def _http_fields(self) -> ScriptFault:
        if (self.kind == "http") != (self.status is not None):
            raise ValueError("`status` goes with `kind: http`, and `kind: http` needs a `status`")
        if self.retry_after_s is not None and self.kind != "http":
            raise ValueError("`retry_after_s` goes with `kind: http`")
        return self


class ScriptResponse(_Strict):
    """One model response in a script.

    Attributes:
        content: The reply's text. ``{task}`` is replaced with the run's task.
        tool_calls: Tool calls to make, in order.
        structured: Arguments of a call to the bound structured-output tool (what
            ``with_structured_output(Model)`` or ``bind_tools(..., tool_choice=NAME)`` expects).
        usage: Token usage to report; estimated from the text (~4 characters a token) if absent.
        latency_s: Simulated latency before the reply, in seconds.
        error: Fail the call instead of replying (fault injection, see :class:`ScriptFault`);
            the response is used up, so a script can fail once and then succeed.
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

"""Every exception agentcore raises, in one hierarchy.

``UserError`` means "you, the user or developer, made a mistake": bad configuration, a bad
agent spec, a bad task file, an unknown model. It is raised early, before anything runs, and the
CLI prints its message on one line and exits with code 2, with no traceback.

``RunError`` and its children describe a run that could not finish. Tool failures are *not*
exceptions that escape a run: they go back to the model as tool messages (``ToolError``).
"""

from __future__ import annotations

__all__ = [
    "AgentCoreError",
    "ConfigError",
    "EmbedderMismatchError",
    "LimitExceeded",
    "MCPServerError",
    "MissingDependencyError",
    "MissingKeyError",
    "ModelError",
    "PluginError",
    "ReplayDivergenceError",
    "RunError",
    "SandboxError",
    "SandboxUnavailableError",
    "ScriptExhaustedError",
    "SpecError",
    "StoreError",
    "StreamInterruptedError",
    "ToolError",
    "UserError",
]


class AgentCoreError(Exception):
    """Root of every agentcore exception."""


class UserError(AgentCoreError):
    """The user made a mistake: bad input, configuration or spec.

    Args:
        message: What was wrong, where, and what to do about it.
        hint: An optional fix, shown after the message.

    """

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} ({hint})")


class ConfigError(UserError):
    """A configuration value is invalid or missing."""


class SpecError(UserError):
    """An agent spec, script file or task file is invalid.

    Args:
        message: What was wrong.
        path: The file the problem is in.
        line: 1-based line number when known.
        field: The dotted field name when known.
        hint: How to fix it.

    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        where = ""
        if path is not None:
            where = path if line is None else f"{path}:{line}"
            where += ": "
        if field is not None:
            where += f"field '{field}': "
        super().__init__(f"{where}{message}", hint=hint)


class MissingKeyError(UserError):
    """A provider needs an API key that is not set.

    Args:
        provider: The provider name, e.g. ``openai``.
        env_var: The environment variable to set.
        hint: What else to do (default: pick another model with ``--model``).

    """

    def __init__(self, provider: str, env_var: str, *, hint: str | None = None) -> None:
        self.provider = provider
        self.env_var = env_var
        super().__init__(
            f"the {provider} provider needs an API key but {env_var} is not set",
            hint=f"export {env_var}=... or {hint or 'pick another model with --model'}",
        )


class MissingDependencyError(UserError):
    """An optional dependency is not installed.

    Args:
        package: The import that failed.
        extra: The extra of the ``agentcore`` distribution that provides it.
        install: The install command, for a package no extra provides (e.g.
            ``pip install sentence-transformers``); used instead of the extra.

    """

    def __init__(self, package: str, extra: str | None = None, *, install: str | None = None):
        self.package = package
        self.extra = extra
        command = install or f"uv pip install 'agentcore[{extra or package}]'"
        super().__init__(f"'{package}' is not installed", hint=f"install it with: {command}")


class EmbedderMismatchError(UserError):
    """A table was made with another embedder than the one configured now.

    Vectors from two embedders are not comparable, so the table is refused rather than
    searched with the wrong one.

    Args:
        table: The table's name and location.
        stored: The embedder recorded with the table (``name`` and dimension).
        wanted: The embedder configured now.
        hint: How to go on: configure the stored embedder again, or re-embed.

    """

    def __init__(self, table: str, *, stored: str, wanted: str, hint: str) -> None:
        self.table = table
        self.stored = stored
        self.wanted = wanted
        super().__init__(
            f"{table} was embedded with '{stored}' but the configured embedder is '{wanted}'",
            hint=hint,
        )


class StoreError(UserError):
    """A LanceDB table cannot be opened, read or written.

    It is corrupt, another process holds it, its location is not writable, or a filter is not
    valid SQL. Nothing was changed by the failing operation.
    """


class PluginError(UserError):
    """A plugin is misconfigured, or two plugins register the same name."""


class RunError(AgentCoreError):
    """A run could not finish."""


class MCPServerError(AgentCoreError):
    """An MCP server could not be started or reached, or failed during a call.

    In a run it never escapes: the tool call that needed the server reports it to the model
    as a tool error. ``agentcore doctor`` and ``agentcore tools list`` show it.

    Args:
        server: The server's name (``[[mcp.servers]] name``).
        message: What went wrong, naming the server.
    """

    def __init__(self, server: str, message: str) -> None:
        self.server = server
        self.message = message
        super().__init__(message)


class ModelError(RunError):
    """A model call failed after retries and fallbacks.

    Args:
        message: What happened.
        model: The model spec string that failed.
        retryable: Whether the failure was transient (429, 5xx, timeout, connection).

    """

    def __init__(self, message: str, *, model: str | None = None, retryable: bool = False):
        self.model = model
        self.retryable = retryable
        super().__init__(message)


class StreamInterruptedError(ModelError):
    """A streamed answer broke off after some of its text had been shown.

    ``ModelClient`` does not retry it (the caller's ``on_token`` already showed the start);
    the caller may ask again without streaming, as the final answer does.
    """


class ScriptExhaustedError(RunError):
    """A scripted model was called more often than its script has responses.

    Args:
        script: The script's name.
        agent: The agent whose queue ran out (None when the call named no agent).
        served: How many responses that queue served before it ran out.
        detail: What to do about it.

    """

    def __init__(self, script: str, agent: str | None, served: int, *, detail: str) -> None:
        self.script = script
        self.agent = agent
        self.served = served
        who = f"agent '{agent}'" if agent is not None else "a call with no agent"
        super().__init__(
            f"script '{script}' has no response left for {who} after serving {served}: {detail}"
        )


class ReplayDivergenceError(RunError):
    """A replayed run took another path than its recording, so the recording cannot answer.

    The request of a model call differs from the recorded one (a changed data file, prompt,
    tool or code), the run made more calls than recorded, or the recording has no such sample.
    It is not a ``ModelError``: the model did not fail, and falling back to another model or
    retrying would hide the divergence.

    Args:
        message: What differed, naming the case, epoch, agent, step and call.
        case_id: The recorded case, when known.
        epoch: The recorded epoch, when known.
        agent: The agent whose call diverged.
        step: Its plan step ("" for the planner and synthesis).
        call: The call's number among that agent's calls in that step, from 1.

    """

    def __init__(
        self,
        message: str,
        *,
        case_id: str | None = None,
        epoch: int | None = None,
        agent: str | None = None,
        step: str | None = None,
        call: int | None = None,
    ) -> None:
        self.case_id = case_id
        self.epoch = epoch
        self.agent = agent
        self.step = step
        self.call = call
        super().__init__(message)


class LimitExceeded(RunError):
    """A run hit one of its limits.

    Args:
        limit: The limit's name, e.g. ``max_tool_calls``.
        value: The configured value.

    """

    def __init__(self, limit: str, value: float) -> None:
        self.limit = limit
        self.value = value
        super().__init__(f"limit reached: {limit}={value}")


class ToolError(AgentCoreError):
    """A tool failed in a way the model should hear about.

    Raising it inside a tool sends ``message`` back to the model as the tool's result (with
    ``is_error`` set) so it can correct its call; the run goes on.
    """

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class SandboxError(RunError):
    """A sandbox failed as infrastructure (died, could not start, was killed).

    User-code errors are not this: they come back in ``Execution.error``.
    """


class SandboxUnavailableError(UserError):
    """The configured sandbox backend cannot run on this machine (it says how to fix it)."""

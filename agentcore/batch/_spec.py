"""One task of a batch file (pydantic, strict), and the JSON schema of the whole file."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The same shape as an agent spec's `model` (agentcore.agents._spec.MODEL_RE).
MODEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*:\S.*$"
AGENT_PATTERN = r"^[a-z][a-z0-9_]*$"
MAX_ID = 200


class TaskLimits(BaseModel):
    """Limits for one task; the ones left out come from ``--max-*`` flags or the config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_steps: int | None = Field(None, gt=0, description="Plan steps, re-plans included.")
    max_tool_calls: int | None = Field(None, gt=0, description="Tool calls across all agents.")
    max_tokens: int | None = Field(None, gt=0, description="Input + output tokens, all calls.")
    max_cost_usd: float | None = Field(None, gt=0, description="Estimated spend in USD.")
    timeout_s: float | None = Field(None, gt=0, description="Wall-clock seconds for the run.")
    max_iterations: int | None = Field(None, gt=0, description="Model calls per agent step.")

    def overrides(self) -> dict[str, Any]:
        """The limits this task sets, as a mapping for ``Team.arun(limits=...)``."""
        return self.model_dump(exclude_none=True)


class BatchTask(BaseModel):
    """One task of a batch file.

    Attributes:
        id: Unique in the file; names the task in the results and makes its run id.
        task: What to do, in plain words.
        model: ``provider:name`` for this task; default: ``--model`` or the config.
        limits: Limits for this task over the batch's defaults.
        agents: The only worker agents the planner may use for this task (the planner
            itself always takes part); default: every agent.
        files: Files or folders copied into the task's workspace before it runs, by their
            name; relative paths are relative to the batch file.
        metadata: Anything; copied as is into the task's result line.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="agentcore batch task",
        json_schema_extra={
            "description": (
                "One task of an agentcore batch file: a line of a .jsonl file, or an item of "
                "the list in a .yaml file (the list itself, or under `tasks:`)."
            )
        },
    )

    id: str = Field(
        min_length=1,
        max_length=MAX_ID,
        description="Unique in the file; names the task in the results and makes its run id.",
    )
    task: str = Field(min_length=1, description="What to do, in plain words.")
    model: str | None = Field(
        None,
        pattern=MODEL_PATTERN,
        description="'provider:name' for this task; default: --model or the configured model.",
    )
    limits: TaskLimits = Field(
        default_factory=TaskLimits,
        description="Limits for this task; the rest come from --max-* flags or the config.",
    )
    agents: tuple[str, ...] | None = Field(
        None,
        min_length=1,
        description=(
            "The only worker agents the planner may use (the planner always takes part); "
            "default: every agent of the team."
        ),
    )
    files: tuple[str, ...] = Field(
        (),
        description=(
            "Files or folders copied into the task's workspace under their own names; "
            "relative paths are relative to the batch file."
        ),
    )
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="Copied as is into the task's result line."
    )

    @field_validator("id", mode="before")
    @classmethod
    def _id_from_number(cls, value: Any) -> Any:
        # `id: 7` in YAML or {"id": 7} in JSON is a fine id; booleans are not.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("id", "task")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is blank")
        return value.strip()

    @field_validator("agents")
    @classmethod
    def _agent_names(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None:
            for name in value:
                if not re.match(AGENT_PATTERN, name):
                    raise ValueError(f"'{name}' is not an agent name (snake_case)")
            if len(set(value)) != len(value):
                raise ValueError("lists an agent twice")
        return value

    @field_validator("files")
    @classmethod
    def _file_paths(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for path in value:
            if not path.strip():
                raise ValueError("a file path is empty")
        return value


def batch_json_schema() -> dict[str, Any]:
    """The JSON schema of one task (a JSONL line, or an item of a YAML file's list)."""
    schema = BatchTask.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def batch_json_schema_text() -> str:
    """:func:`batch_json_schema` as the text ``agentcore batch --schema`` prints."""
    return json.dumps(batch_json_schema(), indent=2, ensure_ascii=False) + "\n"

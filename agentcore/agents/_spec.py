from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

Role = Literal["planner", "worker"]

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MODEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*:\S.*$")
# The graph reports the final-answer call under this agent name (usage, traces, replay).
RESERVED_NAMES = frozenset({"synthesis"})
MAX_DESCRIPTION = 300
# Supplied by the graph to the planner; listing them in a spec would be a mistake.
PLANNER_TOOLS = ("submit_plan", "final_answer")


class _Frontmatter(BaseModel):
    """The YAML frontmatter of an agent file: everything but the prompt body."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="agentcore agent frontmatter",
        json_schema_extra={
            "description": (
                "YAML frontmatter of an agentcore agent file (agents/NAME.md). "
                "The Markdown body after the closing '---' is the agent's prompt."
            )
        },
    )

    name: str = Field(
        description="snake_case identifier; must equal the file name without '.md'.",
        pattern=NAME_RE.pattern,
        max_length=64,
    )
    description: str = Field(
        description="One line the planner reads to decide when to use this agent.",
        min_length=1,
        max_length=MAX_DESCRIPTION,
    )
    role: Role = Field(
        "worker",
        description="'planner' for the team's single planning agent; 'worker' for the rest.",
    )
    model: str | None = Field(
        None,
        description="'provider:model' override for this agent; default: the run's model.",
        pattern=MODEL_RE.pattern,
    )
    tools: tuple[str, ...] = Field(
        (),
        description=(
            "Names of registered tools this agent may call (`agentcore tools list`). "
            "Must be empty for the planner."
        ),
    )
    max_iterations: int | None = Field(
        None,
        gt=0,
        strict=True,
        description="Model calls per step for this agent; default: limits.max_iterations.",
    )
    temperature: float | None = Field(
        None,
        ge=0,
        le=2,
        strict=True,
        description="Sampling temperature from 0 to 2; default: the model's own.",
    )
    tags: tuple[str, ...] = Field((), description="Free-form labels for listing and filtering.")

    @field_validator("name")
    @classmethod
    def _name_not_reserved(cls, value: str) -> str:
        if value in RESERVED_NAMES:
            raise PydanticCustomError(
                "reserved_name",
                "'{name}' is reserved for the graph's final-answer step",
                {"name": value},
            )
        return value

    @field_validator("description", mode="before")
    @classmethod
    def _one_line(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if "\n" in value:
                raise PydanticCustomError("multi_line", "must be a single line")
        return value

    @field_validator("tools")
    @classmethod
    def _check_tools(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        seen: set[str] = set()
        for name in value:
            if not name.strip():
                raise PydanticCustomError("empty_item", "tool names must not be empty")
            if name in seen:
                raise PydanticCustomError(
                    "duplicate_item", "'{item}' is listed twice", {"item": name}
                )
            seen.add(name)
        if value and info.data.get("role") == "planner":
            raise PydanticCustomError(
                "planner_tools",
                "the planner takes no tools: the graph gives it {tools}",
                {"tools": " and ".join(PLANNER_TOOLS)},
            )
        return value

    @field_validator("tags")
    @classmethod
    def _check_tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not tag.strip() for tag in value):
            raise PydanticCustomError("empty_item", "tags must not be empty strings")
        return value


class AgentSpec(_Frontmatter):
    """One agent: who it is, what it may use, and its prompt.

    Usually loaded from a Markdown file with YAML frontmatter (see :func:`load_agents`);
    it can also be built directly in Python.

    Attributes:
        name: snake_case identifier; in a file, it must equal the file name without ``.md``.
        description: One line the planner reads to decide when to use this agent.
        role: ``"planner"`` for the team's single planning agent, ``"worker"`` for the rest.
        model: ``"provider:model"`` override for this agent; ``None`` uses the run's model.
        tools: Names of registered tools this agent may call; empty for the planner, whose
            ``submit_plan`` and ``final_answer`` tools come from the graph.
        max_iterations: Model calls per step for this agent; ``None`` uses
            ``limits.max_iterations``.
        temperature: Sampling temperature, 0 to 2; ``None`` leaves the model's default
            (some reasoning models accept no other value).
        tags: Free-form labels for listing and filtering.
        prompt: The system prompt: the Markdown body of the file.
        source: The file the spec was loaded from; ``None`` when built in code.
    """

    model_config = ConfigDict(title="AgentSpec", json_schema_extra=None)

    prompt: str = Field(min_length=1, description="The system prompt (the Markdown body).")
    source: Path | None = Field(None, exclude=True, description="The file it came from.")

    @field_validator("prompt", mode="before")
    @classmethod
    def _strip_prompt(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    def to_markdown(self) -> str:
        """Render the spec as an agent file: frontmatter between ``---`` lines, then the prompt.

        Optional fields left at their defaults are omitted, so loading the result gives back
        an equal spec (apart from ``source``).
        """
        front: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "role": self.role,
        }
        for key in ("model", "max_iterations", "temperature"):
            if getattr(self, key) is not None:
                front[key] = getattr(self, key)
        front["tools"] = list(self.tools)
        if self.tags:
            front["tags"] = list(self.tags)
        text = yaml.safe_dump(
            front, sort_keys=False, default_flow_style=None, allow_unicode=True, width=10**6
        )
        return f"---\n{text}---\n\n{self.prompt}\n"


FRONTMATTER_FIELDS: tuple[str, ...] = tuple(_Frontmatter.model_fields)


def agent_json_schema() -> dict[str, Any]:
    """Return the JSON schema of an agent file's YAML frontmatter.

    Editors and linters can validate agent files with it; ``agentcore agents schema`` prints it.
    The prompt is not part of it: it is the Markdown body after the frontmatter.
    """
    schema = _Frontmatter.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}

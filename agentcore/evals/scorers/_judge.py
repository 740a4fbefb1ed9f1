"""``llm_judge``: a model grades the answer against a rubric and returns a structured verdict.

The judge is any model spec (``openai:gpt-4o-mini``, ``anthropic:...``, ``scripted:FILE``...),
called through :class:`agentcore.models.ModelClient` (retries, fallbacks, token and cost
accounting) with one tool, ``Verdict``, that it must call. Its tokens and cost go into the
score's details, apart from the run's own usage.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentcore.errors import UserError
from agentcore.evals._types import Sample, Score, Scorer

if TYPE_CHECKING:
    from langchain_core.messages import AIMessage

    from agentcore.models import ModelClient

JUDGE_MODEL_ENV = "AGENTCORE_JUDGE_MODEL"

_SYSTEM = (
    "You are a strict, fair grader. Judge the answer only by the rubric: not by its length, "
    "tone or confidence. If the rubric is not met, say which part is missing. Reply by "
    "calling the Verdict tool once: score from 0 (fails the rubric) to 1 (fully meets it), "
    "passed, and a short reasoning."
)


class Verdict(BaseModel):
    """The judge's verdict on one answer.

    Attributes:
        score: How well the answer meets the rubric, from 0 (not at all) to 1 (fully).
        passed: Whether the answer meets the rubric.
        reasoning: Why, in a few sentences, naming what is missing or wrong.
    """

    model_config = ConfigDict(extra="ignore")

    score: float = Field(ge=0.0, le=1.0, description="0 = fails the rubric, 1 = fully meets it")
    passed: bool = Field(description="whether the answer meets the rubric")
    reasoning: str = Field(description="why, in a few sentences")


class LlmJudge(Scorer):
    """A model grades the answer against a rubric.

    The sample passes when the judge says it passed **and** its score is at least
    ``pass_score``; the score's value is the judge's score. A judge that does not return a
    usable verdict gives a failing score that says so (not an error).

    Attributes:
        rubric: What a good answer does, in plain words.
        model: The judge's model spec; default ``$AGENTCORE_JUDGE_MODEL``.
        pass_score: The lowest judge score that passes.

    Example:
        ```yaml
        scorers:
          - llm_judge:
              rubric: Names the three penguin species and cites the data file.
              model: openai:gpt-4o-mini
        ```
    """

    name: ClassVar[str] = "llm_judge"

    rubric: str = Field(min_length=1)
    model: str | None = None
    pass_score: float = Field(0.5, ge=0.0, le=1.0)

    def model_spec(self) -> str:
        """The judge's model spec: the ``model`` option, else ``$AGENTCORE_JUDGE_MODEL``.

        Raises:
            UserError: Neither is set.
        """
        spec = self.model or os.environ.get(JUDGE_MODEL_ENV, "").strip()
        if not spec:
            raise UserError(
                "the llm_judge scorer needs a judge model",
                hint=f"set the scorer's option model: provider:name (e.g. openai:gpt-4o-mini), "
                f"or export {JUDGE_MODEL_ENV}=provider:name",
            )
        return spec

    def client(self) -> ModelClient:
        """The client that calls the judge, built from :meth:`model_spec` and the config.

        Subclasses may return another client (e.g. wrapping a chat model object).
        """
        from agentcore.config import load_settings
        from agentcore.models import ModelClient
        from agentcore.plugins import load_registry

        return ModelClient.from_specs(
            self.model_spec(), settings=load_settings(), registry=load_registry()
        )

    async def score(self, sample: Sample) -> Score:
        """Ask the judge for a verdict on the sample's answer.

        Raises:
            UserError: No judge model is configured, or its spec is invalid.
            ModelError: The judge could not be called (after retries).
        """
        from langchain_core.messages import HumanMessage, SystemMessage

        client = self.client()
        reply = await client.ainvoke(
            [SystemMessage(_SYSTEM), HumanMessage(self.prompt(sample))],
            tools=[Verdict],
            tool_choice=Verdict.__name__,
        )
        usage = reply.usage
        details: dict[str, Any] = {
            "judge": reply.model,
            "usage": {
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "cost_usd": usage.cost_usd,
            },
        }
        verdict, problem = _verdict(reply.message)
        if verdict is None:
            details["reply"] = _reply_text(reply.message)[:2000]
            return Score(
                scorer=self.name,
                value=0.0,
                passed=False,
                explanation=f"the judge answered unusably: {problem}",
                details=details,
            )
        passed = verdict.passed and verdict.score >= self.pass_score
        details |= {"verdict": verdict.model_dump(), "pass_score": self.pass_score}
        return Score(
            scorer=self.name,
            value=verdict.score,
            passed=passed,
            explanation=f"judge score {verdict.score:.2f}: {_one_line(verdict.reasoning)}",
            details=details,
        )

    def prompt(self, sample: Sample) -> str:
        """What the judge reads: the rubric, the task, the expected answer if any, the answer."""
        parts = [f"## Rubric\n{self.rubric.strip()}", f"## Task\n{sample.case.input.strip()}"]
        expected = sample.case.expected
        if expected is not None:
            shown = expected if isinstance(expected, str) else json.dumps(expected, default=str)
            parts.append(f"## Expected answer (reference)\n{shown}")
        parts.append(f"## Answer to grade\n{sample.answer.strip() or '(empty)'}")
        return "\n\n".join(parts)


def _verdict(message: AIMessage) -> tuple[Verdict | None, str]:
    """The verdict of the judge's reply (its Verdict call, else JSON text), or why not."""
    calls = [c for c in message.tool_calls if c["name"] == Verdict.__name__]
    raw: Any
    if calls:
        raw = calls[0]["args"]
    else:
        text = _reply_text(message).strip().removeprefix("```json").strip("`").strip()
        try:
            raw = json.loads(text)
        except ValueError:
            return None, "it neither called Verdict nor replied with a JSON verdict"
    try:
        return Verdict.model_validate(raw), ""
    except ValidationError as exc:
        wrong = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'verdict'}: {e['msg']}" for e in exc.errors()
        )
        return None, f"invalid verdict ({wrong})"


def _reply_text(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(
        str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content
    )


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."

"""The ``llm_judge`` scorer with offline judges: a reply function and a scripted model spec."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage

from agentcore.errors import UserError
from agentcore.evals import Case, Sample, Score
from agentcore.evals.scorers._judge import JUDGE_MODEL_ENV, LlmJudge
from agentcore.models import ModelClient
from agentcore.testing import FunctionChatModel
from agentcore.testing._call import CallInfo

CASE = Case(id="penguins", input="Which penguin species are in the data?", expected="Adelie")
RUBRIC = "Names the Adelie, Chinstrap and Gentoo species."


class FunctionJudge(LlmJudge):
    """A judge whose replies come from a function; records the prompts it was given."""

    def client(self) -> ModelClient:
        return ModelClient([("scripted:judge", FunctionChatModel(self._reply))])

    def _reply(self, messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        SEEN.append((messages, info))
        return REPLY[-1]


SEEN: list[tuple[list[BaseMessage], CallInfo]] = []
REPLY: list[AIMessage] = []


@pytest.fixture(autouse=True)
def _reset() -> None:
    SEEN.clear()
    REPLY.clear()


def verdict_call(args: dict[str, Any]) -> AIMessage:
    return AIMessage(
        "",
        tool_calls=[{"name": "Verdict", "args": args, "id": "v1"}],
        usage_metadata={"input_tokens": 120, "output_tokens": 30, "total_tokens": 150},
    )


def judge(answer: str, reply: AIMessage, **options: Any) -> Score:
    REPLY.append(reply)
    sample = Sample(case=CASE, epoch=1, answer=answer, status="completed")
    return asyncio.run(FunctionJudge(rubric=RUBRIC, **options).score(sample))


def test_a_passing_verdict_is_a_passing_score_with_the_judge_s_usage() -> None:
    reply = verdict_call({"score": 0.9, "passed": True, "reasoning": "All three are named."})
    score = judge("Adelie, Chinstrap and Gentoo.", reply)
    assert score.passed and score.value == 0.9
    assert score.explanation == "judge score 0.90: All three are named."
    assert score.details["usage"]["input_tokens"] == 120
    assert score.details["usage"]["output_tokens"] == 30
    assert score.details["judge"] == "scripted:judge"

    messages, info = SEEN[0]
    assert info.tool_choice == "Verdict" and info.tools == ("Verdict",)
    prompt = str(messages[-1].content)
    assert "## Rubric\n" + RUBRIC in prompt
    assert "## Task\nWhich penguin species" in prompt
    assert "## Expected answer (reference)\nAdelie" in prompt
    assert prompt.endswith("## Answer to grade\nAdelie, Chinstrap and Gentoo.")


def test_passing_needs_the_judge_s_pass_and_a_score_at_least_pass_score() -> None:
    low = verdict_call({"score": 0.4, "passed": True, "reasoning": "Two of three."})
    assert not judge("Adelie and Gentoo.", low).passed
    assert judge("Adelie and Gentoo.", low, pass_score=0.3).passed
    failed = verdict_call({"score": 0.8, "passed": False, "reasoning": "Misses Chinstrap."})
    score = judge("Adelie and Gentoo.", failed)
    assert not score.passed and score.value == 0.8


def test_a_json_verdict_in_the_text_is_accepted() -> None:
    text = json.dumps({"score": 1, "passed": True, "reasoning": "Complete."})
    score = judge("Adelie, Chinstrap, Gentoo", AIMessage(f"```json\n{text}\n```"))
    assert score.passed and score.value == 1.0


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (AIMessage("They look right to me."), "it neither called Verdict nor replied with JSON"),
        (
            verdict_call({"score": 7, "passed": True, "reasoning": "great"}),
            "invalid verdict (score",
        ),
        (verdict_call({"score": 0.5, "reasoning": "no pass flag"}), "invalid verdict (passed"),
    ],
)
def test_an_unusable_verdict_is_a_failing_score_not_an_error(reply: AIMessage, why: str) -> None:
    score = judge("Adelie.", reply)
    assert not score.passed and score.value == 0.0
    assert score.explanation.startswith("the judge answered unusably: ")
    assert why.replace(" with JSON", "") in score.explanation.replace(" with a JSON verdict", "")
    assert "usage" in score.details


def test_the_judge_model_comes_from_the_option_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "judge.json"
    script.write_text(
        json.dumps(
            {
                "name": "strict-judge",
                "responses": [
                    {"structured": {"score": 0.75, "passed": True, "reasoning": "Good enough."}}
                ],
                "repeat_last": True,
            }
        )
    )
    sample = Sample(case=CASE, epoch=1, answer="Adelie, Chinstrap, Gentoo", status="completed")
    with pytest.raises(UserError, match="needs a judge model") as caught:
        asyncio.run(LlmJudge(rubric=RUBRIC).score(sample))
    assert JUDGE_MODEL_ENV in str(caught.value)

    monkeypatch.setenv(JUDGE_MODEL_ENV, f"scripted:{script}")
    from_env = asyncio.run(LlmJudge(rubric=RUBRIC).score(sample))
    assert from_env.passed and from_env.value == 0.75
    assert from_env.details["judge"] == f"scripted:{script}"

    monkeypatch.delenv(JUDGE_MODEL_ENV)
    from_option = asyncio.run(LlmJudge(rubric=RUBRIC, model=f"scripted:{script}").score(sample))
    assert from_option.passed


def test_a_bad_judge_spec_is_a_user_error() -> None:
    sample = Sample(case=CASE, epoch=1, answer="x", status="completed")
    with pytest.raises(UserError, match="no provider"):
        asyncio.run(LlmJudge(rubric=RUBRIC, model="gpt-judge").score(sample))

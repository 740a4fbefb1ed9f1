"""A sample's outcome: its scores, whether it passed, and why not (its failure class).

Shared by the runner and by rescoring, so a re-scored log classifies its samples exactly as
the eval that wrote it did.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentcore.evals._types import Case, FailureClass, Sample, SampleRecord, Score, Scorer

__all__ = [
    "failure_class",
    "infra_failure",
    "passed",
    "retryable_model_failure",
    "sample_from_record",
    "score_sample",
]

# ModelClient's message when every model failed: "... spec (N attempts): Kind: detail".
# The client retries only transient errors, so N > 1 means the failure was transient.
_ATTEMPTS = re.compile(r"\((\d+) attempts\)")
_MODEL_FAILURE = (
    "the model call failed",
    "every model failed",
    "the stream broke after output began",
    "has no response left",  # a scripted model ran out of responses
    "replay",  # a replayed cassette diverged from the run
)
_SANDBOX_FAILURE = ("SandboxError",)


async def score_sample(sample: Sample, scorers: Sequence[Scorer]) -> list[Score]:
    """Score a sample with every scorer; a scorer that raises gives a failing score.

    So does a scorer that reads the workspace when the sample has none. The failing score's
    ``details["error"]`` says what happened, which makes the sample's failure class
    ``scorer_error``.
    """
    scores: list[Score] = []
    for scorer in scorers:
        if scorer.uses_workspace and sample.workspace is None:
            scores.append(
                _unscored(
                    scorer,
                    "the run's workspace no longer exists and this scorer reads it "
                    "(keep the eval's work/ folder to re-score it)",
                )
            )
            continue
        try:
            scores.append(await scorer.score(sample))
        except Exception as exc:  # a scorer bug must not lose the sample
            scores.append(_unscored(scorer, f"{type(exc).__name__}: {exc}"))
    return scores


def _unscored(scorer: Scorer, error: str) -> Score:
    return Score(
        scorer=scorer.name,
        value=0.0,
        passed=False,
        explanation=f"the scorer failed: {error}",
        details={"error": error},
    )


#: Run statuses whose answer is scored as the run's answer. A run that reached a limit
#: answers with what it had; a failed, cancelled or interrupted run (a model, tool or replay
#: error) does not pass, whatever its scores say (e.g. a trajectory right up to the failure).
ANSWERED = frozenset({"completed", "limit_reached"})


def passed(scores: Sequence[Score], status: str) -> bool:
    """A sample passes when its run answered, it has scores, and every one of them passed."""
    return status in ANSWERED and bool(scores) and all(s.passed for s in scores)


def _errors(trace: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in trace if r.get("type") == "error"]


def infra_failure(trace: Sequence[dict[str, Any]]) -> str | None:
    """The sandbox or harness failure a run's trace records, if any (worth a retry)."""
    for record in _errors(trace):
        text = str(record.get("error", ""))
        if text.startswith(_SANDBOX_FAILURE) or "traceback" in record:
            return text
    return None


def _model_failures(trace: Sequence[dict[str, Any]], error: str | None) -> list[dict[str, Any]]:
    found = [r for r in _errors(trace) if any(m in str(r.get("error", "")) for m in _MODEL_FAILURE)]
    if not found and error and any(m in error for m in _MODEL_FAILURE):
        found.append({"error": error})
    return found


def retryable_model_failure(trace: Sequence[dict[str, Any]], error: str | None) -> bool:
    """Whether a run failed on a model error that was transient (429, 5xx, a timeout...).

    The model client retried it already; the eval gives the whole sample another chance.
    A trace record's ``retryable`` flag decides when present; otherwise the client's message
    says how many attempts it made, and it retries only transient errors.
    """
    for record in _model_failures(trace, error):
        if "retryable" in record:
            if record["retryable"]:
                return True
            continue
        text = str(record.get("error", ""))
        attempts = _ATTEMPTS.search(text)
        if (attempts and int(attempts.group(1)) > 1) or "stream broke" in text:
            return True
    return False


def failure_class(
    *,
    status: str,
    error: str | None,
    trace: Sequence[dict[str, Any]],
    scores: Sequence[Score],
    infra: bool = False,
) -> FailureClass | None:
    """Why a sample did not pass (``None`` when it passed).

    In order: the harness or sandbox failed (``infra_error``); a run limit stopped it
    (``limit_reached``); the run failed on a model error (``model_error``), else after a tool
    call had failed (``tool_error``), else because the model's output was unusable (e.g. no
    valid plan: ``model_error``); a scorer raised (``scorer_error``); else ``wrong_answer``.

    Args:
        status: The run's status.
        error: The run's error.
        trace: The run's trace.
        scores: The sample's scores.
        infra: The harness could not make the run at all (it raised, after retries).
    """
    if passed(scores, status):
        return None
    if infra or infra_failure(trace) is not None:
        return "infra_error"
    if status == "limit_reached":
        return "limit_reached"
    if status != "completed":
        if _model_failures(trace, error):
            return "model_error"
        if any(r.get("type") == "tool_result" and r.get("is_error") for r in trace):
            return "tool_error"
        return "model_error"
    if any("error" in s.details for s in scores):
        return "scorer_error"
    return "wrong_answer"


def sample_from_record(
    record: SampleRecord, case: Case, *, suite_dir: Path | None, data_dir: Path | None = None
) -> Sample:
    """Rebuild what scorers saw from a log line (the workspace only if it still exists)."""
    workspace = Path(record.workspace) if record.workspace else None
    return Sample(
        case=case,
        epoch=record.epoch,
        answer=record.answer,
        status=record.status,
        error=record.error,
        limit=record.limit,
        trace=record.trace,
        usage=record.usage,
        duration_s=record.duration_s,
        workspace=workspace if workspace is not None and workspace.is_dir() else None,
        suite_dir=suite_dir,
        data_dir=data_dir if data_dir is not None and data_dir.is_dir() else None,
    )

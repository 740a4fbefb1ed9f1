"""Re-score a log without re-running anything: the scorers run again on the logged samples.

The suite is read again from the log's ``suite_path`` (so a changed scorer, option or gold
answer takes effect), each sample is rebuilt from its log line, and a new log is written next
to the old one, which is never changed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from agentcore.errors import UserError
from agentcore.evals._log import LogWriter
from agentcore.evals._scoring import failure_class, passed, sample_from_record, score_sample
from agentcore.evals._summary import summarise
from agentcore.evals._types import Case, EvalLog, SampleRecord, Scorer, ScorerRef, Suite

if TYPE_CHECKING:
    from agentcore.plugins import Registry

__all__ = ["rescore"]


def _suite_of(log: EvalLog, registry: Registry | None) -> Suite:
    from agentcore.evals._suite import load_suite

    header = log.header
    where = header.suite_path or header.suite
    try:
        return load_suite(where, registry=registry)
    except UserError as exc:
        if Path(where).exists():
            raise
        raise UserError(
            f"cannot re-score {log.path}: its suite file {where} is gone ({exc.message})",
            hint="put the suite back where it was",
        ) from None


def _new_path(log: EvalLog) -> tuple[str, Path]:
    assert log.path is not None
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    for n in range(1, 1000):
        eval_id = f"{log.header.eval_id}-rescored-{stamp}" + (f"-{n}" if n > 1 else "")
        path = log.path.with_name(f"{eval_id}.jsonl")
        if not path.exists():
            return eval_id, path
    raise UserError(f"too many re-scored logs next to {log.path}")


async def rescore(
    log: EvalLog,
    *,
    scorers: Sequence[ScorerRef] | None = None,
    registry: Registry | None = None,
) -> EvalLog:
    """Score a log's samples again and write the result as a new log beside it.

    Args:
        log: The log (:func:`read_log`); finished or not.
        scorers: Score every sample with these instead of the suite's scorers.
        registry: Where scorers are looked up (default: the installed plugins').

    Returns:
        The new log (its ``path`` is the new file), with a summary.

    Raises:
        UserError: The log was not read from a file, its suite file is gone or invalid, or
            the suite no longer has a case the log has.
        SpecError: A scorer in ``scorers`` is unknown or has a bad option.
    """
    from agentcore.evals.scorers import get_scorer

    if log.path is None:
        raise UserError("re-scoring needs a log read from a file (read_log)")
    suite = _suite_of(log, registry)
    cases = {case.id: case for case in suite.cases}
    built: dict[str, tuple[Scorer, ...]] = {}
    data_dir = log.path.parent / log.header.eval_id / "data"
    samples: list[SampleRecord] = []
    for record in log.samples:
        case = cases.get(record.case_id)
        if case is None:
            raise UserError(
                f"suite '{suite.name}' ({suite.path}) no longer has case '{record.case_id}' "
                f"that {log.path} logged",
                hint="re-score with the suite the eval ran, or run the eval again",
            )
        if case.id not in built:
            refs = list(scorers) if scorers is not None else suite.scorers_for(case)
            built[case.id] = tuple(
                get_scorer(ref, registry=registry, where=f"case '{case.id}' scorers[{i}]")
                for i, ref in enumerate(refs)
            )
        samples.append(await _rescored(record, case, built[case.id], suite.directory, data_dir))
    eval_id, path = _new_path(log)
    header = log.header.model_copy(
        update={"eval_id": eval_id, "suite_version": suite.version, "argv": []}
    )
    started = datetime.fromisoformat(log.header.started_at)
    finished = (
        datetime.fromisoformat(log.summary.finished_at)
        if log.summary is not None
        else datetime.now(UTC)
    )
    summary = summarise(samples, started=started, finished=finished)
    if log.summary is not None:  # the eval's own wall time, not a recomputed (rounded) one
        summary.duration_s = log.summary.duration_s
    with LogWriter.create(path, header) as writer:
        for sample in samples:
            writer.write_sample(sample)
        writer.write_summary(summary)
    return EvalLog(header=header, samples=samples, summary=summary, path=path)


async def _rescored(
    record: SampleRecord,
    case: Case,
    case_scorers: Sequence[Scorer],
    suite_dir: Path,
    data_dir: Path,
) -> SampleRecord:
    if record.failure == "infra_error" and not record.trace:
        return record  # the harness never made this run: there is nothing to score
    from agentcore.evals._runner import sample_data_dir

    own = sample_data_dir(data_dir, record.case_id, record.epoch)
    sample = sample_from_record(record, case, suite_dir=suite_dir, data_dir=own)
    scores = await score_sample(sample, case_scorers)
    return record.model_copy(
        update={
            "scores": scores,
            "passed": passed(scores, record.status),
            "failure": failure_class(
                status=record.status, error=record.error, trace=record.trace, scores=scores
            ),
        }
    )

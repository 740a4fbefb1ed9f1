"""Run a suite: every selected case once per epoch, a bounded number at a time, into a log.

Each sample runs in its own workspace (``<out>/<eval_id>/work/<case>-e<epoch>/``, kept for
scorers and rescoring) with the case's files copied in, with limits ``Limits`` defaults <
suite ``limits`` < case ``limits``, and in the eval's own data folder
(``<out>/<eval_id>/data/``: the suite's RAG collections, and one folder per sample under
``samples/`` with its own empty long-term memory it does not learn into, its ML registry,
checkpoints and traces, and a link to the collections) so nothing of the user's leaks in and
no sample sees another's. Only infrastructure failures are retried (the harness or sandbox
failed, or a model call failed on a transient error after the client's own retries), at most
:data:`MAX_RETRIES` times. :meth:`EvalRunner.stop` starts no more samples and cancels the
running ones, which are not logged: ``--resume`` runs them again.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentcore.errors import MissingDependencyError, UserError
from agentcore.evals._log import LogWriter, read_log
from agentcore.evals._scoring import (
    failure_class,
    infra_failure,
    passed,
    retryable_model_failure,
    score_sample,
)
from agentcore.evals._summary import summarise
from agentcore.evals._timing import agent_times
from agentcore.evals._types import (
    Case,
    EvalHeader,
    EvalLog,
    Sample,
    SampleRecord,
    Scorer,
    Suite,
)

if TYPE_CHECKING:
    from agentcore.api import RunResult, Team
    from agentcore.config import Settings

__all__ = ["MAX_RETRIES", "EvalPlan", "EvalRunner", "run_eval", "sample_dir_name"]

MAX_RETRIES = 2
"""Extra runs of a sample whose run failed on infrastructure."""

SampleCallback = Callable[[SampleRecord], None]


def sample_dir_name(case_id: str, epoch: int) -> str:
    """The folder name of a sample's workspace (``/`` in a case id becomes ``~``)."""
    return f"{case_id.replace('/', '~')}-e{epoch}"


@dataclass(frozen=True, kw_only=True, slots=True)
class _Job:
    case: Case
    epoch: int
    scorers: tuple[Scorer, ...]


@dataclass(kw_only=True, slots=True)
class EvalPlan:
    """What an eval will run, decided before anything is written.

    Attributes:
        header: The log's header (a resumed eval keeps its log's).
        log_path: The log file.
        jobs: The samples still to run, as ``(case id, epoch)``, in order.
        done: Samples an earlier invocation logged (when resuming).
        resumed: Whether this carries on an unfinished log.
    """

    header: EvalHeader
    log_path: Path
    jobs: list[tuple[str, int]]
    done: list[SampleRecord] = field(default_factory=list)
    resumed: bool = False

    @property
    def total(self) -> int:
        """Samples in the whole eval."""
        return len(self.jobs) + len(self.done)


class EvalRunner:
    """Runs one eval; see :func:`run_eval` for the arguments.

    Call :meth:`prepare` to check everything and learn the plan (nothing is written), then
    :meth:`run`. :meth:`stop` (the CLI calls it on Ctrl-C) ends the eval early.
    """

    def __init__(
        self,
        suite: Suite,
        *,
        team: Team | None = None,
        model: str,
        epochs: int | None = None,
        concurrency: int = 4,
        case_ids: Sequence[str] | None = None,
        tags: Sequence[str] | None = None,
        out_dir: Path,
        record: Path | None = None,
        offline: bool = False,
        resume: Path | None = None,
        on_sample: SampleCallback | None = None,
        argv: Sequence[str] = (),
    ) -> None:
        if concurrency < 1:
            raise UserError(f"concurrency must be at least 1 (got {concurrency})")
        self.suite = suite
        self._team = team
        self.model = model
        self.epochs = epochs
        self.concurrency = concurrency
        self.case_ids = case_ids
        self.tags = tags
        self.out_dir = Path(out_dir).absolute()  # the log's paths work from anywhere
        self.record = record
        self.offline = offline
        self.resume = Path(resume).absolute() if resume is not None else None
        self.on_sample = on_sample
        self.argv = list(argv)
        self.stopped = False
        self._plan: EvalPlan | None = None
        self._jobs: dict[tuple[str, int], _Job] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._fatal: BaseException | None = None
        self._samples: list[SampleRecord] = []

    # --- planning ---------------------------------------------------------------------------

    @property
    def team(self) -> Team:
        """The team samples run with (loaded from the configuration when none was given)."""
        if self._team is None:
            from agentcore.api import Team

            self._team = Team.load()
        return self._team

    def prepare(self) -> EvalPlan:
        """Check the selection, model, cassette and scorers; decide what runs. Writes nothing.

        Raises:
            UserError: An unknown case id, a tag no case has, an unusable model, ``offline``
                without a bundled cassette or with a model that is not a replay, ``resume``
                of a finished log or of another suite's.
        """
        if self._plan is not None:
            return self._plan
        done: list[SampleRecord] = []
        if self.resume is not None:
            log = read_log(self.resume)
            header, done = self._resumed_header(log), log.samples
            log_path = self.resume
            cases = self._select(header.case_ids, None)
        else:
            model = self._model()
            cases = self._select(self.case_ids, self.tags)
            eval_id = (
                f"{self.suite.name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-"
                f"{uuid.uuid4().hex[:4]}"
            )
            header = EvalHeader(
                eval_id=eval_id,
                suite=self.suite.name,
                suite_path=str(self.suite.path or ""),
                suite_version=self.suite.version,
                model=model,
                epochs=self.epochs or self.suite.epochs,
                concurrency=self.concurrency,
                case_ids=[c.id for c in cases],
                started_at=datetime.now(UTC).isoformat(timespec="seconds"),
                agentcore_version=_version(),
                record=str(self.record) if self.record is not None else None,
                offline=self.offline,
                argv=self.argv,
            )
            log_path = self.out_dir / f"{eval_id}.jsonl"
            if log_path.exists():
                raise UserError(f"{log_path} exists already", hint="run the eval again")
        self._check_model(header.model)
        finished = {(r.case_id, r.epoch) for r in done}
        for case in cases:
            scorers = self._scorers(case)
            for epoch in range(1, header.epochs + 1):
                self._jobs[(case.id, epoch)] = _Job(case=case, epoch=epoch, scorers=scorers)
        jobs = [key for key in self._jobs if key not in finished]
        self._plan = EvalPlan(
            header=header,
            log_path=log_path,
            jobs=jobs,
            done=done,
            resumed=self.resume is not None,
        )
        return self._plan

    def _resumed_header(self, log: EvalLog) -> EvalHeader:
        header = log.header
        if log.finished:
            raise UserError(
                f"{self.resume} is a finished eval: there is nothing to resume",
                hint="see it with: agentcore eval report LOG",
            )
        if header.suite != self.suite.name:
            raise UserError(
                f"{self.resume} is an eval of suite '{header.suite}', not '{self.suite.name}'",
                hint="resume it with its own suite, or leave SUITE out",
            )
        if self.record is not None:
            raise UserError(
                "--record cannot carry on a cassette across a resumed eval",
                hint="leave out --record, or record the whole eval again",
            )
        return header

    def _model(self) -> str:
        model = self.model.strip()
        if self.offline:
            from agentcore.evals._cassette import bundled_cassette

            if model and not model.startswith("replay:"):
                raise UserError(
                    f"--offline replays the suite's cassette; it cannot use --model {model}",
                    hint="leave out --model, or leave out --offline to run the model",
                )
            if not model:
                cassette = bundled_cassette(self.suite)
                if cassette is None:
                    raise UserError(
                        f"suite '{self.suite.name}' has no bundled cassette to run offline",
                        hint=f"record one: agentcore eval {self.suite.name} --model M "
                        f"--record {self.suite.directory / 'cassette.jsonl'}",
                    )
                model = f"replay:{cassette}"
        if not model:
            raise UserError("no model given", hint="pass --model provider:name")
        return model

    def _check_model(self, model: str) -> None:
        from agentcore.models import ModelClient

        team = self.team
        ModelClient.from_specs(
            model,
            fallbacks=team.settings.fallback_models,
            settings=team.settings,
            registry=team.registry,
        )

    def _select(self, case_ids: Sequence[str] | None, tags: Sequence[str] | None) -> list[Case]:
        cases = list(self.suite.cases)
        if case_ids:
            known = {c.id for c in cases}
            unknown = [i for i in case_ids if i not in known]
            if unknown:
                listed = ", ".join(c.id for c in cases[:12]) + (", ..." if len(cases) > 12 else "")
                raise UserError(
                    f"suite '{self.suite.name}' has no case {', '.join(map(repr, unknown))}",
                    hint=f"its cases: {listed}",
                )
            wanted = set(case_ids)
            cases = [c for c in cases if c.id in wanted]
        if tags:
            chosen = [c for c in cases if set(c.tags) & set(tags)]
            if not chosen:
                have = sorted({t for c in cases for t in c.tags})
                raise UserError(
                    f"no case of suite '{self.suite.name}' has the tag(s) {', '.join(tags)}",
                    hint=f"its tags: {', '.join(have) or 'none'}",
                )
            cases = chosen
        return cases

    def _scorers(self, case: Case) -> tuple[Scorer, ...]:
        from agentcore.evals.scorers import get_scorer

        return tuple(
            get_scorer(ref, registry=self.team.registry, where=f"case '{case.id}' scorers[{i}]")
            for i, ref in enumerate(self.suite.scorers_for(case))
        )

    # --- running ----------------------------------------------------------------------------

    def stop(self) -> None:
        """Start no more samples and cancel the running ones (call it on the loop's thread)."""
        self.stopped = True
        for worker in self._workers:
            worker.cancel()

    async def run(self) -> EvalLog:
        """Run the plan; return the log (without a summary when stopped).

        Raises:
            UserError: As :meth:`prepare`; or a run refused its input (e.g. a model key is
                missing), or the log cannot be written. The log keeps what finished.
        """
        plan = self.prepare()
        header = plan.header
        eval_root = plan.log_path.parent / header.eval_id
        settings = _eval_settings(self.team.settings, eval_root / "data", extra_runs=len(plan.jobs))
        self._samples = list(plan.done)
        if plan.resumed:
            writer = LogWriter.carry_on(plan.log_path)
        else:
            writer = LogWriter.create(plan.log_path, header)
        cassette = None
        if self.record is not None:
            from agentcore.evals._cassette import CassetteWriter

            cassette = CassetteWriter(self.record, suite=self.suite.name, model=header.model)
        try:
            if plan.jobs and self.suite.collections:
                await _ingest(self.suite, settings)
            pending = deque(self._jobs[key] for key in plan.jobs)
            context = _Context(
                header=header, settings=settings, work=eval_root / "work", cassette=cassette
            )
            lock = asyncio.Lock()
            self._workers = [
                asyncio.create_task(self._work(pending, context, writer, lock))
                for _ in range(min(self.concurrency, len(pending)))
            ]
            if self.stopped:
                for worker in self._workers:
                    worker.cancel()
            outcomes = await asyncio.gather(*self._workers, return_exceptions=True)
            if self._fatal is not None:
                raise self._fatal
            for outcome in outcomes:
                if isinstance(outcome, Exception):
                    raise outcome  # a bug: after every other sample had its say
            log = EvalLog(header=header, samples=self._samples, path=plan.log_path)
            if not self.stopped:
                started = datetime.fromisoformat(header.started_at)
                log.summary = summarise(self._samples, started=started, finished=datetime.now(UTC))
                writer.write_summary(log.summary)
            return log
        finally:
            writer.close()
            if cassette is not None:
                cassette.close()

    async def _work(
        self, pending: deque[_Job], context: _Context, writer: LogWriter, lock: asyncio.Lock
    ) -> None:
        while pending and not self.stopped:
            job = pending.popleft()
            try:
                record = await self._sample(job, context)
            except UserError as exc:  # bad input every sample would hit: stop the eval
                self._fatal = self._fatal or exc
                self.stop()
                return
            async with lock:
                try:
                    await asyncio.to_thread(writer.write_sample, record)
                except OSError as exc:
                    self._fatal = self._fatal or UserError(
                        f"cannot write to {writer.path}: {exc}; the eval stopped",
                        hint="make room or fix the permissions, then carry on with --resume",
                    )
                    self.stop()
                    return
                self._samples.append(record)
                if context.cassette is not None:
                    context.cassette.add(job.case.id, job.epoch, record.trace)
            if self.on_sample is not None:
                self.on_sample(record)

    async def _sample(self, job: _Job, context: _Context) -> SampleRecord:
        from agentcore.config import Limits
        from agentcore.evals._cassette import sample_scope
        from agentcore.models._retry import backoff_s

        case, name = job.case, sample_dir_name(job.case.id, job.epoch)
        workspace = context.work / name
        team = _sample_team(self.team, context.settings, job)
        limits = Limits.model_validate({**self.suite.limits, **case.limits})
        files = [self.suite.directory / f for f in case.files]
        attempts = 0
        while True:
            attempts += 1
            await asyncio.to_thread(_fresh_workspace, workspace, files)
            # unique: a resumed eval may run a sample again whose earlier run left a checkpoint
            run_id = f"{context.header.eval_id}-{name}-{uuid.uuid4().hex[:6]}"
            started = time.monotonic()
            try:
                with sample_scope(case.id, job.epoch):
                    result = await team.arun(
                        case.input,
                        model=context.header.model,
                        limits=limits,
                        run_id=run_id,
                        workspace=workspace,
                    )
            except UserError:
                raise
            except Exception as exc:  # the harness failed, not the agent
                if attempts <= MAX_RETRIES:
                    await asyncio.sleep(backoff_s(attempts, max_wait_s=5.0))
                    continue
                return self._crashed(job, run_id, exc, attempts, time.monotonic() - started)
            transient = infra_failure(result.trace) is not None or retryable_model_failure(
                result.trace, result.error
            )
            if transient and attempts <= MAX_RETRIES:
                await asyncio.sleep(backoff_s(attempts, max_wait_s=5.0))
                continue
            return await self._scored(job, result, attempts, team)

    async def _scored(
        self, job: _Job, result: RunResult, attempts: int, team: Team
    ) -> SampleRecord:
        workspace = Path(result.workspace) if result.workspace else None
        sample = Sample(
            case=job.case,
            epoch=job.epoch,
            answer=result.answer,
            status=result.status,
            error=result.error,
            limit=result.limit,
            trace=result.trace,
            usage=result.usage,
            duration_s=result.duration_s,
            workspace=workspace,
            suite_dir=self.suite.directory,
            data_dir=team.settings.data_dir,
        )
        scores = await score_sample(sample, job.scorers)
        return SampleRecord(
            case_id=job.case.id,
            epoch=job.epoch,
            tags=job.case.tags,
            run_id=result.run_id,
            model=result.model,
            status=result.status,
            answer=result.answer,
            error=result.error,
            limit=result.limit,
            duration_s=round(result.duration_s, 3),
            usage=result.usage,
            agent_time_s=agent_times(result.trace),
            tool_calls=sum(r.get("type") == "tool_call" for r in result.trace),
            attempts=attempts,
            workspace=str(workspace) if workspace is not None else None,
            trace=result.trace,
            scores=scores,
            passed=passed(scores, result.status),
            failure=failure_class(
                status=result.status, error=result.error, trace=result.trace, scores=scores
            ),
        )

    def _crashed(
        self, job: _Job, run_id: str, exc: Exception, attempts: int, duration: float
    ) -> SampleRecord:
        assert self._plan is not None
        return SampleRecord(
            case_id=job.case.id,
            epoch=job.epoch,
            tags=job.case.tags,
            run_id=run_id,
            model=self._plan.header.model,
            status="failed",
            answer="",
            error=f"{type(exc).__name__}: {exc}",
            duration_s=round(duration, 3),
            attempts=attempts,
            passed=False,
            failure="infra_error",
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class _Context:
    header: EvalHeader
    settings: Settings
    work: Path
    cassette: Any = None


def _version() -> str:
    from agentcore import __version__

    return __version__


def _eval_settings(settings: Settings, data_dir: Path, *, extra_runs: int) -> Settings:
    """The user's settings with everything stateful moved into the eval's own data folder."""
    plugins = dict(settings.plugins)
    if "uri" in plugins.get("rag", {}):  # collections are built from the suite, in data_dir
        plugins["rag"] = {k: v for k, v in plugins["rag"].items() if k != "uri"}
    return settings.model_copy(
        update={
            "data_dir": data_dir,
            "plugins": plugins,
            # every sample's runs and traces stay until the eval is done with them
            "keep_runs": settings.keep_runs + extra_runs,
            "memory": settings.memory.model_copy(update={"uri": None, "learn": False}),
        }
    )


def sample_data_dir(eval_data_dir: Path, case_id: str, epoch: int) -> Path:
    """The data folder of one sample inside the eval's data folder."""
    return eval_data_dir / "samples" / sample_dir_name(case_id, epoch)


def _sample_team(team: Team, settings: Settings, job: _Job) -> Team:
    """The team with the sample's own data folder: empty memory, ML registry, checkpoints.

    Only the suite's RAG collections, built once in the eval's data folder, are shared: the
    sample's folder links to them, so the run and the scorers (also when re-scoring) find them
    where a data folder keeps them. A sample's state never depends on which samples ran before
    it or beside it, so a replay answers the same (a model "version 2" in one run and
    "version 1" in its replay would be a divergence).
    """
    own = sample_data_dir(settings.data_dir, job.case.id, job.epoch)
    own.mkdir(parents=True, exist_ok=True)
    shared, link = settings.data_dir / "rag", own / "rag"
    if shared.is_dir() and not link.is_symlink():
        link.symlink_to(Path("..", "..", "rag"), target_is_directory=True)
    return type(team)(
        settings=settings.model_copy(update={"data_dir": own}),
        registry=team.registry,
        agents=team.agents,
    )


def _fresh_workspace(workspace: Path, files: Sequence[Path]) -> None:
    from agentcore.batch._execute import copy_files

    if workspace.exists():  # what a failed attempt left behind
        shutil.rmtree(workspace)
    copy_files(files, workspace)


async def _ingest(suite: Suite, settings: Settings) -> None:
    try:
        from agentcore_rag import ingest
    except ImportError:
        raise MissingDependencyError(
            "agentcore_rag", install="uv pip install agentcore-rag"
        ) from None
    for name, paths in suite.collections.items():
        await asyncio.to_thread(
            ingest, [suite.directory / p for p in paths], collection=name, settings=settings
        )


async def run_eval(
    suite: Suite,
    *,
    team: Team | None = None,
    model: str,
    epochs: int | None = None,
    concurrency: int = 4,
    case_ids: Sequence[str] | None = None,
    tags: Sequence[str] | None = None,
    out_dir: Path,
    record: Path | None = None,
    offline: bool = False,
    resume: Path | None = None,
    on_sample: SampleCallback | None = None,
) -> EvalLog:
    """Run a suite and write its log; the Python side of ``agentcore eval SUITE``.

    Args:
        suite: The suite (:func:`load_suite`).
        team: The team (default: loaded from the configuration). Its settings give
            everything but the data folder, which is the eval's own.
        model: The model for every run, ``provider:name`` (``replay:FILE`` replays a
            cassette). With ``offline``: empty, or a ``replay:`` spec.
        epochs: Runs per case (default: the suite's ``epochs``).
        concurrency: Samples running at once.
        case_ids: Only these cases.
        tags: Only cases with any of these tags.
        out_dir: Where the log (``<eval_id>.jsonl``) and the eval's folder go.
        record: Write a cassette of every sample's model calls here.
        offline: Replay the suite's bundled cassette instead of calling a model.
        resume: Carry on this unfinished log (its eval id, model, epochs and cases); the
            samples it has are not run again.
        on_sample: Called with each sample's record as it is logged.

    Returns:
        The log, with its summary.

    Raises:
        UserError: See :meth:`EvalRunner.prepare` and :meth:`EvalRunner.run`.
    """
    runner = EvalRunner(
        suite,
        team=team,
        model=model,
        epochs=epochs,
        concurrency=concurrency,
        case_ids=case_ids,
        tags=tags,
        out_dir=out_dir,
        record=record,
        offline=offline,
        resume=resume,
        on_sample=on_sample,
        argv=sys.argv if sys.argv and sys.argv[0].endswith("agentcore") else (),
    )
    return await runner.run()

"""Cassettes: record a real multi-agent run (real DuckDB, files, sandbox) and replay it."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agentcore import RunResult, Team
from agentcore.config import load_settings
from agentcore.errors import ReplayDivergenceError, SpecError
from agentcore.evals._cassette import (
    CassetteWriter,
    bundled_cassette,
    current_scope,
    read_cassette,
    sample_scope,
)
from agentcore.evals._cassette_model import CassetteChatModel
from agentcore.evals._fingerprint import fingerprint, normalise
from agentcore.evals._types import Suite
from agentcore.models._builtin import replay_model
from agentcore.plugins import hookimpl, load_registry
from agentcore.testing import CallInfo, FunctionChatModel, ReplayChatModel

TASK = "Total the sales per region in data/sales.csv and check the sum with a script."
SALES = "region,amount\nnorth,10\nsouth,32\nnorth,5\neast,7\n"
ENV_SECRET = "hunter2-planted-env-secret"
KEY_SECRET = "sk-test-abcdefghijklmnop123456"


def _seen(messages: list[BaseMessage]) -> list[str]:
    return [m.text for m in messages if isinstance(m, ToolMessage)]


def _call(tool: str, /, **args: Any) -> AIMessage:
    return AIMessage("", tool_calls=[{"name": tool, "args": args, "id": f"call_{tool}"}])


class Recorder:
    """A scripted team: the researcher queries the data in DuckDB, the coder writes a script
    and runs it in the sandbox, synthesis quotes both. It notes the sample scope it sees."""

    def __init__(self) -> None:
        self.scopes: set[tuple[str, int] | None] = set()
        self.model = FunctionChatModel(self.respond)

    def respond(self, messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        scope = current_scope()
        self.scopes.add((scope.case_id, scope.epoch) if scope else None)
        seen = _seen(messages)
        if info.agent == "planner":
            steps = [
                {
                    "id": "s1",
                    "agent": "researcher",
                    "instruction": "total per region in SQL",
                    "depends_on": [],
                },
                {
                    "id": "s2",
                    "agent": "coder",
                    "instruction": "check the total with a script",
                    "depends_on": ["s1"],
                },
            ]
            return _call("submit_plan", steps=steps)
        if info.agent == "researcher":
            if not seen:
                return _call("sql_load", path="data/sales.csv", name="sales")
            if len(seen) == 1:
                return _call(
                    "sql_query",
                    sql="SELECT region, sum(amount) AS total FROM sales GROUP BY region "
                    "ORDER BY region",
                )
            return AIMessage(f"Totals per region:\n{seen[1]}")
        if info.agent == "coder":
            if not seen:
                code = (
                    "import csv\n"
                    "rows = list(csv.DictReader(open('data/sales.csv')))\n"
                    "print('grand total', sum(int(r['amount']) for r in rows))\n"
                )
                return _call("write_file", path="check.py", content=code)
            if len(seen) == 1:
                return _call("run_python", code="import runpy\n_ = runpy.run_path('check.py')")
            total = re.search(r"grand total (\d+)", seen[1])
            return AIMessage(f"The script says: grand total {total.group(1) if total else '?'}")
        return AIMessage("Final: " + " | ".join(_grand_totals(messages)))


def _grand_totals(messages: list[BaseMessage]) -> list[str]:
    return re.findall(r"grand total \d+", "\n".join(m.text for m in messages))


class _Provider:
    def __init__(self, model: FunctionChatModel) -> None:
        self.model = model

    @hookimpl
    def register_models(self, register: Any) -> None:
        register("rec", lambda name, settings: self.model)


def make_team(
    data_dir: Path, recorder: Recorder | None = None, *, settings: dict[str, Any] | None = None
) -> Team:
    extra = [("rec", _Provider(recorder.model))] if recorder else []
    registry = load_registry(extra=extra)
    loaded = load_settings({"data_dir": str(data_dir), "model": "rec:m", **(settings or {})})
    return Team.load(settings=loaded, registry=registry)


def workspace(root: Path, sales: str = SALES) -> Path:
    ws = root / "ws"
    (ws / "data").mkdir(parents=True)
    (ws / "data/sales.csv").write_text(sales)
    return ws


async def record(
    tmp_path: Path,
    cassette: Path,
    cases: dict[str, str],
    *,
    task: str = TASK,
    recorder: Recorder | None = None,
) -> dict[str, RunResult]:
    """Run each case (case id -> data) inside its sample scope and record it."""
    recorder = recorder or Recorder()
    team = make_team(tmp_path / "rec-data", recorder)
    results = {}
    writer = CassetteWriter(cassette, suite="sales", model="rec:m")
    for case_id, sales in cases.items():
        with sample_scope(case_id, 1):
            result = await team.arun(task, workspace=workspace(tmp_path / f"rec-{case_id}", sales))
        assert result.status == "completed", result.error
        writer.add(case_id, 1, result.trace)
        results[case_id] = result
    writer.close()
    assert recorder.scopes == {(case_id, 1) for case_id in cases}
    return results


async def replay(
    tmp_path: Path, cassette: Path, case_id: str | None, sales: str = SALES, *, tag: str = ""
) -> RunResult:
    team = make_team(tmp_path / f"replay-data-{case_id}{tag}")
    ws = workspace(tmp_path / f"replay-{case_id}{tag}", sales)
    if case_id is None:
        return await team.arun(TASK, model=f"replay:{cassette}", workspace=ws)
    with sample_scope(case_id, 1):
        return await team.arun(TASK, model=f"replay:{cassette}", workspace=ws)


def tool_calls(result: RunResult) -> list[tuple[str, str, str]]:
    return [
        (r["agent"], r["tool"], json.dumps(r["args"], sort_keys=True))
        for r in result.trace
        if r["type"] == "tool_call"
    ]


def tool_outputs(result: RunResult) -> list[str]:
    return [normalise(r["output"]) for r in result.trace if r["type"] == "tool_result"]


async def test_a_recorded_run_replays_identically(tmp_path: Path, tmp_data_dir: Path) -> None:
    cassette = tmp_path / "sales.jsonl"
    recorded = (await record(tmp_path, cassette, {"c1": SALES}))["c1"]
    assert "grand total 54" in recorded.answer
    assert {t[1] for t in tool_calls(recorded)} == {
        "sql_load",
        "sql_query",
        "write_file",
        "run_python",
    }

    replayed = await replay(tmp_path, cassette, "c1")

    assert replayed.status == "completed", replayed.error
    assert replayed.answer == recorded.answer
    assert tool_calls(replayed) == tool_calls(recorded)
    assert tool_outputs(replayed) == tool_outputs(recorded)  # the tools really ran again
    assert replayed.usage.by_agent.keys() == recorded.usage.by_agent.keys()
    for agent, usage in recorded.usage.by_agent.items():
        got = replayed.usage.by_agent[agent]
        assert (got.input_tokens, got.output_tokens, got.calls) == (
            usage.input_tokens,
            usage.output_tokens,
            usage.calls,
        ), agent
    assert replayed.model.startswith("replay:")
    # Without a scope, the cassette's only sample is the one replayed.
    unscoped = await replay(tmp_path, cassette, None)
    assert unscoped.status == "completed", unscoped.error
    assert unscoped.answer == recorded.answer


async def test_a_replay_reports_the_recorded_cost(tmp_path: Path, tmp_data_dir: Path) -> None:
    recorder = Recorder()
    priced = {"pricing": {"rec:m": {"input": 3.0, "output": 15.0}}}
    team = make_team(tmp_path / "rec-data", recorder, settings=priced)
    with sample_scope("c1", 1):
        recorded = await team.arun(TASK, workspace=workspace(tmp_path / "rec"))
    assert recorded.status == "completed", recorded.error
    cassette = tmp_path / "sales.jsonl"
    with CassetteWriter(cassette, suite="sales", model="rec:m") as writer:
        writer.add("c1", 1, recorded.trace)
    costs = {agent: u.cost_usd for agent, u in recorded.usage.by_agent.items()}
    assert len(costs) == 4 and all(cost > 0 for cost in costs.values())

    # The replaying team prices nothing: the cost comes from the recording.
    replayed = await replay(tmp_path, cassette, "c1")
    assert replayed.status == "completed", replayed.error
    assert {a: u.cost_usd for a, u in replayed.usage.by_agent.items()} == pytest.approx(costs)
    assert replayed.usage.total.cost_usd == pytest.approx(recorded.usage.total.cost_usd)
    calls = [r for r in replayed.trace if r["type"] == "model_call"]
    assert [c["usage"] for c in calls] == [
        r["usage"] for r in recorded.trace if r["type"] == "model_call"
    ]

    # So does a run trace replayed with ReplayChatModel.
    trace = tmp_path / "rec-data" / "runs" / f"{recorded.run_id}.jsonl"
    again = await make_team(tmp_path / "trace-data").arun(
        TASK, model=f"replay:{trace}", workspace=workspace(tmp_path / "from-trace")
    )
    assert again.status == "completed", again.error
    assert {a: u.cost_usd for a, u in again.usage.by_agent.items()} == pytest.approx(costs)


async def test_the_cassette_holds_the_calls_and_the_tools(
    tmp_path: Path, tmp_data_dir: Path
) -> None:
    cassette = tmp_path / "sales.jsonl"
    await record(tmp_path, cassette, {"c1": SALES})
    lines = [json.loads(line) for line in cassette.read_text().splitlines()]
    header, sample = lines
    assert header["type"] == "cassette" and header["version"] == 1
    assert (header["suite"], header["model"]) == ("sales", "rec:m")
    assert header["agentcore_version"] and header["recorded_at"]
    assert (sample["case_id"], sample["epoch"], sample["task"]) == ("c1", 1, TASK)
    calls = sample["calls"]
    assert [c["n"] for c in calls] == list(range(1, len(calls) + 1))
    assert [(c["agent"], c["step"]) for c in calls if c["agent"] == "researcher"] == [
        ("researcher", "s1")
    ] * 3
    assert all(re.fullmatch(r"[0-9a-f]{16}", c["request"]) for c in calls)
    assert all(c["response"]["type"] == "ai" for c in calls)
    assert all(c["usage"]["input_tokens"] > 0 for c in calls)
    sql = next(t for t in sample["tools"] if t["tool"] == "sql_query")
    assert sql["agent"] == "researcher" and not sql["is_error"] and "54" not in sql["output"]
    assert re.search(r"east +7\nnorth +15\nsouth +32\n", sql["output"])
    run = next(t for t in sample["tools"] if t["tool"] == "run_python")
    assert "grand total 54" in run["output"]


async def test_two_samples_replay_concurrently(tmp_path: Path, tmp_data_dir: Path) -> None:
    other = SALES + "west,100\n"
    cassette = tmp_path / "sales.jsonl.gz"
    recorded = await record(tmp_path, cassette, {"c1": SALES, "c2": other})
    with gzip.open(cassette, "rt") as fh:
        assert len(fh.read().splitlines()) == 3

    r1, r2 = await asyncio.gather(
        replay(tmp_path, cassette, "c1"), replay(tmp_path, cassette, "c2", other)
    )

    assert (r1.status, r2.status) == ("completed", "completed"), (r1.error, r2.error)
    assert r1.answer == recorded["c1"].answer and "grand total 54" in r1.answer
    assert r2.answer == recorded["c2"].answer and "grand total 154" in r2.answer
    # Both have the same task: without a scope the replay cannot tell which one it is.
    unscoped = await replay(tmp_path, cassette, None, tag="-unscoped")
    assert unscoped.status == "failed"
    assert "sample_scope" in (unscoped.error or "")


async def test_a_changed_data_file_is_a_divergence_naming_the_first_mismatching_call(
    tmp_path: Path, tmp_data_dir: Path
) -> None:
    cassette = tmp_path / "sales.jsonl"
    await record(tmp_path, cassette, {"c1": SALES})
    changed = SALES.replace("south,32", "south,33")

    result = await replay(tmp_path, cassette, "c1", changed)

    assert result.status == "failed"
    error = result.error or ""
    assert "replay diverged on case 'c1' epoch 1, agent 'researcher' step 's1', call 3" in error
    assert "message #5 (tool:sql_query:success) differs: recorded" in error
    assert "south      32" in error and "south      33" in error
    # The researcher's step failed with it; the coder never ran, nothing was answered from
    # a recording that no longer fits.
    errors = [r["error"] for r in result.trace if r["type"] == "error"]
    assert errors and "call 3" in errors[0]
    assert not any(r["type"] == "tool_call" and r["agent"] == "coder" for r in result.trace)


async def test_a_changed_prompt_is_a_divergence(tmp_path: Path, tmp_data_dir: Path) -> None:
    cassette = tmp_path / "sales.jsonl"
    await record(tmp_path, cassette, {"c1": SALES})
    team = make_team(tmp_path / "replay-data")
    agents = dict(team.agents)
    agents["planner"] = agents["planner"].model_copy(update={"prompt": "Plan tersely."})
    team = Team(settings=team.settings, registry=team.registry, agents=agents)

    with sample_scope("c1", 1):
        result = await team.arun(
            TASK, model=f"replay:{cassette}", workspace=workspace(tmp_path / "r")
        )

    assert result.status == "failed"
    assert "agent 'planner', call 1" in (result.error or "")
    assert "message #0 (system) differs" in (result.error or "")
    assert "Plan tersely" in (result.error or "")


async def test_more_calls_than_recorded_is_an_error_and_fewer_is_reported(
    tmp_path: Path, tmp_data_dir: Path
) -> None:
    cassette = tmp_path / "sales.jsonl"
    await record(tmp_path, cassette, {"c1": SALES})
    header, sample = (json.loads(line) for line in cassette.read_text().splitlines())
    coder = [c for c in sample["calls"] if c["agent"] == "coder"]

    # The recording lost the coder's last call: the run makes one more than recorded.
    short = dict(sample, calls=[c for c in sample["calls"] if c is not coder[-1]])
    cut = tmp_path / "short.jsonl"
    cut.write_text(json.dumps(header) + "\n" + json.dumps(short) + "\n")
    result = await replay(tmp_path, cut, "c1", tag="-short")
    assert result.status == "failed"
    assert (
        "case 'c1' epoch 1, agent 'coder' step 's2', call 3: the run made call 3 of agent "
        "'coder' step 's2' but the recording has only 2" in (result.error or "")
    )

    # The recording has a call the run never makes: reported on the scope, not raised.
    extra = dict(coder[-1], n=99)
    longer = tmp_path / "long.jsonl"
    longer.write_text(
        json.dumps(header) + "\n" + json.dumps(dict(sample, calls=[*sample["calls"], extra])) + "\n"
    )
    team = make_team(tmp_path / "replay-data-long")
    with sample_scope("c1", 1) as scope:
        done = await team.arun(TASK, model=f"replay:{longer}", workspace=workspace(tmp_path / "l"))
    assert done.status == "completed", done.error
    assert scope.unused == ["case 'c1' epoch 1 call 99 (agent 'coder' step 's2')"]


async def test_a_sample_the_cassette_lacks_fails_the_run(
    tmp_path: Path, tmp_data_dir: Path
) -> None:
    cassette = tmp_path / "sales.jsonl"
    await record(tmp_path, cassette, {"c1": SALES})
    result = await replay(tmp_path, cassette, "c9")
    assert result.status == "failed"
    assert "has no recording of case 'c9' epoch 1 (it has: c1#1)" in (result.error or "")


async def test_secrets_never_reach_the_cassette(
    tmp_path: Path, tmp_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALES_SERVICE_TOKEN", ENV_SECRET)
    task = f"{TASK} The API key is {KEY_SECRET} and the token {ENV_SECRET}."

    class Echo(Recorder):
        def respond(self, messages: list[BaseMessage], info: CallInfo) -> AIMessage:
            reply = super().respond(messages, info)
            if info.agent == "synthesis":  # a careless model repeats the secrets
                return AIMessage(f"{reply.text} (used {KEY_SECRET} / {ENV_SECRET})")
            return reply

    for name in ("secret.jsonl", "secret.jsonl.gz"):
        cassette = tmp_path / name
        result = (
            await record(
                tmp_path / f"run-{name}", cassette, {"c1": SALES}, task=task, recorder=Echo()
            )
        )["c1"]
        # the model repeated them (a run's result is redacted too)...
        assert KEY_SECRET not in result.answer and "(used ***" in result.answer
        raw = cassette.read_bytes()
        text = gzip.decompress(raw).decode() if name.endswith(".gz") else raw.decode()
        assert KEY_SECRET not in text and ENV_SECRET not in text  # ...the cassette does not
        assert "***" in text


async def test_a_run_whose_model_repeated_a_secret_replays_without_diverging(
    tmp_path: Path, tmp_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALES_SERVICE_TOKEN", ENV_SECRET)

    class Leaky(Recorder):
        def respond(self, messages: list[BaseMessage], info: CallInfo) -> AIMessage:
            reply = super().respond(messages, info)
            if info.agent == "researcher" and not reply.tool_calls:  # its summary, read later
                return AIMessage(f"{reply.text}\n(token {ENV_SECRET})")
            return reply

    cassette = tmp_path / "leaky.jsonl"
    recorded = (await record(tmp_path / "run", cassette, {"c1": SALES}, recorder=Leaky()))["c1"]
    assert ENV_SECRET not in cassette.read_text()  # the cassette keeps it masked...
    replayed = await replay(tmp_path, cassette, "c1")
    # ...and the requests after the masked answer still match the recording's
    assert replayed.status == "completed", replayed.error
    assert replayed.answer == recorded.answer


def test_bad_cassette_files_are_spec_errors(tmp_path: Path) -> None:
    settings = load_settings({"data_dir": str(tmp_path / "d")})
    with pytest.raises(SpecError, match="replay file does not exist"):
        replay_model(str(tmp_path / "nope.jsonl"), settings)
    with pytest.raises(SpecError, match="cassette file does not exist"):
        read_cassette(tmp_path / "nope.jsonl")

    trace = tmp_path / "trace.jsonl"
    trace.write_text(json.dumps({"type": "run_start", "task": "t"}) + "\n")
    with pytest.raises(SpecError, match=r"trace.jsonl:1: not a cassette"):
        read_cassette(trace)

    header = json.dumps({"type": "cassette", "version": 1, "suite": "s", "model": "m"})
    sample = {"type": "sample", "case_id": "c", "epoch": 1, "task": "t", "calls": [], "tools": []}
    cut = tmp_path / "cut.jsonl"
    cut.write_text(header + "\n" + json.dumps(sample)[:30])
    with pytest.raises(SpecError, match=r"cut.jsonl:2: the line is cut short"):
        read_cassette(cut)

    bad = tmp_path / "bad.jsonl"
    bad.write_text(header + "\n" + json.dumps(dict(sample, calls=[{"response": {}}])) + "\n")
    with pytest.raises(SpecError, match=r"bad.jsonl:2: field 'calls\[0\].response'"):
        read_cassette(bad)

    newer = tmp_path / "newer.jsonl"
    newer.write_text(json.dumps({"type": "cassette", "version": 9}) + "\n")
    with pytest.raises(SpecError, match="cassette version 9 is not supported"):
        read_cassette(newer)

    empty = tmp_path / "empty.jsonl"
    empty.write_text(header + "\n")
    with pytest.raises(SpecError, match="no recorded samples"):
        replay_model(str(empty), settings)

    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress((header + "\n").encode())[:-6])
    with pytest.raises(SpecError, match="cannot read the cassette"):
        read_cassette(broken)


def test_replay_provider_tells_cassettes_from_traces(tmp_path: Path) -> None:
    settings = load_settings({"data_dir": str(tmp_path / "d")})
    trace = tmp_path / "run.jsonl"
    response = {"type": "ai", "data": {"content": "hi", "type": "ai"}}
    trace.write_text(json.dumps({"type": "model_call", "agent": "a", "response": response}) + "\n")
    assert isinstance(replay_model(str(trace), settings), ReplayChatModel)

    cassette = tmp_path / "c.jsonl"
    with CassetteWriter(cassette, suite="s", model="m") as writer:
        writer.add("c1", 1, [{"type": "model_call", "agent": "a", "response": response}])
    model = replay_model(str(cassette), settings)
    assert isinstance(model, CassetteChatModel)
    assert model.invoke("x", config={"metadata": {"agentcore_agent": "a"}}).content == "hi"
    # Parsed once per file version and shared by every model built on it.
    assert read_cassette(cassette) is read_cassette(cassette)
    with CassetteWriter(cassette, suite="s", model="m") as writer:
        writer.add("c1", 1, [{"type": "model_call", "agent": "a", "response": response}])
    again = read_cassette(cassette)
    assert list(again.samples) == [("c1", 1)] and again.samples[("c1", 1)].line == 3
    with pytest.raises(SpecError, match="records suite 's', not 'other'"):
        CassetteWriter(cassette, suite="other", model="m")


def test_bundled_cassette_is_found_next_to_the_suite(tmp_path: Path) -> None:
    suite = Suite(name="s", cases=[{"id": "c", "input": "x"}], path=tmp_path / "suite.yaml")
    assert bundled_cassette(suite) is None
    (tmp_path / "cassette.jsonl.gz").write_bytes(b"")
    assert bundled_cassette(suite) == tmp_path / "cassette.jsonl.gz"


def test_fingerprint_ignores_noise_and_keeps_the_path() -> None:
    from langchain_core.messages import HumanMessage, SystemMessage

    def fp(tool_text: str, args: dict[str, Any], run_id: str = "r1") -> str:
        messages = [
            SystemMessage("sys"),
            HumanMessage(f"Task: x (run {run_id})"),
            AIMessage("", tool_calls=[{"name": "t", "args": args, "id": "random-id"}]),
            ToolMessage(tool_text, tool_call_id="whatever", name="t"),
        ]
        return fingerprint(messages, run_id=run_id).digest

    base = fp(
        "3 rows in 4 ms; saved /tmp/pytest-1/ws/a.csv at 2026-11-22T10:57:02Z, took 0.12 s, "
        "model species-logistic-e1dba655 sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c",
        {"model_id": "m-e1dba655"},
    )
    same = fp(
        "3 rows in 3 ms; saved /var/folders/x/y/ws/a.csv at 2026-11-23T11:00:00Z, took 2 s, "
        "model species-logistic-9da091bf sha 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0",
        {"model_id": "m-9da091bf"},
        run_id="r2",
    )
    assert base == same
    assert base != fp("4 rows in 4 ms; saved /tmp/pytest-1/ws/a.csv", {"model_id": "m-e1dba655"})
    assert fp("x", {"model_id": "m"}) != fp("x", {"model_id": "n"})
    assert fp("x", {"sql": "SELECT 1"}) != fp("x", {"sql": "SELECT 2"})
    assert fp("/tmp/a/data.csv", {}) != fp("/tmp/a/other.csv", {})
    assert fp("total 12345678", {}) != fp("total 12345679", {})  # numbers are not ids


def test_direct_divergence_message_names_message_and_excerpt(tmp_path: Path) -> None:
    from langchain_core.messages import HumanMessage, SystemMessage

    asked = [SystemMessage("You count."), HumanMessage("Task: count the rows of sales.csv")]
    request = fingerprint(asked)
    call = {
        "n": 1,
        "agent": "a",
        "step": "",
        "request": request.digest,
        "request_parts": request.parts,
        "request_preview": request.preview,
        "response": {"type": "ai", "data": {"content": "42", "type": "ai"}},
        "usage": {},
    }
    cassette = tmp_path / "c.jsonl"
    header = {"type": "cassette", "version": 1, "suite": "s", "model": "m"}
    sample = {"type": "sample", "case_id": "c", "epoch": 2, "task": "t", "calls": [call]}
    cassette.write_text(json.dumps(header) + "\n" + json.dumps(sample) + "\n")
    config = {"metadata": {"agentcore_agent": "a"}}

    model = CassetteChatModel.from_file(cassette)
    assert model.invoke(asked, config=config).content == "42"

    model = CassetteChatModel.from_file(cassette)
    changed = [asked[0], HumanMessage("Task: count the rows of orders.csv")]
    with pytest.raises(ReplayDivergenceError) as info:
        model.invoke(changed, config=config)
    error = info.value
    assert (error.case_id, error.epoch, error.agent, error.step, error.call) == ("c", 2, "a", "", 1)
    assert "message #1 (human) differs: recorded" in str(error)
    assert "sales.csv" in str(error) and "orders.csv" in str(error)
    # The run stays failed with its first divergence, whatever it asks next.
    with pytest.raises(ReplayDivergenceError) as again:
        model.invoke(asked, config=config)
    assert again.value is error


def test_the_scope_reaches_the_model_calls_of_a_sync_run(
    tmp_path: Path, tmp_data_dir: Path
) -> None:
    recorder = Recorder()
    team = make_team(tmp_path / "data", recorder)
    with sample_scope("sync", 3) as scope:
        result = team.run(TASK, workspace=workspace(tmp_path))
    assert result.status == "completed", result.error
    assert recorder.scopes == {("sync", 3)}
    assert current_scope() is None and scope.unused == []


async def test_only_runs_inside_an_eval_sample_pay_for_request_fingerprints(
    tmp_path: Path, tmp_data_dir: Path
) -> None:
    recorder = Recorder()
    team = make_team(tmp_path / "data", recorder)
    plain = await team.arun(TASK, workspace=workspace(tmp_path / "plain"))
    with sample_scope("c1", 1):
        scoped = await team.arun(TASK, workspace=workspace(tmp_path / "scoped"))
    calls = [[r for r in result.trace if r["type"] == "model_call"] for result in (plain, scoped)]
    assert calls[0] and not any("request" in r for r in calls[0])
    assert calls[1] and all(re.fullmatch(r"[0-9a-f]{16}", r["request"]) for r in calls[1])

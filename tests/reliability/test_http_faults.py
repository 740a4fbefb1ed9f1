"""Faults on the wire: the real ``openai:``, ``anthropic:`` and ``openai-compatible:`` providers
(their SDKs, over HTTP) against a FaultyHTTPServer, through whole Team runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agentcore import Team
from agentcore.testing import FaultyHTTPServer, HTTPReply
from tests.reliability.conftest import Ledger, records, types_of
from tests.reliability.wire import OPENAI_WIRE, PROVIDERS, Wire

FAST = {"retries": {"max_attempts": 3, "request_timeout_s": 0.5}}


@pytest.fixture(params=PROVIDERS)
def wire(request: pytest.FixtureRequest, server: FaultyHTTPServer) -> Wire:
    return Wire(str(request.param), server)


@pytest.fixture(params=OPENAI_WIRE)
def openai_wire(request: pytest.FixtureRequest, server: FaultyHTTPServer) -> Wire:
    return Wire(str(request.param), server)


async def run(
    make_team: Callable[..., Team],
    wire: Wire,
    monkeypatch: pytest.MonkeyPatch,
    *replies: HTTPReply,
    **run_kwargs: Any,
) -> Any:
    spec = wire.connect(monkeypatch)
    wire.server.add(*replies)
    result = await make_team(**FAST).arun("task", model=spec, **run_kwargs)
    assert not wire.server.replies, "the run made fewer calls than planned"
    return result


def layer(wire: Wire) -> str:
    return f"HTTP ({wire.label})"


def attempts_of(result: Any, agent: str) -> list[int]:
    return [r["attempts"] for r in records(result, "model_call") if r["agent"] == agent]


TRANSIENT: list[tuple[str, Callable[[Wire], HTTPReply], str]] = [
    (
        "429 + Retry-After: 2",
        lambda w: w.error(429, "Rate limit reached", headers={"retry-after": "2"}),
        "retried after the server's delay",
    ),
    ("500", lambda w: w.error(500, "The server had an error"), "retried with backoff"),
    ("529 overloaded", lambda w: w.error(529, "Overloaded"), "retried with backoff"),
    (
        "timeout",
        lambda w: HTTPReply(fault="hang"),
        "the request times out (retries.request_timeout_s) and is retried",
    ),
    ("connection reset", lambda w: HTTPReply(fault="reset"), "retried"),
]


@pytest.mark.parametrize(
    ("name", "fault", "handling"), TRANSIENT, ids=[t[0].split()[0] for t in TRANSIENT]
)
async def test_transient_http_faults_are_retried(
    make_team: Callable[..., Team],
    wire: Wire,
    ledger: Ledger,
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    fault: Callable[[Wire], HTTPReply],
    handling: str,
) -> None:
    # Each of planner, worker and synthesis meets the fault once.
    result = await run(
        make_team,
        wire,
        monkeypatch,
        fault(wire),
        wire.plan("s1"),
        fault(wire),
        wire.text("s1 is done"),
        fault(wire),
        wire.answer("The answer", " is 42."),
    )

    survived = ledger.record(
        result,
        fault=name,
        layer=layer(wire),
        handling=handling,
        injected=wire.server.faults_injected,
    )
    assert survived and result.answer == "The answer is 42."
    assert wire.server.faults_injected == 3
    assert [s.summary for s in result.steps] == ["s1 is done"]
    assert [r["attempts"] for r in records(result, "model_call")] == [2, 2, 2]
    assert "error" not in types_of(result)
    if name.startswith("429"):
        assert sleeps == [2.0, 2.0, 2.0]  # Retry-After obeyed, not a backoff guess
    else:
        assert len(sleeps) == 3


async def test_a_stream_cut_before_any_text_is_retried(
    make_team: Callable[..., Team],
    wire: Wire,
    ledger: Ledger,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cut = HTTPReply(sse=wire.stream_events("The answer", " is 42."), fault="cut", cut_after=1)
    result = await run(
        make_team,
        wire,
        monkeypatch,
        wire.plan("s1"),
        wire.text("s1 is done"),
        cut,
        wire.answer("The answer", " is 42."),
    )

    survived = ledger.record(
        result,
        fault="a stream cut before any text",
        layer=layer(wire),
        handling="retried",
        injected=wire.server.faults_injected,
    )
    assert survived and result.answer == "The answer is 42."
    assert attempts_of(result, "synthesis") == [2]


async def test_a_stream_cut_mid_answer_is_asked_again_whole(
    make_team: Callable[..., Team],
    wire: Wire,
    ledger: Ledger,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events = wire.stream_events("The answer", " is", " 42.")
    cut = HTTPReply(sse=events, fault="cut", cut_after=len(events) // 2)
    tokens: list[str] = []

    def on_event(event: Any) -> None:
        if event.kind == "token":
            tokens.append(event.data["text"])

    result = await run(
        make_team,
        wire,
        monkeypatch,
        wire.plan("s1"),
        wire.text("s1 is done"),
        cut,
        wire.text("The answer is 42."),
        on_event=on_event,
    )

    survived = ledger.record(
        result,
        fault="a stream cut mid-response",
        layer=layer(wire),
        handling="the answer is asked for again, not streamed; the result has all of it",
        injected=wire.server.faults_injected,
    )
    assert survived and result.answer == "The answer is 42."
    assert tokens and "".join(tokens) != result.answer  # the cut stream had begun
    (error,) = records(result, "error")
    assert error["error_type"] == "StreamInterruptedError" and error["retryable"] is True
    assert wire.server.requests[-1].body.get("stream") in (None, False)


@pytest.mark.parametrize("after_text", [False, True], ids=["before-text", "after-text"])
async def test_an_error_event_inside_a_stream(
    make_team: Callable[..., Team],
    wire: Wire,
    ledger: Ledger,
    monkeypatch: pytest.MonkeyPatch,
    after_text: bool,
) -> None:
    parts = ("The answer",) if after_text else ()
    result = await run(
        make_team,
        wire,
        monkeypatch,
        wire.plan("s1"),
        wire.text("s1 is done"),
        wire.stream_error_event(*parts),
        wire.text("The answer is 42.") if after_text else wire.answer("The answer is 42."),
    )

    survived = ledger.record(
        result,
        fault="an overloaded error event inside a 200 stream",
        layer=layer(wire),
        handling="retried (asked again, not streamed, once text had been shown)",
        injected=1,
    )
    assert survived and result.answer == "The answer is 42."
    if after_text:
        (error,) = records(result, "error")
        assert error["error_type"] == "StreamInterruptedError"
    else:
        assert attempts_of(result, "synthesis") == [2]
        assert "error" not in types_of(result)


async def test_malformed_tool_call_json_is_fed_back(
    make_team: Callable[..., Team],
    openai_wire: Wire,
    ledger: Ledger,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wire = openai_wire
    result = await run(
        make_team,
        wire,
        monkeypatch,
        wire.plan("s1"),
        wire.tool_call("add", '{"a": 1, "b": '),
        wire.tool_call("add", {"a": 1, "b": 2}),
        wire.text("1 + 2 = 3"),
        wire.answer("The answer is 3."),
    )

    survived = ledger.record(
        result,
        fault="malformed tool-call JSON",
        layer=layer(wire),
        handling="an error message goes back to the model, which calls again",
        injected=1,
    )
    assert survived and result.answer == "The answer is 3."
    (bad,) = records(result, "invalid_tool_call")
    assert "not valid JSON" in bad["error"]
    # The provider got an answer for the broken call's id, as its API requires.
    sent = wire.server.requests[2].body["messages"]
    assert sent[-2]["tool_calls"][0]["function"]["arguments"] == '{"a": 1, "b": '
    assert sent[-1]["role"] == "tool" and sent[-1]["tool_call_id"] == bad["call_id"]
    assert "could not read the arguments" in sent[-1]["content"]


FED_BACK: list[tuple[str, str, dict[str, Any], str]] = [
    ("unknown tool name", "teleport", {"where": "mars"}, "there is no tool 'teleport'"),
    ("arguments of the wrong type", "add", {"a": "one", "b": [2]}, "invalid arguments for add"),
    ("a tool that raises", "explode", {"reason": "boom"}, "explode failed: RuntimeError: boom"),
    ("a tool that hangs (async)", "hang", {}, "hang timed out after 0.2 s"),
]


@pytest.mark.parametrize(
    ("name", "tool", "args", "feedback"), FED_BACK, ids=[f[0] for f in FED_BACK]
)
async def test_bad_tool_calls_are_fed_back(
    make_team: Callable[..., Team],
    wire: Wire,
    ledger: Ledger,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    tool: str,
    args: dict[str, Any],
    feedback: str,
) -> None:
    result = await run(
        make_team,
        wire,
        monkeypatch,
        wire.plan("s1"),
        wire.tool_call(tool, args),
        wire.text("done after the error"),
        wire.answer("The answer."),
    )

    survived = ledger.record(
        result,
        fault=name,
        layer=layer(wire),
        handling="an error message goes back to the model",
        injected=1,
    )
    assert survived and result.answer == "The answer."
    (tool_result,) = records(result, "tool_result")
    assert tool_result["is_error"] is True and feedback in tool_result["output"]
    # What the model read next: the error, as the result of its call.
    sent = str(wire.server.requests[2].body["messages"])
    assert feedback in sent


async def test_a_model_that_never_stops_calling_tools(
    make_team: Callable[..., Team],
    wire: Wire,
    ledger: Ledger,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    thoughts = [wire.tool_call("think", {"thought": f"thought {i}"}) for i in range(3)]
    result = await run(
        make_team,
        wire,
        monkeypatch,
        wire.plan("s1"),
        *thoughts,
        wire.answer("The best answer so far."),
        limits={"max_iterations": 3},
    )

    survived = ledger.record(
        result,
        fault="a model that never stops calling tools",
        layer=layer(wire),
        handling="stopped at max_iterations; one tool-less wrap-up call answers",
        injected=1,
        statuses=("limit_reached",),
    )
    assert survived and result.limit == "max_iterations"
    assert result.answer == "The best answer so far."
    assert "tools" not in wire.server.requests[-1].body  # the wrap-up has no tools


@pytest.mark.parametrize("where", ["planner", "tester"])
async def test_an_empty_response_is_asked_again(
    make_team: Callable[..., Team],
    wire: Wire,
    ledger: Ledger,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    replies = [wire.plan("s1"), wire.text("s1 is done"), wire.answer("The answer.")]
    replies.insert(0 if where == "planner" else 1, wire.text(None))
    result = await run(make_team, wire, monkeypatch, *replies)

    survived = ledger.record(
        result,
        fault=f"an empty response ({where})",
        layer=layer(wire),
        handling="the model is told its reply was empty and asked again",
        injected=1,
    )
    assert survived and result.answer == "The answer."
    assert [s.summary for s in result.steps] == ["s1 is done"]
    # The empty turn is not sent back: the retry ends with our request, not an empty message.
    retry = wire.server.requests[1 if where == "planner" else 2].body["messages"]
    assert "Your reply was empty" in str(retry[-1]["content"])

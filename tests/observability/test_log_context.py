"""JSON log lines carry the run, agent, step and tool ids of whatever logged them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog

from agentcore import Team
from agentcore.config import LogSettings
from agentcore.log import configure_logging


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(LogSettings(level="info", format="json"), stream=stream)
    yield stream
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == "agentcore"]:
        root.removeHandler(handler)
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def test_tool_log_lines_carry_run_agent_step_and_tool_ids(
    json_log: io.StringIO, make_team: Callable[..., Team], model: str
) -> None:
    result = await make_team().arun("say two things", model=model)
    assert result.status == "completed"
    structlog.get_logger("tests").warning("after the run")

    logged = lines(json_log)
    from_tool = [line for line in logged if "from the tool" in line["event"]]
    assert len(from_tool) == 4  # a stdlib and a structlog line in each of the two steps
    call_ids = {t["call_id"] for t in result.trace if t["type"] == "tool_call"}
    for line in from_tool:
        assert line["run_id"] == result.run_id
        assert line["agent"] == "talker"
        assert line["tool"] == "noisy"
        assert line["tool_call_id"] in call_ids
    assert sorted(line["step"] for line in from_tool) == ["s1", "s1", "s2", "s2"]
    assert {line["logger"] for line in from_tool if "stdlib" in line["event"]} == {"tests.noisy"}

    after = next(line for line in logged if line["event"] == "after the run")
    assert not {"run_id", "agent", "step", "tool", "tool_call_id"} & set(after)


async def test_ids_leave_the_log_context_when_their_part_ends(
    json_log: io.StringIO,
    make_team: Callable[..., Team],
    model: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agentcore.trace import TraceWriter

    seen: list[dict[str, Any]] = []
    real_write = TraceWriter.write

    def write(self: TraceWriter, type_: str, **fields: Any) -> dict[str, Any]:
        record = real_write(self, type_, **fields)
        seen.append(dict(structlog.contextvars.get_contextvars()))
        return record

    monkeypatch.setattr(TraceWriter, "write", write)
    result = await make_team().arun("say two things", model=model)
    kinds = [t["type"] for t in result.trace]
    after_result = [seen[i] for i, k in enumerate(kinds) if k == "tool_result"]
    assert after_result and all("tool" not in ctx for ctx in after_result)
    after_step = [seen[i] for i, k in enumerate(kinds) if k == "step_end"]
    assert after_step and all("step" not in ctx and "agent" not in ctx for ctx in after_step)
    assert all(ctx.get("run_id") == result.run_id for ctx in seen[:-1])  # all but run_end
    assert "run_id" not in seen[-1]

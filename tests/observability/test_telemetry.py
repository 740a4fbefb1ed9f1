"""OpenTelemetry export: real OTLP/HTTP protobuf payloads to a loopback collector; and with
nothing configured, no connection at all and OpenTelemetry not even imported."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from agentcore import Team, telemetry
from agentcore.config import load_settings
from agentcore.telemetry import otlp_traces_url


class Collector:
    """A loopback OTLP/HTTP collector that decodes what it receives."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, ExportTraceServiceRequest]] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                collector.requests.append((self.path, self.headers["Content-Type"], request))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def spans(self) -> list[dict[str, Any]]:
        out = []
        for _, _, request in self.requests:
            for resource_spans in request.resource_spans:
                service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}[
                    "service.name"
                ]
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        attrs = {a.key: _value(a.value) for a in span.attributes}
                        out.append(
                            {
                                "name": span.name,
                                "id": span.span_id.hex(),
                                "parent": span.parent_span_id.hex(),
                                "trace": span.trace_id.hex(),
                                "start": span.start_time_unix_nano,
                                "end": span.end_time_unix_nano,
                                "status": span.status.code,
                                "service": service,
                                "attrs": attrs,
                            }
                        )
        return out


def _value(v: Any) -> Any:
    return getattr(v, v.WhichOneof("value"))


@pytest.fixture
def collector() -> Iterator[Collector]:
    c = Collector()
    c.thread.start()
    yield c
    c.server.shutdown()
    c.server.server_close()


async def test_spans_for_run_steps_model_and_tool_calls(
    collector: Collector, make_team: Callable[..., Team], model: str
) -> None:
    team = make_team(telemetry={"otlp_endpoint": collector.url, "service_name": "agents-test"})
    result = await team.arun("say two things", model=model)
    assert result.status == "completed"
    assert telemetry.flush(10)

    assert {(path, ctype) for path, ctype, _ in collector.requests} == {
        ("/v1/traces", "application/x-protobuf")
    }
    spans = collector.spans()
    by_name: dict[str, list[dict[str, Any]]] = {}
    for span in spans:
        by_name.setdefault(span["name"], []).append(span)
    assert sorted(by_name) == [
        "agentcore.model_call",
        "agentcore.run",
        "agentcore.step talker",
        "agentcore.tool noisy",
    ]
    (run,) = by_name["agentcore.run"]
    assert run["parent"] == "" and run["service"] == "agents-test"
    assert run["attrs"]["agentcore.run_id"] == result.run_id
    assert run["attrs"]["agentcore.status"] == "completed"
    assert run["attrs"]["gen_ai.usage.input_tokens"] == result.usage.total.input_tokens
    assert run["attrs"]["gen_ai.usage.output_tokens"] == result.usage.total.output_tokens
    assert run["attrs"]["agentcore.model_calls"] == result.usage.total.calls
    assert {s["trace"] for s in spans} == {run["trace"]}

    steps = {s["attrs"]["agentcore.step"]: s for s in by_name["agentcore.step talker"]}
    assert sorted(steps) == ["s1", "s2"]
    assert all(s["parent"] == run["id"] and s["attrs"]["agentcore.status"] == "done"
               for s in steps.values())  # fmt: skip

    tools = by_name["agentcore.tool noisy"]
    assert len(tools) == 2
    for tool in tools:
        step = steps[tool["attrs"]["agentcore.step"]]
        assert tool["parent"] == step["id"]
        assert step["start"] <= tool["start"] <= tool["end"] <= step["end"]
        assert tool["attrs"]["agentcore.is_error"] is False
        assert tool["attrs"]["agentcore.tool_call_id"]

    calls = by_name["agentcore.model_call"]
    assert len(calls) == result.usage.total.calls == 6  # planner, 2 x 2 talker, synthesis
    by_agent: dict[str, int] = {}
    for call in calls:
        agent = call["attrs"]["agentcore.agent"]
        by_agent[agent] = by_agent.get(agent, 0) + call["attrs"]["gen_ai.usage.input_tokens"]
        parent = steps.get(call["attrs"]["agentcore.step"], run)
        assert call["parent"] == parent["id"]
        assert call["attrs"]["gen_ai.request.model"] == model
        assert call["attrs"]["agentcore.cost_usd"] == 0.0
    assert by_agent == {a: u.input_tokens for a, u in result.usage.by_agent.items()}

    # structure and numbers only: no prompt, no tool argument or output
    everything = json.dumps([s["attrs"] for s in spans])
    assert "say two things" not in everything and "hello" not in everything


def test_where_spans_go(tmp_path: Path) -> None:
    settings = load_settings({"data_dir": str(tmp_path)})
    assert otlp_traces_url(settings, {}) is None
    base = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"}
    assert otlp_traces_url(settings, base) == "http://collector:4318/v1/traces"
    full = {**base, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/custom"}
    assert otlp_traces_url(settings, full) == "http://c:4318/custom"
    assert otlp_traces_url(settings, {**base, "OTEL_SDK_DISABLED": "true"}) is None

    configured = load_settings({"telemetry": {"otlp_endpoint": "https://otel.example:4318"}})
    assert otlp_traces_url(configured, base) == "https://otel.example:4318/v1/traces"
    assert otlp_traces_url(configured, {"OTEL_SDK_DISABLED": "TRUE"}) is None


def test_an_endpoint_must_be_an_http_url() -> None:
    from agentcore.errors import UserError

    with pytest.raises(UserError, match="otlp_endpoint"):
        load_settings({"telemetry": {"otlp_endpoint": "collector:4318"}})


async def test_no_telemetry_configured_no_connection_at_all(
    make_team: Callable[..., Team], model: str
) -> None:
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):  # loopback too
            attempts.append(address)
        real_connect(self, address)

    # Patched and restored here, not with monkeypatch: monkeypatch may undo after the test
    # network guard has put the real connect back, and would re-install the guard's for good.
    socket.socket.connect = connect  # type: ignore[method-assign]
    try:
        before = set(telemetry._providers)
        result = await make_team().arun("say two things", model=model)
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]

    assert result.status == "completed"
    assert attempts == []
    assert set(telemetry._providers) == before


def test_no_telemetry_configured_no_exporter_is_even_imported(tmp_path: Path) -> None:
    # (langchain-core's langsmith imports parts of the OpenTelemetry SDK when it is installed;
    # the exporter, and a tracer provider of ours, come only with a configured endpoint)
    code = (
        "import sys\n"
        "from agentcore import Team, telemetry\n"
        "from agentcore.config import load_settings\n"
        f"team = Team.load(settings=load_settings({{'data_dir': {str(tmp_path)!r}}}))\n"
        "result = team.run('hi', model='scripted:hello')\n"
        "exporters = [m for m in sys.modules if m.startswith('opentelemetry.exporter')]\n"
        "print(result.status, len(exporters), len(telemetry._providers))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["completed", "0", "0"]

"""OpenTelemetry export of runs over OTLP/HTTP: off unless configured.

A run's trace records (:mod:`agentcore.trace`) become spans: one per run, per plan step, per
model call and per tool call, with token and cost attributes. Only structure and numbers leave
the machine (ids, agent, tool and model names, statuses, tokens, cost, a redacted error), never
a prompt, a tool's arguments or its output.

Export is on when ``[telemetry] otlp_endpoint`` is set, or else the standard
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` (the full URL) or ``OTEL_EXPORTER_OTLP_ENDPOINT`` (a
base URL: spans go to ``<url>/v1/traces``) environment variable; ``OTEL_SDK_DISABLED=true``
turns it off whatever is set. With none of these, OpenTelemetry is not even imported and no
connection is made. It needs the ``otel`` extra (``opentelemetry-sdk``,
``opentelemetry-exporter-otlp-proto-http``).

Spans are built from the records' timestamps, after the fact: a model call's span starts at
the previous record of the same agent and step (the trace records a call once it returned).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agentcore.errors import MissingDependencyError

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span, Tracer

    from agentcore.config import Settings

__all__ = ["RunSpans", "flush", "otlp_traces_url", "run_spans"]

_TRACES_PATH = "/v1/traces"
_providers: dict[tuple[str, str, float], TracerProvider] = {}
_lock = threading.Lock()


def otlp_traces_url(settings: Settings, environ: Mapping[str, str] | None = None) -> str | None:
    """The URL spans are posted to, or ``None`` when export is off (see the module docstring)."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    base = settings.telemetry.otlp_endpoint
    if base is None:
        traces = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
        if traces:
            return traces
        base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip() or None
    if base is None:
        return None
    base = base.rstrip("/")
    return base if base.endswith(_TRACES_PATH) else base + _TRACES_PATH


def _provider(url: str, service: str, timeout_s: float) -> TracerProvider:
    """One provider per endpoint for the process, batching in its own thread.

    Not the global provider: an application embedding agentcore keeps its own.
    """
    key = (url, service, timeout_s)
    with _lock:
        if key in _providers:
            return _providers[key]
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError:
            raise MissingDependencyError("opentelemetry-sdk", "otel") from None
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        exporter = OTLPSpanExporter(endpoint=url, timeout=timeout_s)
        provider.add_span_processor(BatchSpanProcessor(exporter))
        _providers[key] = provider
        return provider


def flush(timeout_s: float = 10.0) -> bool:
    """Send the spans not sent yet; ``True`` when every exporter finished in time."""
    with _lock:
        providers = list(_providers.values())
    return all(p.force_flush(int(timeout_s * 1000)) for p in providers)


def run_spans(settings: Settings, run_id: str) -> RunSpans | None:
    """A trace sink that exports this run's spans, or ``None`` when telemetry is off.

    Raises:
        MissingDependencyError: Export is configured but the ``otel`` extra is not installed.
    """
    url = otlp_traces_url(settings)
    if url is None:
        return None
    provider = _provider(url, settings.telemetry.service_name, settings.telemetry.timeout_s)
    from agentcore import __version__

    return RunSpans(provider.get_tracer("agentcore", __version__), run_id)


def _ns(ts: Any) -> int:
    return int(float(ts) * 1e9)


def _usage_attributes(usage: Mapping[str, Any] | None) -> dict[str, Any]:
    if not usage:
        return {}
    attrs: dict[str, Any] = {
        "gen_ai.usage.input_tokens": int(usage.get("input_tokens") or 0),
        "gen_ai.usage.output_tokens": int(usage.get("output_tokens") or 0),
    }
    if usage.get("cost_usd") is not None:
        attrs["agentcore.cost_usd"] = float(usage["cost_usd"])
    if usage.get("calls") is not None:
        attrs["agentcore.model_calls"] = int(usage["calls"])
    return attrs


class RunSpans:
    """Turns one run's trace records into spans (a :class:`agentcore.trace.TraceSink`)."""

    def __init__(self, tracer: Tracer, run_id: str) -> None:
        self._tracer = tracer
        self._run_id = run_id
        self._run: Span | None = None
        self._steps: dict[str, Span] = {}
        self._tools: dict[str, Span] = {}
        self._last: dict[tuple[str, str], int] = {}  # (agent, step) -> time of its last record

    def _context(self, step: str | None) -> Any:
        from opentelemetry import trace

        parent = self._steps.get(step or "") or self._run
        return trace.set_span_in_context(parent) if parent is not None else None

    def _start(self, name: str, start: int, step: str | None, attrs: dict[str, Any]) -> Span:
        attrs = {"agentcore.run_id": self._run_id, **attrs}
        return self._tracer.start_span(
            name, context=self._context(step), start_time=start, attributes=attrs
        )

    def record(self, record: Mapping[str, Any]) -> None:
        """Take one trace record (already redacted)."""
        kind = record.get("type")
        now = _ns(record["ts"])
        agent = str(record.get("agent") or "")
        step = str(record.get("step") or "")
        if kind == "run_start":
            attrs = {
                "agentcore.model": str(record.get("model", "")),
                "agentcore.resumed": bool(record.get("resume")),
            }
            self._run = self._start("agentcore.run", now, None, attrs)
        elif kind == "step_start":
            attrs = {"agentcore.agent": agent, "agentcore.step": step}
            self._steps[step] = self._start(f"agentcore.step {agent}", now, None, attrs)
        elif kind == "model_call":
            start = self._last.get((agent, step), now)
            attrs = {
                "agentcore.agent": agent,
                "agentcore.step": step,
                "gen_ai.request.model": str(record.get("model", "")),
                "agentcore.attempts": int(record.get("attempts") or 1),
                **_usage_attributes(record.get("usage")),
            }
            self._start("agentcore.model_call", start, step, attrs).end(end_time=now)
        elif kind == "tool_call":
            attrs = {
                "agentcore.agent": agent,
                "agentcore.step": step,
                "agentcore.tool": str(record.get("tool", "")),
                "agentcore.tool_call_id": str(record.get("call_id", "")),
            }
            name = f"agentcore.tool {record.get('tool', '')}"
            self._tools[str(record.get("call_id"))] = self._start(name, now, step, attrs)
        elif kind == "tool_result":
            span = self._tools.pop(str(record.get("call_id")), None)
            if span is not None:
                is_error = bool(record.get("is_error"))
                span.set_attribute("agentcore.is_error", is_error)
                span.set_attribute("agentcore.output_chars", int(record.get("chars") or 0))
                if is_error:
                    self._set_error(span, "the tool reported an error")
                span.end(end_time=now)
        elif kind == "step_end":
            span = self._steps.pop(step, None)
            if span is not None:
                status = str(record.get("status", ""))
                span.set_attribute("agentcore.status", status)
                span.set_attribute("agentcore.tool_calls", int(record.get("tool_calls") or 0))
                if record.get("error"):
                    self._set_error(span, str(record["error"]))
                span.end(end_time=now)
        elif kind == "run_end" and self._run is not None:
            self._end_open(now)
            status = str(record.get("status", ""))
            self._run.set_attribute("agentcore.status", status)
            self._run.set_attributes(_usage_attributes(record.get("usage")))
            if record.get("error") and status != "completed":
                self._set_error(self._run, str(record["error"]))
            self._run.end(end_time=now)
            self._run = None
        if agent:
            self._last[(agent, step)] = now

    @staticmethod
    def _set_error(span: Span, message: str) -> None:
        from opentelemetry.trace import Status, StatusCode

        span.set_status(Status(StatusCode.ERROR, message[:500]))

    def _end_open(self, now: int) -> None:
        for span in [*self._tools.values(), *self._steps.values()]:
            span.end(end_time=now)
        self._tools.clear()
        self._steps.clear()

    def close(self) -> None:
        """End whatever is still open (a run cut short), at this moment."""
        import time

        now = time.time_ns()
        self._end_open(now)
        if self._run is not None:
            self._run.end(end_time=now)
            self._run = None

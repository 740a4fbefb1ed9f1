"""run_code, contexts, timeouts and lifetime through the real SDK, against the loopback E2B."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from agentcore_e2b import E2BSandbox
from e2b_stubs import FakeE2B

from agentcore.config import Settings
from agentcore.errors import SandboxError
from agentcore.sandbox import Execution, OutputMessage, Result, Sandbox

CHART = {
    "type": "line",
    "title": "sales",
    "x_label": "month",
    "y_label": "amount",
    "x_unit": None,
    "y_unit": None,
    "x_ticks": [1, 2],
    "x_tick_labels": ["1", "2"],
    "x_scale": "linear",
    "y_ticks": [10, 20],
    "y_tick_labels": ["10", "20"],
    "y_scale": "linear",
    "elements": [{"label": "north", "points": [[1, 10], [2, 20]]}],
}


@pytest.fixture
def sbx(fake_e2b: FakeE2B, settings: Settings) -> Iterator[E2BSandbox]:
    with Sandbox.create(backend="e2b", settings=settings) as sandbox:
        assert isinstance(sandbox, E2BSandbox)
        yield sandbox


def script(*lines: dict[str, Any]) -> Any:
    return lambda code: list(lines)


def test_an_execution_maps_every_result_field_the_chart_logs_error_and_count(
    fake_e2b: FakeE2B, sbx: E2BSandbox
) -> None:
    fake_e2b.execute = script(
        {"type": "stdout", "text": "loading\n", "timestamp": 1},
        {"type": "stderr", "text": "warning\n", "timestamp": 2},
        {
            "type": "result",
            "text": "<Figure>",
            "html": "<b>x</b>",
            "markdown": "**x**",
            "svg": "<svg/>",
            "png": "iVBORw0KGgo=",
            "jpeg": "/9j/",
            "pdf": "JVBERi0=",
            "latex": "$x$",
            "json": {"a": 1},
            "javascript": "alert(1)",
            "data": {"rows": 2},
            "chart": CHART,
            "extra": {"custom": True},
            "is_main_result": False,
        },
        {"type": "result", "text": "42", "is_main_result": True},
        {"type": "error", "name": "ValueError", "value": "bad", "traceback": "Traceback..."},
        {"type": "number_of_executions", "execution_count": 7},
    )

    execution = sbx.run_code("plot()")

    assert isinstance(execution, Execution)
    figure, main = execution.results
    assert figure == Result(
        text="<Figure>",
        html="<b>x</b>",
        markdown="**x**",
        svg="<svg/>",
        png="iVBORw0KGgo=",
        jpeg="/9j/",
        pdf="JVBERi0=",
        latex="$x$",
        json={"a": 1},
        javascript="alert(1)",
        data={"rows": 2},
        is_main_result=False,
        extra={"custom": True, "chart": CHART},
    )
    assert main == Result(text="42", is_main_result=True)
    assert execution.text == "42"
    assert execution.logs.stdout == ["loading\n"]
    assert execution.logs.stderr == ["warning\n"]
    assert execution.error is not None
    assert (execution.error.name, execution.error.value) == ("ValueError", "bad")
    assert execution.error.traceback == "Traceback..."
    assert execution.execution_count == 7


def test_output_streams_to_the_handlers_as_our_messages(fake_e2b: FakeE2B, sbx: E2BSandbox) -> None:
    fake_e2b.execute = script(
        {"type": "stdout", "text": "a\n", "timestamp": 11},
        {"type": "stderr", "text": "b\n", "timestamp": 12},
    )
    out: list[OutputMessage] = []
    err: list[OutputMessage] = []

    sbx.run_code("x", on_stdout=out.append, on_stderr=err.append)

    assert out == [OutputMessage(line="a\n", timestamp=11, error=False)]
    assert err == [OutputMessage(line="b\n", timestamp=12, error=True)]


def test_the_default_context_is_created_once_in_the_workdir(
    fake_e2b: FakeE2B, sbx: E2BSandbox
) -> None:
    sbx.run_code("x = 1", envs={"SEED": "3"})
    sbx.run_code("x")

    [create] = fake_e2b.seen("POST", "/contexts")
    assert create.json() == {"language": "python", "cwd": "/home/user/workspace"}
    first, second = (r.json() for r in fake_e2b.seen("POST", "/execute"))
    assert first["context_id"] == second["context_id"] == "ctx-1"
    assert first["env_vars"] == {"SEED": "3"}
    assert second["env_vars"] is None


def test_each_context_is_its_own_kernel_and_paths_map_to_the_workdir(
    fake_e2b: FakeE2B, sbx: E2BSandbox
) -> None:
    data = sbx.create_code_context(cwd="data")
    default = sbx.create_code_context()
    portable = sbx.create_code_context(cwd="/workspace/out")

    assert (data.cwd, default.cwd, portable.cwd) == (
        "/home/user/workspace/data",
        "/home/user/workspace",
        "/home/user/workspace/out",
    )
    sbx.run_code("1", context=data)
    sbx.run_code("1", context=default)
    sbx.run_code("1", context=portable)
    assert [r.json()["cwd"] for r in fake_e2b.seen("POST", "/contexts")] == [
        "/home/user/workspace/data",
        "/home/user/workspace",
        "/home/user/workspace/out",
    ]


def test_removing_a_context_removes_its_kernel(fake_e2b: FakeE2B, sbx: E2BSandbox) -> None:
    ctx = sbx.create_code_context()
    sbx.run_code("1", context=ctx)

    sbx.remove_code_context(ctx)

    assert fake_e2b.seen("DELETE", "/contexts/ctx-1")
    with pytest.raises(SandboxError, match="does not exist"):
        sbx.run_code("1", context=ctx)


def test_restarting_a_context_gives_it_a_fresh_kernel(fake_e2b: FakeE2B, sbx: E2BSandbox) -> None:
    ctx = sbx.create_code_context()
    sbx.run_code("x = 1", context=ctx)

    sbx.restart_code_context(ctx)
    sbx.run_code("x", context=ctx)

    assert fake_e2b.seen("DELETE", "/contexts/ctx-1")
    assert fake_e2b.seen("POST", "/execute")[-1].json()["context_id"] == "ctx-2"


def test_a_timeout_comes_back_in_the_execution_with_the_output_so_far(
    fake_e2b: FakeE2B, sbx: E2BSandbox
) -> None:
    fake_e2b.execute = script(
        {"type": "stdout", "text": "started\n", "timestamp": 1},
        {"sleep": 30},
    )
    seen: list[str] = []

    started = time.monotonic()
    execution = sbx.run_code(
        "while True: pass", timeout=0.3, on_stdout=lambda m: seen.append(m.line)
    )

    assert time.monotonic() - started < 10
    assert execution.error is not None
    assert execution.error.name == "TimeoutError"
    assert "0.3 s" in execution.error.value
    assert execution.logs.stdout == ["started\n"]
    assert seen == ["started\n"]
    # The kernel still running the code is removed; the next call gets a fresh one.
    assert fake_e2b.seen("DELETE", "/contexts/ctx-1")
    fake_e2b.execute = script({"type": "result", "text": "1", "is_main_result": True})
    assert sbx.run_code("1").text == "1"
    assert fake_e2b.seen("POST", "/execute")[-1].json()["context_id"] == "ctx-2"


def test_a_sandbox_that_timed_out_in_e2b_is_a_sandbox_error(
    fake_e2b: FakeE2B, sbx: E2BSandbox
) -> None:
    fake_e2b.execute_status, fake_e2b.execute_body = 502, "sandbox sbx-fake was not found"

    with pytest.raises(SandboxError, match="was not found"):
        sbx.run_code("1")
    assert not sbx.is_running()


def test_a_server_error_is_a_sandbox_error(fake_e2b: FakeE2B, sbx: E2BSandbox) -> None:
    fake_e2b.execute_status, fake_e2b.execute_body = 500, "kernel crashed"

    with pytest.raises(SandboxError, match="kernel crashed"):
        sbx.run_code("1")
    assert sbx.is_running()


def test_kill_is_idempotent_and_stops_further_use(fake_e2b: FakeE2B, sbx: E2BSandbox) -> None:
    sbx.kill()
    sbx.kill()

    assert len(fake_e2b.seen("DELETE", "/sandboxes/sbx-fake")) == 1
    assert not sbx.is_running()
    with pytest.raises(SandboxError, match="not running"):
        sbx.run_code("1")
    with pytest.raises(SandboxError, match="not running"):
        sbx.files.read("a.txt")


def test_set_timeout_moves_the_deadline_in_e2b_too(fake_e2b: FakeE2B, sbx: E2BSandbox) -> None:
    sbx.set_timeout(120.2)

    [request] = fake_e2b.seen("POST", "/sandboxes/sbx-fake/timeout")
    assert request.json() == {"timeout": 121}


def test_files_read_and_write_over_the_wire(fake_e2b: FakeE2B, sbx: E2BSandbox) -> None:
    sbx.files.write("out/report.md", "# done\n")

    assert fake_e2b.files["/home/user/workspace/out/report.md"] == b"# done\n"
    assert sbx.files.read("/workspace/out/report.md") == "# done\n"
    assert sbx.files.read("out/report.md", format="bytes") == b"# done\n"
    with pytest.raises(SandboxError, match=r"/home/user/workspace/missing\.txt"):
        sbx.files.read("missing.txt")

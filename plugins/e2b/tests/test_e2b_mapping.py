"""Result and error mapping with the SDK's own classes, through a stand-in SDK sandbox."""

from __future__ import annotations

import logging
import time

import httpx
import pytest
from agentcore_e2b import E2BSandbox
from agentcore_e2b._convert import cap_chunks, map_error, to_execution
from e2b import (
    AuthenticationException,
    InvalidArgumentException,
    NotEnoughSpaceException,
    RateLimitException,
    SandboxException,
    SandboxNotFoundException,
    SandboxNotRunningException,
    SandboxUnreachableException,
    ServiceBusyException,
    TemplateException,
    TimeoutException,
)
from e2b_code_interpreter.exceptions import (
    format_execution_timeout_error,
    format_request_timeout_error,
    format_sandbox_killed_error,
)
from e2b_code_interpreter.models import Execution as SDKExecution
from e2b_code_interpreter.models import ExecutionError as SDKExecutionError
from e2b_code_interpreter.models import Logs as SDKLogs
from e2b_code_interpreter.models import OutputMessage as SDKOutputMessage
from e2b_code_interpreter.models import Result as SDKResult
from e2b_stubs import StubSDKSandbox

from agentcore.errors import SandboxError, UserError
from agentcore.sandbox import Execution, ExecutionError, Logs, OutputMessage, Result

BAR_CHART = {
    "type": "bar",
    "title": "counts",
    "x_label": "k",
    "y_label": "n",
    "x_unit": None,
    "y_unit": None,
    "elements": [{"label": "a", "group": "g", "value": 3}],
}


def test_an_sdk_execution_maps_field_for_field() -> None:
    sdk = SDKExecution(
        results=[
            SDKResult(
                text="t",
                html="h",
                markdown="m",
                svg="s",
                png="p",
                jpeg="j",
                pdf="d",
                latex="l",
                json={"k": 1},
                javascript="js",
                data={"d": 2},
                chart=BAR_CHART,
                is_main_result=True,
                extra={"x": 1},
            ),
            SDKResult(png="only-png"),
        ],
        logs=SDKLogs(stdout=["o1", "o2"], stderr=["e1"]),
        error=SDKExecutionError("KeyError", "'a'", "tb"),
        execution_count=3,
    )

    ours = to_execution(sdk, output_limit=1000)

    assert ours == Execution(
        results=[
            Result(
                text="t",
                html="h",
                markdown="m",
                svg="s",
                png="p",
                jpeg="j",
                pdf="d",
                latex="l",
                json={"k": 1},
                javascript="js",
                data={"d": 2},
                is_main_result=True,
                extra={"x": 1, "chart": BAR_CHART},
            ),
            Result(png="only-png"),
        ],
        logs=Logs(stdout=["o1", "o2"], stderr=["e1"]),
        error=ExecutionError(name="KeyError", value="'a'", traceback="tb"),
        execution_count=3,
    )
    assert ours.results[1].formats() == ["png"]
    assert ours.text == "t"


def test_an_empty_sdk_execution_maps_to_an_empty_one() -> None:
    assert to_execution(SDKExecution(), output_limit=10) == Execution()


def test_output_is_capped_with_a_note_of_what_was_dropped() -> None:
    assert cap_chunks(["abc", "def"], 10) == ["abc", "def"]
    assert cap_chunks(["abcdef", "ghij", "kl"], 8) == [
        "abcdef",
        "gh",
        "\n[output truncated: 4 more characters]\n",
    ]


def test_run_code_maps_through_the_backend_and_caps_logs(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox
) -> None:
    sdk_stub.outcome = SDKExecution(
        results=[SDKResult(text="2", is_main_result=True)],
        logs=SDKLogs(stdout=["x" * 1500]),
    )
    sdk_stub.stream = [SDKOutputMessage("hi\n", 5, False), SDKOutputMessage("oops\n", 6, True)]
    out: list[OutputMessage] = []
    err: list[OutputMessage] = []

    execution = stub_sandbox.run_code(
        "1 + 1", on_stdout=out.append, on_stderr=err.append, timeout=12
    )

    assert execution.text == "2"
    assert execution.logs.stdout[0] == "x" * 1024  # output_limit_kb=1
    assert "476 more characters" in execution.logs.stdout[1]
    assert out == [OutputMessage(line="hi\n", timestamp=5)]
    assert err == [OutputMessage(line="oops\n", timestamp=6, error=True)]
    [call] = sdk_stub.run_calls
    assert call["timeout"] == 12
    assert call["context"].id == "ctx-1"
    assert call["envs"] is None


def test_the_sdk_execution_timeout_is_a_timeout_error_in_the_execution(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox
) -> None:
    sdk_stub.stream = [SDKOutputMessage("tick\n", 1, False)]
    sdk_stub.outcome = format_execution_timeout_error()
    errors: list[ExecutionError] = []

    execution = stub_sandbox.run_code("spin()", timeout=2, on_error=errors.append)

    assert execution.error is not None
    assert execution.error.name == "TimeoutError"
    assert errors == [execution.error]
    assert execution.logs.stdout == ["tick\n"]
    assert sdk_stub.removed == ["ctx-1"]
    assert stub_sandbox.is_running()


@pytest.mark.parametrize(
    "exc",
    [
        format_sandbox_killed_error(),
        SandboxNotRunningException("sandbox was not found: killed or reached its timeout"),
        SandboxNotFoundException("Sandbox sbx-stub not found"),
    ],
    ids=["killed-mid-request", "not-running", "not-found"],
)
def test_a_sandbox_that_is_gone_is_a_sandbox_error_and_marks_it_stopped(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox, exc: Exception
) -> None:
    sdk_stub.outcome = exc

    with pytest.raises(SandboxError, match="gone") as info:
        stub_sandbox.run_code("1")

    assert info.value.__cause__ is exc
    assert not stub_sandbox.is_running()


@pytest.mark.parametrize(
    "exc",
    [
        format_request_timeout_error(),
        SandboxUnreachableException("port is not open"),
        httpx.ReadError("connection reset"),
    ],
    ids=["request-timeout", "unreachable", "read-error"],
)
def test_infrastructure_timeouts_are_sandbox_errors_not_execution_timeouts(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox, exc: Exception
) -> None:
    sdk_stub.outcome = exc

    with pytest.raises(SandboxError):
        stub_sandbox.run_code("1")

    assert stub_sandbox.is_running()


def test_an_error_that_is_not_the_sdks_passes_through(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox
) -> None:
    sdk_stub.outcome = ZeroDivisionError("a bug of ours")

    with pytest.raises(ZeroDivisionError):
        stub_sandbox.run_code("1")


@pytest.mark.parametrize(
    ("exc", "kind", "words"),
    [
        (AuthenticationException("401: Unauthorized"), UserError, "E2B_API_KEY"),
        (TemplateException("envd too old"), UserError, "template"),
        (RateLimitException("429: Rate limit exceeded"), SandboxError, "rate limit"),
        (ServiceBusyException("503: busy"), SandboxError, "busy"),
        (SandboxNotFoundException("Sandbox x not found"), SandboxError, "gone"),
        (SandboxNotRunningException("was not found"), SandboxError, "gone"),
        (SandboxUnreachableException("port is not open"), SandboxError, "port is not open"),
        (TimeoutException("Request timed out"), SandboxError, "Request timed out"),
        (NotEnoughSpaceException("disk full"), SandboxError, "disk full"),
        (InvalidArgumentException("bad arg"), SandboxError, "bad arg"),
        (SandboxException("500: boom"), SandboxError, "500: boom"),
        (httpx.ConnectError("Connection refused"), SandboxError, "cannot reach E2B"),
    ],
)
def test_every_sdk_exception_maps_to_an_agentcore_error_with_its_message(
    exc: Exception, kind: type[Exception], words: str
) -> None:
    mapped = map_error(exc, action="doing x")

    assert type(mapped) is kind
    assert words in str(mapped)
    assert "doing x" in str(mapped)


def test_errors_that_are_not_the_sdks_are_not_mapped() -> None:
    assert map_error(ValueError("x"), action="y") is None
    assert map_error(KeyboardInterrupt(), action="y") is None


def test_kill_calls_the_sdk_once_and_a_failure_is_only_logged(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    sdk_stub.kill_error = httpx.ConnectError("network down")

    with caplog.at_level(logging.WARNING, logger="agentcore_e2b"):
        stub_sandbox.kill()
        stub_sandbox.kill()

    assert sdk_stub.killed == 1
    assert not stub_sandbox.is_running()
    assert "stops it at its timeout" in caplog.text


def test_set_timeout_rounds_up_to_whole_seconds(
    sdk_stub: StubSDKSandbox, stub_sandbox: E2BSandbox
) -> None:
    stub_sandbox.set_timeout(0.2)
    stub_sandbox.set_timeout(30)

    assert sdk_stub.timeouts == [1, 30]  # not called at construction: E2B already has it


def test_the_local_deadline_kills_the_sandbox(sdk_stub: StubSDKSandbox) -> None:
    sbx = E2BSandbox(sdk_stub, timeout=0.05)
    for _ in range(100):
        if sdk_stub.killed:
            break
        time.sleep(0.02)

    assert sdk_stub.killed == 1
    assert not sbx.is_running()

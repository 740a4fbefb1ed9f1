"""Infrastructure failures become ToolErrors (the run goes on), with a backend that fails."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from agentcore_code import SANDBOXES, aclose_run, close_all, close_run, run_python
from agentcore_code._sessions import CallCancelled

from agentcore.errors import SandboxError, SandboxUnavailableError
from agentcore.sandbox import CommandResult, Context, Execution, Logs, Sandbox
from agentcore.tools import ToolContext, ToolError, config_with_context

if TYPE_CHECKING:
    from agentcore.config import Settings


class FlakySandbox(Sandbox):
    """A backend whose worker dies on ``crash()`` and that can refuse to start."""

    backend_name = "flaky"
    refuse = False
    started: list[FlakySandbox] = []

    @classmethod
    def _start(
        cls,
        *,
        timeout: float,
        envs: dict[str, str],
        allow_internet_access: bool,
        workspace: Path | None,
        settings: Settings,
    ) -> Sandbox:
        if cls.refuse:
            raise SandboxUnavailableError("bubblewrap is not installed", hint="apt install it")
        sbx = cls(timeout=timeout)
        cls.started.append(sbx)
        return sbx

    def _execute(self, code: str, context: Context, **_: Any) -> Execution:
        if code == "crash()":
            self._mark_killed()
            raise SandboxError(f"sandbox {self.sandbox_id}: the interpreter died (signal 9)")
        return Execution(logs=Logs(stdout=[f"ran {code}\n"]), execution_count=1)

    def _command(
        self,
        cmd: str,
        *,
        cwd: str | None,
        envs: Mapping[str, str],
        timeout: float,
        stdin: bytes | None = None,
    ) -> CommandResult:
        raise NotImplementedError

    def kill(self) -> None:
        self._mark_killed()


class RemoteSandbox(FlakySandbox):
    """Like E2B: its own filesystem, copied back to the workspace by ``pull_workspace``."""

    pulls = 0
    pull_error: Exception | None = None

    def pull_workspace(self) -> list[Path]:
        RemoteSandbox.pulls += 1
        if self.pull_error is not None:
            raise self.pull_error
        return []


@pytest.fixture(autouse=True)
def flaky(monkeypatch: pytest.MonkeyPatch) -> type[FlakySandbox]:
    monkeypatch.setattr(SANDBOXES, "create", FlakySandbox.create)
    monkeypatch.setattr(FlakySandbox, "started", [])
    return FlakySandbox


async def invoke(ctx: ToolContext, code: str) -> str:
    result = await run_python.ainvoke({"code": code}, config=config_with_context(ctx))
    assert isinstance(result, str)
    return result


async def test_a_dead_sandbox_is_a_tool_error_and_the_next_call_starts_anew(
    ctx: ToolContext, flaky: type[FlakySandbox]
) -> None:
    assert await invoke(ctx, "a") == "stdout:\nran a"
    with pytest.raises(ToolError, match=r"code execution failed: sandbox \w+: the interpreter"):
        await invoke(ctx, "crash()")

    text = await invoke(ctx, "b")
    assert text == (
        "[note: the previous Python session ended (it stopped); this code ran in a new one, so "
        "variables, imports and functions from earlier calls are gone]\nstdout:\nran b"
    )
    assert len(flaky.started) == 2


async def test_an_unavailable_backend_is_a_tool_error(
    ctx: ToolContext, flaky: type[FlakySandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FlakySandbox, "refuse", True)
    with pytest.raises(ToolError) as info:
        await invoke(ctx, "a")
    assert info.value.message == (
        "code execution is unavailable: bubblewrap is not installed (apt install it). Continue "
        "without running code and say in your result that it was not run."
    )


async def test_sandboxes_are_killed_when_closed_and_at_the_end(
    make_ctx: Callable[..., ToolContext], flaky: type[FlakySandbox]
) -> None:
    runs = [make_ctx() for _ in range(3)]
    for ctx in runs:
        await invoke(ctx, "x")
    assert sorted(SANDBOXES.run_ids()) == sorted(c.run_id for c in runs)

    assert close_run(runs[0].run_id)
    assert [s.is_running() for s in flaky.started] == [False, True, True]
    assert close_all() == 2
    assert [s.is_running() for s in flaky.started] == [False, False, False]
    assert SANDBOXES.run_ids() == []


async def test_a_closed_or_cancelled_call_never_starts_its_code(
    ctx: ToolContext, flaky: type[FlakySandbox]
) -> None:
    session = SANDBOXES.session(ctx.run_id, ctx.workspace)
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(CallCancelled, match="cancelled before its code started"):
        SANDBOXES.run(session, "x", timeout_s=1, idle_s=60, cancelled=cancelled)

    assert await aclose_run(ctx.run_id)
    with pytest.raises(CallCancelled, match="closed"):
        SANDBOXES.run(session, "x", timeout_s=1, idle_s=60, cancelled=threading.Event())
    assert flaky.started == []


async def test_sandboxes_left_idle_are_stopped_when_another_run_calls(
    make_ctx: Callable[..., ToolContext],
    flaky: type[FlakySandbox],
    plugin_settings: dict[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plugin_settings["code"] = {"idle_minutes": 1}
    first, second = make_ctx(), make_ctx()
    await invoke(first, "a")
    stale = SANDBOXES.get(first.run_id)
    assert stale is not None and stale.sandbox is not None
    stale.sandbox.set_timeout(3600)  # as if the backend's own deadline had not fired
    stale.last_used -= 61 + 60  # idle for longer than idle_minutes, plus the grace

    await invoke(second, "b")

    assert [s.is_running() for s in flaky.started] == [False, True]
    assert (await invoke(first, "c")).startswith(
        "[note: the previous Python session ended (it was idle for more than 1 minute)"
    )


async def test_files_are_pulled_back_from_a_remote_sandbox_after_each_call(
    ctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SANDBOXES, "create", RemoteSandbox.create)
    monkeypatch.setattr(RemoteSandbox, "pulls", 0)
    assert await invoke(ctx, "a") == "stdout:\nran a"
    assert RemoteSandbox.pulls == 1

    monkeypatch.setattr(RemoteSandbox, "pull_error", SandboxError("E2B said 502"))
    assert await invoke(ctx, "b") == (
        "[note: files the code wrote could not be copied to the workspace: E2B said 502]\n"
        "stdout:\nran b"
    )
    assert RemoteSandbox.pulls == 2

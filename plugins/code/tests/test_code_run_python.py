"""run_python end to end, through real sandbox backends (see ``BACKENDS`` in conftest.py)."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from agentcore_code import SANDBOXES, close_run

from agentcore.tools import ToolContext, ToolError

pytestmark = pytest.mark.usefixtures("backend")

Call = Callable[..., Any]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def artifacts(events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [data["path"] for kind, data in events if kind == "artifact"]


# Sandboxed code that keeps proving it runs: a thread that writes a growing count to a file
# of the workspace (pids would not do: a backend may give the code its own pid namespace).
HEARTBEAT = """
import itertools, pathlib, threading, time
def _beat():
    for n in itertools.count():
        pathlib.Path("beat.txt").write_text(str(n))
        time.sleep(0.02)
threading.Thread(target=_beat, daemon=True).start()
time.sleep(0.1)
"""


def stopped(beat: Path, within_s: float = 5.0) -> bool:
    """Whether the heartbeat stops (stays the same for 0.3 s) within ``within_s``."""
    deadline = time.monotonic() + within_s
    last = beat.read_text()
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = beat.read_text()
        if now == last:
            return True
        last = now
    return False


async def test_state_persists_between_calls_of_one_run(call: Call) -> None:
    assert await call(code="import math\nx = 20\ndef f(y):\n    return x + y") == (
        "The code ran without output: nothing printed, no value returned. End with an "
        "expression or print() to see a value."
    )
    assert await call(code="f(1) + math.floor(1.5)") == "result:\n22"


async def test_state_does_not_leak_between_runs(
    call: Call, make_ctx: Callable[..., ToolContext]
) -> None:
    await call(code="secret = 'run one'")
    other = await call(code="secret", context=make_ctx())

    assert "error: NameError: name 'secret' is not defined" in other
    assert len(SANDBOXES.run_ids()) == 2


async def test_stdout_stderr_and_the_result_come_back_in_order(call: Call) -> None:
    text = await call(code="import sys\nprint('out')\nsys.stderr.write('warn\\n')\n6 * 7")

    assert text == "stdout:\nout\nstderr:\nwarn\nresult:\n42"


async def test_user_exceptions_are_text_with_the_traceback(call: Call) -> None:
    text = await call(code="def div(a, b):\n    return a / b\n\nprint('before')\ndiv(1, 0)")

    assert text.startswith("stdout:\nbefore\nerror: ZeroDivisionError: division by zero\n")
    assert "return a / b" in text  # the traceback points at the failing line
    assert text.rstrip().endswith("ZeroDivisionError: division by zero")
    assert await call(code="div(6, 3)") == "result:\n2.0"  # the session still works


async def test_long_output_is_cut_and_saved_in_full(
    call: Call,
    workspace: Path,
    events: list[tuple[str, dict[str, Any]]],
    plugin_settings: dict[str, dict[str, Any]],
) -> None:
    plugin_settings["code"] = {"max_stdout_chars": 1_000}
    text = await call(code="for i in range(5000):\n    print(f'line {i:05d}')")

    note = re.search(r"\[stdout cut: ([\d,]+) chars, .*; full output in (\S+)\]", text)
    assert note is not None, text
    assert note.group(1) == f"{5000 * 11 - 1:,}"  # without the final newline
    assert "line 00000" in text and "line 04999" in text and "line 02500" not in text
    saved = workspace / note.group(2)
    assert saved.parent == workspace / ".agentcore" / "outputs"
    full = saved.read_text()
    assert all(f"line {i:05d}\n" in full for i in (0, 2500, 4999))
    assert artifacts(events) == [note.group(2)]
    assert len(text) < 1_500


async def test_short_output_is_saved_but_not_announced(
    call: Call, workspace: Path, events: list[tuple[str, dict[str, Any]]]
) -> None:
    await call(code="print('hi')")
    await call(code="print('again')")

    outputs = sorted((workspace / ".agentcore" / "outputs").iterdir())
    assert [p.name for p in outputs] == ["call-1.txt", "call-2.txt"]
    assert "## code\n\nprint('again')" in outputs[1].read_text()
    assert artifacts(events) == []


async def test_charts_are_saved_as_png_files_and_listed(
    call: Call, workspace: Path, events: list[tuple[str, dict[str, Any]]]
) -> None:
    code = "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [3, 1, 2])\nplt.title('t')"
    first = await call(code=code)
    second = await call(code="plt.figure()\nplt.bar(['a', 'b'], [1, 2])\nNone")

    assert "chart saved: charts/chart-1.png" in first
    assert "chart saved: charts/chart-2.png" in second
    for n in (1, 2):
        assert (workspace / "charts" / f"chart-{n}.png").read_bytes().startswith(PNG_MAGIC)
    assert artifacts(events) == ["charts/chart-1.png", "charts/chart-2.png"]


async def test_code_works_in_the_run_workspace(call: Call, workspace: Path) -> None:
    (workspace / "data.csv").write_text("a,b\n1,2\n3,4\n")
    text = await call(
        code="import csv\nrows = list(csv.DictReader(open('data.csv')))\n"
        "open('total.txt', 'w').write(str(sum(int(r['b']) for r in rows)))\nlen(rows)"
    )

    assert text == "result:\n2"
    assert (workspace / "total.txt").read_text() == "6"


async def test_a_timeout_is_reported_and_the_next_call_works(call: Call) -> None:
    text = await call(code="import time\ntime.sleep(30)", timeout_s=1)

    assert "error: TimeoutError" in text
    assert "time limit of 1 s" in text
    assert (await call(code="1 + 1")).endswith("result:\n2")


async def test_a_dying_interpreter_is_reported_and_the_next_call_works(call: Call) -> None:
    await call(code="x = 1")
    text = await call(code="import os\nos._exit(3)")

    assert text.startswith("error: ")
    assert "NameError" in await call(code="x")  # what the model is told: state is gone
    assert (await call(code="y = 2\ny")) == "result:\n2"


async def test_a_timeout_above_the_maximum_is_capped(
    call: Call, plugin_settings: dict[str, dict[str, Any]]
) -> None:
    plugin_settings["code"] = {"max_timeout_s": 5}
    text = await call(code="'ok'", timeout_s=999)

    assert text == "[note: timeout_s capped at 5 s]\nresult:\n'ok'"


async def test_close_run_kills_the_sandbox(call: Call, ctx: ToolContext, workspace: Path) -> None:
    await call(code=HEARTBEAT + "import os")
    assert not stopped(workspace / "beat.txt", within_s=0.5)
    session = SANDBOXES.get(ctx.run_id)
    assert session is not None and session.sandbox is not None
    sandbox = session.sandbox

    assert close_run(ctx.run_id) is True
    assert not sandbox.is_running()
    assert stopped(workspace / "beat.txt")
    assert SANDBOXES.get(ctx.run_id) is None
    assert close_run(ctx.run_id) is False
    # The run id may be used again: it gets a fresh sandbox.
    assert "NameError" in await call(code="os")


async def test_an_idle_sandbox_is_stopped_and_the_model_is_told(
    call: Call, workspace: Path, plugin_settings: dict[str, dict[str, Any]]
) -> None:
    plugin_settings["code"] = {"idle_minutes": 0.01}  # 0.6 s
    await call(code=HEARTBEAT + "x = 1")

    assert stopped(workspace / "beat.txt")
    text = await call(code="x")
    assert text.startswith(
        "[note: the previous Python session ended (it was idle for more than 0.01 minutes); "
        "this code ran in a new one, so variables, imports and functions from earlier calls "
        "are gone]\nerror: NameError"
    )


async def test_a_cancelled_call_stops_its_code(call: Call, workspace: Path) -> None:
    await call(code=HEARTBEAT)
    task = asyncio.ensure_future(call(code="import time\ntime.sleep(60)", timeout_s=120))
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert stopped(workspace / "beat.txt")
    text = await call(code="1")
    assert "ended (the previous call was cancelled while its code ran)" in text


async def test_calls_of_one_run_do_not_overlap(call: Call) -> None:
    code = "import time\nt0 = time.monotonic()\ntime.sleep(0.3)\n(t0, time.monotonic())"
    texts = await asyncio.gather(*(call(code=code) for _ in range(3)))

    spans = sorted(eval(t.removeprefix("result:\n")) for t in texts)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans


async def test_an_unknown_backend_is_a_tool_error(
    call: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTCORE_SANDBOX_BACKEND", "no-such-backend")
    with pytest.raises(ToolError, match="code execution is unavailable: unknown sandbox"):
        await call(code="1")

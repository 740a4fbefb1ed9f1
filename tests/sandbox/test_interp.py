"""Interpreter: the host-side driver of one worker process (run without bwrap here)."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentcore.errors import SandboxError
from agentcore.sandbox import OutputMessage
from agentcore.sandbox._local import _interp
from agentcore.sandbox._local._interp import Interpreter, _Run

WORKER = Path(_interp.__file__).with_name("worker_main.py")


def start(cwd: Path, *extra: str) -> Interpreter:
    argv = [sys.executable, "-I", str(WORKER), *extra]
    return Interpreter.start(argv, env={"PATH": os.environ["PATH"]}, cwd=str(cwd))


def children() -> set[int]:
    """Live (non-zombie) processes whose parent is this test process."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == os.getpid() and state != "Z":
            found.add(int(entry))
    return found


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def interp(tmp_path: Path) -> Iterator[Interpreter]:
    it = start(tmp_path)
    yield it
    it.kill()


def test_execute_collects_output_results_and_state(interp: Interpreter) -> None:
    assert interp.alive
    assert interp.python and interp.python.startswith("3.")
    first = interp.execute("x = 41\nprint('hi')\ndisplay('shown')")
    assert first.logs.stdout == ["hi\n"]
    assert [(r.text, r.is_main_result) for r in first.results] == [("'shown'", False)]
    assert first.error is None
    assert first.execution_count == 1
    second = interp.execute("x + 1")
    assert second.text == "42"
    assert second.execution_count == 2


def test_errors_come_back_in_the_execution(interp: Interpreter) -> None:
    execution = interp.execute("def f():\n    raise ValueError('bad')\nf()")
    assert execution.error is not None
    assert (execution.error.name, execution.error.value) == ("ValueError", "bad")
    assert "<cell-1>" in execution.error.traceback
    assert "worker_main" not in execution.error.traceback
    syntax = interp.execute("def (")
    assert syntax.error is not None and syntax.error.name == "SyntaxError"
    assert interp.alive


def test_c_level_and_child_process_output(interp: Interpreter) -> None:
    execution = interp.execute(
        "import os, subprocess\nos.write(1, b'raw\\n')\nsubprocess.run(['echo', 'x'])"
    )
    assert "".join(execution.logs.stdout) == "raw\nx\n"


def test_chunks_stream_before_the_execution_ends(interp: Interpreter, tmp_path: Path) -> None:
    # The code waits for a file that only the on_stdout callback creates: without streaming
    # it could never finish.
    flag = tmp_path / "flag"
    events: list[str] = []

    def on_stdout(message: OutputMessage) -> None:
        events.append(message.line)
        assert message.timestamp > 0 and not message.error
        flag.touch()

    code = (
        "import os, time\nprint('first')\n"
        f"while not os.path.exists({str(flag)!r}):\n    time.sleep(0.01)\nprint('second')"
    )
    execution = interp.execute(code, on_stdout=on_stdout, timeout=30)
    assert execution.error is None
    assert events == ["first\n", "second\n"]


def test_stderr_callback(interp: Interpreter) -> None:
    seen: list[OutputMessage] = []
    interp.execute("import sys; print('oops', file=sys.stderr)", on_stderr=seen.append)
    assert [(m.line, m.error) for m in seen] == [("oops\n", True)]


def test_a_failing_callback_does_not_break_the_execution(interp: Interpreter) -> None:
    def boom(message: OutputMessage) -> None:
        raise RuntimeError("callback bug")

    execution = interp.execute("print('a')\n1", on_stdout=boom)
    assert execution.text == "1"
    assert execution.logs.stdout == ["a\n"]


def test_output_cap(tmp_path: Path) -> None:
    it = start(tmp_path, "--output-limit", "100")
    try:
        execution = it.execute("print('x' * 1000)", output_limit=100)
        assert "".join(execution.logs.stdout) == "x" * 100
        assert execution.logs.stderr == ["[output truncated: 901 bytes dropped]\n"]
    finally:
        it.kill()


def test_host_side_cap_bounds_a_worker_that_ignores_its_own() -> None:
    run = _Run(None, None, limit=10)
    for _ in range(5):
        run.output({"type": "stdout", "text": "abcd"})
    run.output({"type": "stdout", "text": 123})  # malformed: ignored
    execution = run.finish(None)
    assert execution.logs.stdout == ["abcd", "abcd"]
    assert execution.logs.stderr == ["[output truncated: 12 characters dropped]\n"]


def test_envs_are_applied_and_restored(interp: Interpreter) -> None:
    execution = interp.execute("import os\nos.environ['TOKEN']", envs={"TOKEN": "t1"})
    assert execution.text == "'t1'"
    assert interp.execute("'TOKEN' in os.environ").text == "False"


def test_timeout_interrupts_and_keeps_state(interp: Interpreter) -> None:
    interp.execute("x = 'kept'")
    execution = interp.execute("while True:\n    pass", timeout=0.2)
    assert execution.error is not None
    assert execution.error.name == "TimeoutError"
    assert "interrupted" in execution.error.value
    assert "<cell-2>" in execution.error.traceback
    assert interp.alive
    assert interp.execute("x").text == "'kept'"


def test_timeout_kills_code_that_ignores_the_interrupt(
    interp: Interpreter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_interp, "INTERRUPT_GRACE_S", 0.2)
    code = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    execution = interp.execute(code, timeout=0.2)
    assert execution.error is not None
    assert execution.error.name == "TimeoutError"
    assert "killed" in execution.error.value and "variables are gone" in execution.error.value
    assert not interp.alive
    assert interp.pid not in children()
    with pytest.raises(SandboxError, match="not running"):
        interp.execute("1")


def test_os_exit_is_worker_died(interp: Interpreter) -> None:
    execution = interp.execute("print('before')\nimport os\nos._exit(3)")
    assert execution.error is not None
    assert execution.error.name == "WorkerDied"
    assert "exit status 3" in execution.error.value
    assert execution.logs.stdout == ["before\n"]
    assert not interp.alive


def test_segfault_is_worker_died_with_the_crash_report(interp: Interpreter) -> None:
    execution = interp.execute("import ctypes\nctypes.string_at(0)")
    assert execution.error is not None
    assert execution.error.name == "WorkerDied"
    assert "SIGSEGV" in execution.error.value
    assert "Segmentation fault" in execution.error.traceback  # faulthandler, via stderr


def test_watchdog_kills_the_execution(interp: Interpreter) -> None:
    polls: list[int] = []

    def watchdog() -> str | None:
        polls.append(1)
        return "the workspace grew past its quota" if len(polls) >= 2 else None

    execution = interp.execute("while True:\n    pass", timeout=60, watchdog=watchdog)
    assert execution.error is not None
    assert execution.error.name == "ResourceLimitError"
    assert execution.error.value.startswith("the workspace grew past its quota")
    assert not interp.alive


def test_kill_during_an_execution_raises(interp: Interpreter) -> None:
    started = threading.Event()
    killer = threading.Thread(target=lambda: (started.wait(30), interp.kill()))
    killer.start()

    def on_stdout(message: OutputMessage) -> None:
        started.set()

    with pytest.raises(SandboxError, match="killed"):
        interp.execute("print('go')\nimport time\ntime.sleep(60)", on_stdout=on_stdout)
    killer.join()
    assert not interp.alive


def test_kill_leaves_no_processes(tmp_path: Path) -> None:
    before = children()
    it = start(tmp_path)
    execution = it.execute(
        "import subprocess\np = subprocess.Popen(['sleep', '60'])\np.pid", timeout=10
    )
    grandchild = int(execution.text or "0")
    assert running(grandchild)
    assert children() - before == {it.pid}
    it.kill()
    it.kill()  # idempotent
    assert not it.alive
    assert children() == before
    assert not running(grandchild)
    assert not any(t.is_alive() for t in it._threads)


def test_close_is_polite_then_final(tmp_path: Path) -> None:
    it = start(tmp_path)
    it.close()
    assert not it.alive
    assert it.pid not in children()
    it.close()


def test_executions_are_serialised(interp: Interpreter) -> None:
    interp.execute("n = 0")

    def bump() -> None:
        for _ in range(10):
            interp.execute("m = n\nn = m + 1")

    threads = [threading.Thread(target=bump) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert interp.execute("n").text == "30"


def test_start_failure_reports_stderr(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import sys; sys.stderr.write('no such thing'); sys.exit(4)"]
    with pytest.raises(SandboxError, match=r"exit status 4\):\nno such thing"):
        Interpreter.start(argv, env={}, cwd=str(tmp_path))


def test_start_timeout(tmp_path: Path) -> None:
    before = children()
    argv = [sys.executable, "-c", "import time; time.sleep(60)"]
    with pytest.raises(SandboxError, match=r"did not become ready within 0\.2 s"):
        Interpreter.start(argv, env={}, cwd=str(tmp_path), ready_timeout=0.2)
    assert children() == before


def test_missing_program(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="could not start"):
        Interpreter.start([str(tmp_path / "nope")], env={}, cwd=str(tmp_path))

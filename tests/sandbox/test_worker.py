"""The in-sandbox worker, spoken to directly over its JSON-lines protocol (no host driver)."""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

WORKER = Path(__file__).parents[2] / "agentcore" / "sandbox" / "_local" / "worker_main.py"
LIMIT = 2000


class Worker:
    def __init__(self, cwd: Path, limit: int = LIMIT) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(WORKER), "--output-limit", str(limit)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env={"PATH": os.environ["PATH"], "HOME": str(cwd)},
        )
        self.ids = 0
        self.inbox: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.ready = self.read()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.inbox.put(line)
        self.inbox.put(b"")

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        self.proc.stdin.flush()

    def read(self, timeout: float = 30.0) -> dict[str, Any]:
        line = self.inbox.get(timeout=timeout)
        assert line, f"the worker exited: {self.proc.stderr.read() if self.proc.stderr else ''}"
        message: dict[str, Any] = json.loads(line)
        return message

    def start(self, code: str, envs: dict[str, str] | None = None) -> int:
        self.ids += 1
        self.send({"op": "exec", "id": self.ids, "code": code, "envs": envs or {}})
        return self.ids

    def collect(self) -> list[dict[str, Any]]:
        messages = []
        while True:
            message = self.read()
            messages.append(message)
            if message["type"] == "done":
                assert message["id"] == self.ids
                return messages

    def run(self, code: str, envs: dict[str, str] | None = None) -> list[dict[str, Any]]:
        self.start(code, envs)
        return self.collect()


def text(messages: list[dict[str, Any]], stream: str = "stdout") -> str:
    return "".join(m["text"] for m in messages if m["type"] == stream)


def results(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m["type"] == "result"]


def error(messages: list[dict[str, Any]]) -> dict[str, Any]:
    errors = [m for m in messages if m["type"] == "error"]
    assert len(errors) == 1, messages
    return errors[0]


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Worker]:
    w = Worker(tmp_path)
    yield w
    w.proc.kill()
    w.proc.wait()
    for stream in (w.proc.stdin, w.proc.stdout, w.proc.stderr):
        assert stream is not None
        stream.close()


def test_ready_message(worker: Worker) -> None:
    assert worker.ready["type"] == "ready"
    assert worker.ready["pid"] == worker.proc.pid
    assert worker.ready["python"].startswith("3.")


def test_print_state_and_last_expression(worker: Worker) -> None:
    first = worker.run("x = 20\nprint('hello')")
    assert text(first) == "hello\n"
    assert results(first) == []
    assert first[-1] == {"type": "done", "id": 1, "execution_count": 1}
    second = worker.run("x += 1\nx * 2")
    assert results(second) == [{"type": "result", "text": "42", "is_main_result": True}]
    assert second[-1]["execution_count"] == 2
    assert results(worker.run("None")) == []


def test_user_code_runs_as_main_and_pickles(worker: Worker) -> None:
    code = "import pickle\nclass A:\n    v = 5\npickle.loads(pickle.dumps(A())).v, __name__"
    assert results(worker.run(code))[0]["text"] == "(5, '__main__')"


def test_display_and_rich_formats(worker: Worker) -> None:
    code = """
class Rich:
    def __repr__(self): return 'Rich()'
    def _repr_html_(self): return '<b>rich</b>'
    def _repr_markdown_(self): return ('**rich**', {'meta': 1})
    def _repr_png_(self): return b'\\x89PNG'
    def _repr_json_(self): return {'a': 1}
    def _repr_latex_(self): raise ValueError('broken')
display(Rich())
print('between')
Rich()
"""
    messages = worker.run(code)
    shown, main = results(messages)
    assert shown["is_main_result"] is False
    assert main["is_main_result"] is True
    for r in (shown, main):
        assert r["text"] == "Rich()"
        assert r["html"] == "<b>rich</b>"
        assert r["markdown"] == "**rich**"
        assert base64.b64decode(r["png"]) == b"\x89PNG"
        assert r["json"] == {"a": 1}
        assert "latex" not in r
    assert text(messages) == "between\n"


def test_exception_traceback_shows_only_user_frames(worker: Worker) -> None:
    err = error(worker.run("def f():\n    return 1 / 0\n\nf()"))
    assert err["name"] == "ZeroDivisionError"
    assert err["value"] == "division by zero"
    assert 'File "<cell-1>", line 4' in err["traceback"]
    assert 'File "<cell-1>", line 2, in f' in err["traceback"]
    assert "return 1 / 0" in err["traceback"]
    assert "worker_main" not in err["traceback"]
    assert results(worker.run("1 + 1"))[0]["text"] == "2"  # still alive


def test_syntax_error(worker: Worker) -> None:
    err = error(worker.run("x = (1,\nprint(x"))
    assert err["name"] == "SyntaxError"
    assert "<cell-1>" in err["traceback"]
    assert "worker_main" not in err["traceback"]


def test_system_exit_and_keyboard_interrupt_do_not_end_the_worker(worker: Worker) -> None:
    assert error(worker.run("import sys; sys.exit(3)"))["name"] == "SystemExit"
    assert error(worker.run("raise KeyboardInterrupt"))["name"] == "KeyboardInterrupt"
    assert error(worker.run("exit()"))["name"] == "SystemExit"
    assert results(worker.run("'alive'"))[0]["text"] == "'alive'"


def test_c_level_writes_and_child_processes_are_captured(worker: Worker) -> None:
    code = (
        "import os, subprocess\n"
        "os.write(1, b'from fd 1\\n')\n"
        "os.write(2, b'from fd 2\\n')\n"
        "subprocess.run(['echo', 'from a child'])\n"
        "subprocess.run(['sh', '-c', 'echo child err >&2'])\n"
    )
    messages = worker.run(code)
    assert text(messages) == "from fd 1\nfrom a child\n"
    assert text(messages, "stderr") == "from fd 2\nchild err\n"


def test_unflushed_output_arrives_before_done(worker: Worker) -> None:
    messages = worker.run("import sys\nsys.stdout.write('no newline')\nprint('x' * 1500, end='')")
    assert text(messages) == "no newline" + "x" * 1500
    assert messages[-1]["type"] == "done"


def test_output_cap_per_execution(worker: Worker) -> None:
    messages = worker.run("print('a' * 5000)\nimport os; os.write(2, b'e' * 10)")
    assert text(messages) == "a" * LIMIT
    notes = [m["text"] for m in messages if m["type"] == "stderr" and "truncated" in m["text"]]
    assert notes == ["[output truncated: 3001 bytes dropped]\n"]
    assert text(messages, "stderr").startswith("e" * 10)
    # The budget is per execution.
    assert text(worker.run("print('b' * 10)")) == "b" * 10 + "\n"


def test_survives_closed_and_replaced_streams(worker: Worker) -> None:
    worker.run("import os; os.close(1)")
    assert text(worker.run("print('fd 1 is back')")) == "fd 1 is back\n"
    worker.run("import sys; sys.stdout = None")
    assert text(worker.run("print('stdout is back')")) == "stdout is back\n"
    worker.run("import sys; sys.stdout.close(); sys.stderr.close()")
    messages = worker.run("import sys; print('out'); print('err', file=sys.stderr)")
    assert text(messages) == "out\n"
    assert text(messages, "stderr") == "err\n"


def test_stdin_is_empty(worker: Worker) -> None:
    assert error(worker.run("input()"))["name"] == "EOFError"


def test_envs_apply_to_one_execution(worker: Worker) -> None:
    messages = worker.run("import os, subprocess\nprint(os.environ['FOO'])", {"FOO": "bar"})
    assert text(messages) == "bar\n"
    assert results(worker.run("'FOO' in os.environ"))[0]["text"] == "False"
    assert results(worker.run("os.environ['MPLBACKEND']"))[0]["text"] == "'Agg'"


def test_top_level_await(worker: Worker) -> None:
    messages = worker.run(
        "import asyncio\nawait asyncio.sleep(0)\nasync def f(): return 7\nawait f()"
    )
    assert results(messages)[0]["text"] == "7"


def test_workspace_modules_import(worker: Worker, tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("VALUE = 'from the workspace'\n")
    assert results(worker.run("import helper; helper.VALUE"))[0]["text"] == "'from the workspace'"


def test_interrupt_stops_running_code_and_keeps_state(worker: Worker) -> None:
    worker.run("x = 1")
    exec_id = worker.start("while True:\n    x += 1")
    # Sent at once: the worker applies it even if the loop has not started yet.
    worker.send({"op": "interrupt", "id": exec_id})
    messages = worker.collect()
    assert error(messages)["name"] == "KeyboardInterrupt"
    assert int(results(worker.run("x"))[0]["text"]) >= 1


def test_interrupt_when_idle_is_ignored(worker: Worker) -> None:
    worker.send({"op": "interrupt"})
    worker.send({"op": "interrupt", "id": 99})
    assert results(worker.run("'fine'"))[0]["text"] == "'fine'"


def test_shutdown(worker: Worker) -> None:
    worker.send({"op": "shutdown"})
    assert worker.proc.wait(timeout=10) == 0


def test_threads_left_running_do_not_block_shutdown(worker: Worker) -> None:
    worker.run("import threading, time\nthreading.Thread(target=time.sleep, args=(600,)).start()")
    worker.send({"op": "shutdown"})
    assert worker.proc.wait(timeout=10) == 0


def test_forked_child_does_not_answer(worker: Worker) -> None:
    messages = worker.run("import os\npid = os.fork()\npid")
    assert len(results(messages)) == 1
    assert results(worker.run("os.waitpid(pid, 0)[1]"))[0]["text"] == "0"


def test_os_exit_ends_the_process(worker: Worker) -> None:
    worker.start("import os; os._exit(3)")
    assert worker.proc.wait(timeout=10) == 3


def test_matplotlib_figures_via_a_stand_in_pyplot(worker: Worker) -> None:
    # The figure protocol the worker relies on, without needing matplotlib installed.
    code = """
import sys, types
plt = types.ModuleType('matplotlib.pyplot')
class Figure:
    def __init__(self, n): self.n = n
    def savefig(self, buf, format, bbox_inches): buf.write(b'PNG%d' % self.n)
    def __repr__(self): return f'<Figure {self.n}>'
plt.figures = {1: Figure(1), 2: Figure(2)}
plt.get_fignums = lambda: sorted(plt.figures)
plt.figure = lambda n: plt.figures[n]
plt.close = lambda which: plt.figures.clear()
sys.modules['matplotlib.pyplot'] = plt
"""
    found = results(worker.run(code))
    assert [(base64.b64decode(r["png"]), r["text"]) for r in found] == [
        (b"PNG1", "<Figure 1>"),
        (b"PNG2", "<Figure 2>"),
    ]
    assert results(worker.run("len(plt.figures)"))[0]["text"] == "0"  # closed


def test_matplotlib_figure_becomes_a_png_result(worker: Worker) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is not installed in this venv")
    messages = worker.run("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()")
    figures = [r for r in results(messages) if "png" in r]
    assert len(figures) == 1
    assert base64.b64decode(figures[0]["png"]).startswith(b"\x89PNG")
    assert figures[0]["text"].startswith("<Figure")
    assert text(messages, "stderr") == ""  # no "non-interactive" warning
    assert results(worker.run("plt.get_fignums()"))[0]["text"] == "[]"


def test_pandas_dataframe_has_html(worker: Worker) -> None:
    pytest.importorskip("pandas", reason="pandas is not installed in this venv")
    (main,) = results(worker.run("import pandas as pd\npd.DataFrame({'a': [1, 2]})"))
    assert "<table" in main["html"]
    assert "a" in main["text"]

"""What the model reads, built from Executions as any backend returns them (no sandbox)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from agentcore_code import CodeOptions
from agentcore_code._files import write_numbered
from agentcore_code._report import Counters, cut, plain, report

from agentcore.sandbox import Execution, ExecutionError, Logs, Result

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def render(
    execution: Execution, workspace: Path, counters: Counters | None = None, **opts: int
) -> tuple[str, list[str]]:
    out = report(
        execution,
        code="pass",
        run_id="run-1",
        workspace=workspace,
        opts=CodeOptions(**opts),
        counters=counters or Counters(),
        timeout_s=60,
    )
    return out.text, out.artifacts


def test_cut_keeps_the_start_and_the_end() -> None:
    shown, was_cut = cut("a" * 100 + "b" * 100, 30)
    assert was_cut
    assert shown == "a" * 20 + "\n[... 170 characters cut ...]\n" + "b" * 10
    assert cut("short", 30) == ("short", False)


def test_terminal_colours_are_dropped() -> None:
    assert plain("\x1b[0;31mZeroDivisionError\x1b[0m: x\x1b]0;title\x07") == "ZeroDivisionError: x"


def test_a_coloured_ipython_traceback_is_readable(tmp_path: Path) -> None:
    # E2B's kernels return tracebacks like this one.
    error = ExecutionError(
        name="KeyError",
        value="'price'",
        traceback="\x1b[0;31m-----\x1b[0m\n\x1b[0;31mKeyError\x1b[0m: 'price'",
    )
    text, _ = render(Execution(error=error), tmp_path)
    assert text == "error: KeyError: 'price'\n-----\nKeyError: 'price'"


def test_a_long_traceback_keeps_its_last_lines(tmp_path: Path) -> None:
    frames = "".join(f'  File "x.py", line {i}, in f\n    f()\n' for i in range(100))
    tb = f"Traceback (most recent call last):\n{frames}RecursionError: too deep"
    text, artifacts = render(
        Execution(error=ExecutionError(name="RecursionError", value="too deep", traceback=tb)),
        tmp_path,
        traceback_lines=5,
    )
    lines = text.splitlines()
    assert lines[0] == "error: RecursionError: too deep"
    assert lines[1] == (
        "[traceback cut: 202 lines, the last 5 shown; full output in .agentcore/outputs/call-1.txt]"
    )
    assert lines[2:] == tb.splitlines()[-5:]
    assert artifacts == [".agentcore/outputs/call-1.txt"]
    assert tb in (tmp_path / ".agentcore/outputs/call-1.txt").read_text()


def test_an_error_without_a_traceback_is_one_line(tmp_path: Path) -> None:
    error = ExecutionError(name="WorkerDied", value="the interpreter died", traceback="")
    text, _ = render(Execution(error=error), tmp_path)
    assert text == "error: WorkerDied: the interpreter died"


def test_a_timeout_says_what_to_do(tmp_path: Path) -> None:
    tb = 'Traceback (most recent call last):\n  File "<cell-1>", line 1\nKeyboardInterrupt'
    error = ExecutionError(name="TimeoutError", value="exceeded 60 s", traceback=tb)
    text, _ = render(Execution(error=error), tmp_path, max_timeout_s=300)
    assert text == (
        f"error: TimeoutError: exceeded 60 s\n{tb}\nTimeoutError: exceeded 60 s\n"
        "The code ran past its time limit of 60 s and was stopped. Make it faster or run it on "
        "less data first, or pass a larger timeout_s (at most 300)."
    )


def test_results_charts_and_other_formats(tmp_path: Path) -> None:
    png = base64.b64encode(PNG).decode()
    execution = Execution(
        results=[
            Result(text="<Figure size 640x480 with 1 Axes>", png=png),
            Result(html="<table></table>"),
            Result(json={"a": 1}),
            Result(text="Text(0.5, 1.0, 't')", is_main_result=True),
        ]
    )
    text, artifacts = render(execution, tmp_path)

    assert text == (
        "display:\n[a html result, not shown]\n"
        'display:\n{"a": 1}\n'
        "result:\nText(0.5, 1.0, 't')\n"
        "chart saved: charts/chart-1.png"
    )
    assert artifacts == ["charts/chart-1.png"]
    assert (tmp_path / "charts/chart-1.png").read_bytes() == PNG


def test_numbers_skip_files_already_there(tmp_path: Path) -> None:
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts/chart-1.png").write_bytes(b"mine")
    counters = Counters()
    png = base64.b64encode(PNG).decode()

    text, _ = render(Execution(results=[Result(png=png), Result(png=png)]), tmp_path, counters)

    assert text == "chart saved: charts/chart-2.png\nchart saved: charts/chart-3.png"
    assert (tmp_path / "charts/chart-1.png").read_bytes() == b"mine"
    assert counters.chart == 4 and counters.call == 2


def test_a_link_planted_by_sandboxed_code_is_not_followed(tmp_path: Path) -> None:
    workspace, outside = tmp_path / "ws", tmp_path / "outside"
    workspace.mkdir()
    outside.mkdir()
    (workspace / "charts").symlink_to(outside)
    (workspace / ".agentcore").symlink_to(outside)
    png = base64.b64encode(PNG).decode()

    text, artifacts = render(
        Execution(results=[Result(png=png)], logs=Logs(stdout=["x" * 50]), error=None),
        workspace,
        max_stdout_chars=10,
    )

    assert list(outside.iterdir()) == []
    assert text.startswith("[a chart could not be saved: ")
    assert "the full output could not be saved: " in text
    assert artifacts == []


def test_write_numbered_refuses_a_link_in_place_of_the_file(tmp_path: Path) -> None:
    (tmp_path / "charts").mkdir()
    target = tmp_path / "victim"
    target.write_text("keep")
    (tmp_path / "charts/chart-1.png").symlink_to(target)

    path, n = write_numbered(tmp_path, "charts", "chart-{}.png", b"new")

    assert (path, n) == ("charts/chart-2.png", 2)
    assert target.read_text() == "keep"


@pytest.mark.parametrize("folder", ["../out", "a/../../out", "/abs"])
def test_write_numbered_stays_inside_the_root(tmp_path: Path, folder: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(OSError):
        write_numbered(root, folder, "f-{}.txt", b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root"]

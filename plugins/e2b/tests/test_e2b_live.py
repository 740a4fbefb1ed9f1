"""Against the real E2B cloud: run with E2B_API_KEY set (``pytest -m live plugins/e2b``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from agentcore_e2b import E2BSandbox

from agentcore.sandbox import Sandbox

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not os.environ.get("E2B_API_KEY"), reason="E2B_API_KEY is not set"),
]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "numbers.csv").write_text("n\n1\n2\n3\n")
    return ws


@pytest.fixture
def sbx(workspace: Path) -> Iterator[E2BSandbox]:
    with Sandbox.create(backend="e2b", timeout=300, workspace=workspace) as sandbox:
        assert isinstance(sandbox, E2BSandbox)
        yield sandbox


def test_state_survives_between_calls_and_the_workspace_is_there(sbx: E2BSandbox) -> None:
    sbx.run_code("import pandas as pd\ndf = pd.read_csv('numbers.csv')")

    assert sbx.run_code("int(df.n.sum())").text == "6"


def test_errors_come_back_in_the_execution(sbx: E2BSandbox) -> None:
    execution = sbx.run_code("1 / 0")

    assert execution.error is not None
    assert execution.error.name == "ZeroDivisionError"


def test_a_timeout_comes_back_and_the_next_call_works(sbx: E2BSandbox) -> None:
    execution = sbx.run_code("import time\nwhile True: time.sleep(0.1)", timeout=3)

    assert execution.error is not None
    assert execution.error.name == "TimeoutError"
    assert sbx.run_code("40 + 2").text == "42"


def test_a_matplotlib_figure_comes_back_as_png(sbx: E2BSandbox) -> None:
    execution = sbx.run_code("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()")

    assert any(r.png for r in execution.results)


def test_commands_files_and_pull(sbx: E2BSandbox, workspace: Path) -> None:
    failed = sbx.commands.run("echo out; echo err >&2; exit 3")
    assert (failed.exit_code, failed.stdout, failed.stderr) == (3, "out\n", "err\n")
    slow = sbx.commands.run("sleep 30", timeout=2)
    assert (slow.exit_code, slow.error) == (-9, "timed out after 2 s")

    sbx.run_code("open('result.txt', 'w').write('done')")

    assert sbx.files.read("result.txt") == "done"
    assert "result.txt" in {e.name for e in sbx.files.list()}
    assert sbx.pull_workspace() == [workspace / "result.txt"]
    assert (workspace / "result.txt").read_text() == "done"

"""The conformance suite every sandbox backend runs.

Subclass :class:`SandboxConformance` in a test module and provide a ``sandbox_factory``
fixture: a callable that takes an optional workspace directory and returns a started
``Sandbox``. Every test then runs against your backend::

    import pytest
    from agentcore.sandbox import Sandbox
    from agentcore.testing.sandbox_conformance import SandboxConformance

    class TestMyBackend(SandboxConformance):
        @pytest.fixture
        def sandbox_factory(self):
            return lambda workspace=None: Sandbox.create(backend="mine", workspace=workspace)
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agentcore.errors import SandboxError, UserError
from agentcore.sandbox import ExecutionError, OutputMessage, Result, Sandbox

SandboxFactory = Callable[..., Sandbox]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class SandboxConformance:
    """What every backend must do; see the module docstring for how to run it."""

    #: Whether the workspace is a host directory the sandbox reads and writes in place (the
    #: local backends). A remote backend that copies files in sets this to False.
    workspace_is_shared = True

    @pytest.fixture
    def sandbox(self, sandbox_factory: SandboxFactory) -> Iterator[Sandbox]:
        """A fresh sandbox per test, killed afterwards."""
        sbx = sandbox_factory()
        try:
            yield sbx
        finally:
            sbx.kill()

    # --- code -------------------------------------------------------------------------------

    def test_print_goes_to_stdout(self, sandbox: Sandbox) -> None:
        """print() output is in logs.stdout; nothing raised."""
        execution = sandbox.run_code("print('hello')")
        assert "".join(execution.logs.stdout) == "hello\n"
        assert execution.error is None

    def test_state_persists_between_calls(self, sandbox: Sandbox) -> None:
        """Variables, imports and functions survive in the context."""
        sandbox.run_code("import math\nx = 20\ndef f(y):\n    return x + y")
        assert sandbox.run_code("f(1) + math.floor(1.5)").text == "22"

    def test_last_expression_is_the_main_result(self, sandbox: Sandbox) -> None:
        """The value of a final expression comes back as the main result."""
        execution = sandbox.run_code("a = [1, 2]\na + [3]")
        main = [r for r in execution.results if r.is_main_result]
        assert len(main) == 1 and main[0].text == "[1, 2, 3]"
        assert sandbox.run_code("x = 1").results == []

    def test_user_exceptions_are_returned_not_raised(self, sandbox: Sandbox) -> None:
        """An exception in user code is Execution.error, with a traceback."""
        execution = sandbox.run_code("print('before')\n1 / 0")
        assert execution.error is not None
        assert execution.error.name == "ZeroDivisionError"
        assert "division by zero" in execution.error.value
        assert "ZeroDivisionError" in execution.error.traceback
        assert "".join(execution.logs.stdout) == "before\n"
        assert sandbox.run_code("2 + 2").text == "4"  # the context still works

    def test_syntax_errors_are_returned(self, sandbox: Sandbox) -> None:
        """Code that does not compile is an error, not a crash."""
        execution = sandbox.run_code("def broken(:\n    pass")
        assert execution.error is not None and execution.error.name == "SyntaxError"

    def test_execution_count_increments(self, sandbox: Sandbox) -> None:
        """Each execution in a context gets the next number."""
        first = sandbox.run_code("1").execution_count
        second = sandbox.run_code("2").execution_count
        assert first is not None and second == first + 1

    def test_output_is_streamed_to_callbacks(self, sandbox: Sandbox) -> None:
        """on_stdout / on_stderr receive the output; on_result and on_error are called."""
        out: list[OutputMessage] = []
        err: list[OutputMessage] = []
        results: list[Result] = []
        errors: list[ExecutionError] = []
        sandbox.run_code(
            "import sys\nprint('a')\nprint('b', file=sys.stderr)\n42",
            on_stdout=out.append,
            on_stderr=err.append,
            on_result=results.append,
        )
        assert "".join(m.line for m in out) == "a\n"
        assert "".join(m.line for m in err) == "b\n" and all(m.error for m in err)
        assert [r.text for r in results] == ["42"]
        sandbox.run_code("raise ValueError('nope')", on_error=errors.append)
        assert [e.name for e in errors] == ["ValueError"]

    def test_matplotlib_figures_come_back_as_png(self, sandbox: Sandbox) -> None:
        """An open matplotlib figure becomes a PNG result."""
        probe = sandbox.run_code("import importlib.util as u; u.find_spec('matplotlib') is None")
        if probe.text == "True":
            pytest.skip("matplotlib is not installed in this sandbox")
        execution = sandbox.run_code(
            "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [3, 1, 2])\nplt.title('t')"
        )
        pngs = [r.png for r in execution.results if r.png]
        assert len(pngs) == 1
        assert base64.b64decode(pngs[0]).startswith(PNG_MAGIC)

    def test_envs_apply_to_one_execution(self, sandbox: Sandbox) -> None:
        """Per-execution envs are visible to that execution."""
        code = "import os; os.environ.get('AGENTCORE_PROBE')"
        assert sandbox.run_code(code, envs={"AGENTCORE_PROBE": "yes"}).text == "'yes'"

    def test_unsupported_language_is_a_user_error(self, sandbox: Sandbox) -> None:
        """Only Python is supported; anything else is the caller's mistake."""
        with pytest.raises(UserError):
            sandbox.run_code("console.log(1)", language="javascript")

    # --- contexts ---------------------------------------------------------------------------

    def test_contexts_are_isolated(self, sandbox: Sandbox) -> None:
        """Two contexts do not share variables."""
        other = sandbox.create_code_context()
        sandbox.run_code("secret = 1")
        execution = sandbox.run_code("secret", context=other)
        assert execution.error is not None and execution.error.name == "NameError"
        assert other in sandbox.list_code_contexts()

    def test_restart_clears_a_context_and_remove_forgets_it(self, sandbox: Sandbox) -> None:
        """restart_code_context empties a context; remove_code_context deletes it."""
        ctx = sandbox.create_code_context()
        sandbox.run_code("v = 5", context=ctx)
        sandbox.restart_code_context(ctx)
        assert sandbox.run_code("'v' in globals()", context=ctx).text == "False"
        sandbox.remove_code_context(ctx)
        assert ctx not in sandbox.list_code_contexts()
        with pytest.raises(SandboxError):
            sandbox.run_code("1", context=ctx)

    def test_timeout_returns_an_error_and_the_sandbox_recovers(self, sandbox: Sandbox) -> None:
        """Code past its time limit ends with TimeoutError; the next call works."""
        execution = sandbox.run_code("while True:\n    pass", timeout=1.0)
        assert execution.error is not None and execution.error.name == "TimeoutError"
        assert sandbox.run_code("'alive'").text == "'alive'"

    # --- files and commands -----------------------------------------------------------------

    def test_files_round_trip(self, sandbox: Sandbox) -> None:
        """files.write/read/exists/list/remove, text and bytes."""
        sandbox.files.write("notes/a.txt", "héllo")
        sandbox.files.write("notes/b.bin", b"\x00\x01\x02")
        assert sandbox.files.read("notes/a.txt") == "héllo"
        assert sandbox.files.read("notes/b.bin", format="bytes") == b"\x00\x01\x02"
        assert sandbox.files.exists("notes/a.txt")
        names = {(e.name, e.type, e.size) for e in sandbox.files.list("notes")}
        assert names == {("a.txt", "file", 6), ("b.bin", "file", 3)}
        sandbox.files.remove("notes/a.txt")
        assert not sandbox.files.exists("notes/a.txt")

    def test_code_and_files_share_the_working_directory(self, sandbox: Sandbox) -> None:
        """A file written by code is readable through files, and the reverse."""
        sandbox.run_code("open('from_code.txt', 'w').write('1')")
        assert sandbox.files.read("from_code.txt") == "1"
        sandbox.files.write("from_files.txt", "2")
        assert sandbox.run_code("open('from_files.txt').read()").text == "'2'"

    def test_commands_run(self, sandbox: Sandbox) -> None:
        """commands.run returns stdout, stderr and the exit code; a timeout is reported."""
        ok = sandbox.commands.run("echo out; echo err >&2")
        assert (ok.stdout, ok.stderr, ok.exit_code) == ("out\n", "err\n", 0)
        assert sandbox.commands.run("exit 3").exit_code == 3
        slow = sandbox.commands.run("sleep 30", timeout=1.0)
        assert slow.exit_code != 0 and slow.error

    # --- lifetime ---------------------------------------------------------------------------

    def test_kill_stops_the_sandbox(self, sandbox_factory: SandboxFactory) -> None:
        """After kill, the sandbox reports it and refuses work; kill twice is fine."""
        sbx = sandbox_factory()
        sbx.run_code("1")
        sbx.kill()
        sbx.kill()
        assert not sbx.is_running()
        with pytest.raises(SandboxError):
            sbx.run_code("1")

    def test_context_manager_kills_on_exit(self, sandbox_factory: SandboxFactory) -> None:
        """``with`` kills the sandbox at the end of the block."""
        with sandbox_factory() as sbx:
            assert sbx.run_code("3").text == "3"
        assert not sbx.is_running()

    def test_set_timeout_kills_later(self, sandbox_factory: SandboxFactory) -> None:
        """set_timeout ends the sandbox's life that many seconds from now."""
        sbx = sandbox_factory()
        try:
            sbx.set_timeout(0.5)
            deadline = time.monotonic() + 30
            while sbx.is_running() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not sbx.is_running()
        finally:
            sbx.kill()

    def test_given_workspace_is_the_working_directory(
        self, sandbox_factory: SandboxFactory, tmp_path: Path
    ) -> None:
        """Files in the workspace are visible to code, and code's files land there."""
        if not self.workspace_is_shared:
            pytest.skip("this backend copies the workspace in; it does not share it")
        (tmp_path / "input.csv").write_text("a,b\n1,2\n")
        with sandbox_factory(workspace=tmp_path) as sbx:
            assert sbx.run_code("open('input.csv').read()").text == "'a,b\\n1,2\\n'"
            sbx.run_code("open('output.txt', 'w').write('done')")
        assert (tmp_path / "output.txt").read_text() == "done"

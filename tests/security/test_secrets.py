"""No secret reaches a file: the demo, a run, a batch and evals with planted keys, then every
file written is searched for the keys' values.

The keys are planted in the environment (the providers' own variables and any ``*_KEY``,
``*_TOKEN``, ``*_SECRET``), then also made to show up where a leak would come from: in task
texts and an eval case's input (so in prompts, plans, answers and checkpoints), in a note the
agent remembers, and in a ``run_python`` that prints its environment (the sandbox must not pass
the host's). Searched: every file under the data dir, the output folders and the workspaces,
the commands' stdout and stderr (JSON logs at debug level), SQLite databases and their WAL as
raw bytes, gzip files decompressed.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

PLANTED = {
    "OPENAI_API_KEY": "sk-PLANTEDopenaiQ7x9v2m4n6b8c0z1",
    "ANTHROPIC_API_KEY": "sk-ant-PLANTEDanthropicR3t5y7u9",
    "TAVILY_API_KEY": "tvly-PLANTEDtavilyK2j4h6g8f0d1",
    "E2B_API_KEY": "e2b_PLANTEDe2bW1q3e5r7t9y2u4i6",
    "MY_SERVICE_KEY": "planted-service-c4f1e9b27a",
    "SOME_TOKEN": "planted-token-77aa21fe90",
    "X_SECRET": "planted-xsecret-d00d5e1337",
    "DB_PASSWORD": "planted-password-5150aa",
}

# The coder runs code that prints its environment, remembers a note quoting the task, thinks
# about it, and answers with it; synthesis answers with the task.
SCRIPT = """\
name: leaky
repeat_last: true
agents:
  planner:
    - tool_calls:
        - name: submit_plan
          args: {steps: [{id: s1, agent: coder, instruction: "do this: {task}"}]}
  coder:
    - tool_calls:
        - name: run_python
          args:
            code: |
              import os
              print(dict(os.environ))
              print(os.environ.get("OPENAI_API_KEY"), os.environ.get("X_SECRET"))
              print(open("/proc/self/environ", "rb").read())
    - tool_calls:
        - name: remember
          args: {text: "the task was: {task}"}
        - name: think
          args: {thought: "how to do {task}"}
    - tool_calls:
        - name: write_file
          args: {path: notes.md, content: "notes on the task"}
    - "done with {task}"
  synthesis:
    - "answer: {task}"
"""


def _tasks() -> str:
    p = PLANTED
    return textwrap.dedent(
        f"""\
        - id: keys-in-task
          task: "call the API with {p["MY_SERVICE_KEY"]} and {p["OPENAI_API_KEY"]}"
          metadata: {{note: "token {p["SOME_TOKEN"]}"}}
        - id: more-keys
          task: "use {p["X_SECRET"]}, {p["ANTHROPIC_API_KEY"]} and {p["DB_PASSWORD"]}"
        """
    )


def _suite() -> str:
    p = PLANTED
    return textwrap.dedent(
        f"""\
        name: leaky-suite
        description: keys in the cases' inputs
        scorers: [contains]
        cases:
          - id: k1
            input: "use the key {p["MY_SERVICE_KEY"]} and {p["TAVILY_API_KEY"]}"
            expected: "answer"
          - id: k2
            input: "token {p["SOME_TOKEN"]}, secret {p["X_SECRET"]}, {p["E2B_API_KEY"]}"
            expected: "answer"
        """
    )


class Commands:
    """Runs ``agentcore`` in a subprocess from ``work`` and keeps its output as log files."""

    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.work = work
        self.env = env
        self.logs = work / "logs"
        self.logs.mkdir()
        self.count = 0

    def __call__(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "agentcore.cli", "--log-level", "debug", *args],
            cwd=self.work,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        self.count += 1
        name = f"{self.count:02d}-{args[0]}"
        (self.logs / f"{name}.stdout").write_text(proc.stdout, encoding="utf-8")
        (self.logs / f"{name}.stderr").write_text(proc.stderr, encoding="utf-8")
        return proc


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Path]:
    """A working folder (the commands' cwd) whose agentcore.toml keeps web search local."""
    work = tmp_path / "work"
    work.mkdir()
    # With TAVILY_API_KEY set, web_search would search the real web.
    (work / "agentcore.toml").write_text('[plugins.search]\nbackend = "local"\n')
    yield work


@pytest.fixture
def commands(work: Path, tmp_path: Path) -> Commands:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTCORE_")}
    env.update(PLANTED)
    env["AGENTCORE_DATA_DIR"] = str(work / "data")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    env["AGENTCORE_LOG_FORMAT"] = "json"
    return Commands(work, env)


def file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data


def leaks(root: Path, skip: frozenset[Path] = frozenset()) -> dict[str, list[str]]:
    """``{relative file: [names of the planted variables whose value it holds]}``."""
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path in skip:
            continue
        data = file_bytes(path)
        names = [name for name, value in PLANTED.items() if value.encode() in data]
        if names:
            found[str(path.relative_to(root))] = names
    return found


@pytest.mark.timeout(600)  # a dozen commands, each a fresh process
def test_no_planted_secret_in_any_file_written(
    commands: Commands, work: Path, tmp_path: Path
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    script = inputs / "leaky.yaml"
    script.write_text(SCRIPT)
    tasks = inputs / "tasks.yaml"
    tasks.write_text(_tasks())
    suite = inputs / "suite.yaml"
    suite.write_text(_suite())
    model = f"scripted:{script}"

    demo = commands("demo")
    assert demo.returncode == 0, demo.stderr

    run = commands("run", "--json", f"deploy with {PLANTED['X_SECRET']}", "--model", model)
    assert run.returncode == 0, run.stderr
    assert '"status": "completed"' in run.stdout
    assert "***" in run.stdout  # the answer quoted the task, redacted

    batch = commands("batch", str(tasks), "--model", model, "--out", str(work / "out/r.jsonl"))
    assert batch.returncode == 0, batch.stderr
    assert (work / "out/r.jsonl").read_text().count('"status": "completed"') == 2

    cassette = work / "evals-recorded/cassette.jsonl.gz"
    recorded = commands(
        "eval", "run", str(suite), "-m", model, "--record", str(cassette),
        "--out", str(work / "evals-recorded"),
    )  # fmt: skip
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert cassette.is_file()

    # The bundled routing suite on its cassette. Without the Tavily key: with it, web_search
    # would answer from another backend than the recording and the replay would diverge.
    no_tavily = {k: v for k, v in commands.env.items() if k != "TAVILY_API_KEY"}
    routing = commands("eval", "run", "routing", "--offline", "--out", "evals", env=no_tavily)
    assert routing.returncode == 0, routing.stdout + routing.stderr

    logs = sorted((work / "evals-recorded").glob("*.jsonl")) + sorted(
        (work / "evals").glob("*.jsonl")
    )
    assert len(logs) == 2
    for i, log in enumerate(logs):
        report = commands("eval", "report", str(log), "--html", str(work / f"reports/{i}.html"))
        assert report.returncode == 0, report.stderr
        assert (work / f"reports/{i}.html").stat().st_size > 1000

    # The runs really put the keys where a leak would come from.
    data = work / "data"
    assert (data / "checkpoints.sqlite").is_file()
    assert list((data / "memory").rglob("*.lance")), "the remembered note was stored"
    traces = list((data / "runs").glob("*.jsonl"))
    assert len(traces) >= 4  # demo, run, 2 batch tasks
    assert any(b"***" in t.read_bytes() for t in traces)
    assert list((work / "evals-recorded").rglob("checkpoints.sqlite"))
    assert list(data.glob("workspaces/*/notes.md"))
    env_dump = [t for t in traces if b"dict(os.environ)" in t.read_bytes()]
    assert len(env_dump) == 3 and all(b"'PATH'" in t.read_bytes() for t in env_dump)

    assert leaks(tmp_path, skip=frozenset({script, tasks, suite})) == {}


def test_the_search_finds_a_planted_value(tmp_path: Path) -> None:
    # The check above could not fail if the search could not find anything.
    (tmp_path / "a.txt").write_text(f"x {PLANTED['SOME_TOKEN']} y")
    (tmp_path / "b.gz").write_bytes(gzip.compress(PLANTED["X_SECRET"].encode()))
    (tmp_path / "c.sqlite").write_bytes(b"\x00\x13" + PLANTED["OPENAI_API_KEY"].encode())
    (tmp_path / "d.txt").write_text("nothing here")
    assert leaks(tmp_path) == {
        "a.txt": ["SOME_TOKEN"],
        "b.gz": ["X_SECRET"],
        "c.sqlite": ["OPENAI_API_KEY"],
    }

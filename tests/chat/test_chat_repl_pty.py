"""The real ``agentcore chat`` in a pseudo-terminal, driven the way a person uses it.

Each test starts ``python -m agentcore.cli chat`` under pexpect on scripted models, types, and
reads the screen (escapes stripped). Nothing here asserts on time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chat_helpers import SCRIPTS
from chat_term import PROMPT, SpawnChat

pytestmark = pytest.mark.timeout(600)


def test_banner_says_model_keys_and_help_then_ctrl_d_exits(chat: SpawnChat) -> None:
    term = chat("--model", "scripted:echo")
    banner = term.expect(r"agentcore chat · model scripted:echo · (\d+) agents · (\d+) tools")
    assert int(banner.group(1)) >= 4
    term.expect_text("Enter sends")
    term.expect_text("Alt-Enter")
    term.expect_text("/help")
    term.prompt()
    term.ctrl("d")
    term.expect_text("bye · 0 turn(s)")
    assert term.wait_exit() == 0


def test_a_task_streams_events_and_the_answer(chat: SpawnChat, tmp_data_dir: Path) -> None:
    term = chat("--model", "scripted:hello")
    term.prompt()
    out = term.command("Say hello")
    # live events: the plan, which agent works, each tool call with its arguments, results
    assert "plan: 2 step(s)" in out
    assert "▶ researcher [s1]" in out
    assert "↳ researcher calls think(" in out
    assert "What does 'Say hello' need?" in out
    assert "← think: " in out
    assert "✓ coder [s2] done" in out
    assert "writing the answer" in out  # the status line while answer tokens stream in
    # the final answer, then the turn's status, usage and cost
    assert "Hello from a scripted run" in out
    usage = [line for line in out.splitlines() if line.startswith("completed · ")]
    assert usage, out
    assert " tokens · $0.0000 · run " in usage[-1]
    run_id = usage[-1].rsplit("run ", 1)[1].split()[0]
    assert (tmp_data_dir / "runs" / f"{run_id}.jsonl").is_file()
    term.ctrl("d")
    assert term.wait_exit() == 0


def test_a_follow_up_turn_carries_the_earlier_turn_to_the_model(
    chat: SpawnChat, plugin_env: dict[str, str]
) -> None:
    term = chat("--model", "mirror:any", env=plugin_env)
    term.prompt()
    first = term.command("my name is PELICAN")
    assert "[my name is PELICAN] earlier: none" in first
    second = term.command("what is my name?")
    # the mirror model answers with what preceded the task in its prompt: the earlier turn
    assert "[what is my name?] earlier:" in second
    assert "my name is PELICAN" in second.split("[what is my name?] earlier:", 1)[1]
    term.command("/reset")
    third = term.command("who am I?")
    assert "[who am I?] earlier: none" in third
    history = term.command("/history")
    assert "my name is PELICAN" in history and "who am I?" in history
    term.ctrl("d")
    assert term.wait_exit() == 0


def test_slash_commands_and_bad_input(chat: SpawnChat) -> None:
    term = chat("--model", "scripted:echo")
    term.prompt()
    out = term.command("/help")
    for name in ("/agents", "/tools", "/model", "/limits", "/memory", "/history", "/reset"):
        assert name in out
    for name in ("/save", "/load", "/runs", "/approvals", "/quit"):
        assert name in out
    assert "/memory [search QUERY | list | stats]" in out

    out = term.command("/agents")
    for agent in ("planner", "researcher", "coder", "ml_specialist"):
        assert agent in out
    out = term.command("/agents coder")
    assert "coder (worker)" in out and "write_file" in out

    out = term.command("/tools")
    assert "write_file" in out and "run_python" in out and "executes_code" in out
    out = term.command("/tools run_python")
    assert "risk: executes_code" in out

    out = term.command("/hepl")
    assert "unknown command '/hepl'" in out and "did you mean /help?" in out
    out = term.command("/agents reseacher")
    assert "unknown agent 'reseacher'" in out and "did you mean researcher?" in out
    out = term.command("/tools wirte_file")
    assert "unknown tool 'wirte_file'" in out and "write_file" in out
    out = term.command("/limits max_stpes=3")
    assert "unknown limit 'max_stpes'" in out and "max_steps" in out
    out = term.command("/limits max_steps=0")
    assert "max_steps must be greater than 0" in out
    out = term.command("/model nosuch:thing")
    assert "error:" in out and "nosuch" in out

    # the session is still alive and works after all that
    out = term.command("still here?")
    assert "still here?" in out and "completed · " in out
    term.send_line("/quit")
    term.expect_text("bye · 1 turn(s)")
    assert term.wait_exit() == 0


def test_tab_completes_commands_and_agent_names(chat: SpawnChat) -> None:
    term = chat("--model", "scripted:echo")
    term.prompt()
    # Wait for each echo before Tab, as a person does: a Tab typed in the same instant as the
    # text can race prompt_toolkit's completion-while-typing.
    term.child.send("/agen")
    term.expect_text("/agents")  # the menu of commands shows while a command is typed
    term.child.send("\t")
    term.expect_text("ts")
    term.child.send(" resea")
    term.expect_text("resea")
    term.child.send("\t")
    term.expect_text("rcher")
    term.send_line("")
    term.expect_text("researcher (worker)")
    term.prompt()
    term.ctrl("d")
    assert term.wait_exit() == 0


def test_alt_enter_adds_a_line_and_enter_sends(chat: SpawnChat, work_dir: Path) -> None:
    term = chat("--model", "scripted:echo")
    term.prompt()
    term.child.send("first line")
    term.child.send("\x1b\r")  # Alt-Enter (Esc, Enter): a new line, not sent yet
    term.child.send("second line\r")
    term.expect_text("completed · ")
    term.prompt()
    term.send_line("/save " + "session.json")
    term.expect_text("session saved to")
    term.prompt()
    term.ctrl("d")
    assert term.wait_exit() == 0
    saved = json.loads((work_dir / "session.json").read_text())
    assert saved["turns"][0]["task"] == "first line\nsecond line"
    assert saved["turns"][0]["answer"] == "first line\nsecond line"


def test_ctrl_c_cancels_a_slow_run_and_the_session_goes_on(
    chat: SpawnChat, tmp_data_dir: Path
) -> None:
    term = chat("--model", f"scripted:{SCRIPTS / 'slow.yaml'}")
    term.prompt()
    term.send_line("think slowly")
    run = term.expect(r"run (\S+) started")
    term.expect_text("▶ researcher [s1]")  # the researcher's reply takes 30 s
    term.ctrl("c")
    term.expect(r"cancelled · run \S+ keeps its checkpoint: /resume")
    term.prompt()
    run_id = run.group(1)
    trace = [json.loads(line) for line in (tmp_data_dir / "runs" / f"{run_id}.jsonl").open()]
    assert trace[-1]["type"] == "run_end" and trace[-1]["status"] == "cancelled"
    out = term.command("/history")
    assert "think slowly" in out and "cancelled" in out
    out = term.command("/runs")
    assert f"{run_id} *" in out and "cancelled" in out
    # a second task in the same session works (and the first, cancelled one is not its context)
    term.send_line("/model scripted:echo")
    term.prompt()
    out = term.command("and now quickly")
    assert "and now quickly" in out and "completed · " in out
    term.ctrl("d")
    assert term.wait_exit() == 0


def test_ctrl_c_clears_a_line_warns_then_exits_at_an_empty_prompt(chat: SpawnChat) -> None:
    term = chat("--model", "scripted:echo")
    term.prompt()
    term.child.send("half a thought")
    term.expect_text("half a thought")
    term.ctrl("c")  # clears the line, without a warning
    out = term.command("/history")  # typed on the cleared line: a command, not text appended
    assert "no turns yet" in out
    assert "press Ctrl-C again" not in term.text
    term.ctrl("c")
    term.expect_text("press Ctrl-C again or Ctrl-D to quit")
    term.prompt()
    term.ctrl("c")
    term.expect_text("bye")
    assert term.wait_exit() == 0


def test_approvals_inline_yes_no_and_always(
    chat: SpawnChat, work_dir: Path, tmp_data_dir: Path
) -> None:
    (work_dir / "agentcore.toml").write_text('[approvals.tools]\nwrite_file = "always"\n')
    term = chat("--model", f"scripted:{SCRIPTS / 'approve.yaml'}")
    term.prompt()

    term.send_line("write the files")
    term.expect_text('coder [s1] wants to run write_file(path="first.txt", content="one")')
    term.expect_text("Allow write_file? [y]es / [n]o / [a]lways for this session")
    term.send_line("y")
    term.expect_text("✓ write_file: approved")
    term.expect_text('wants to run write_file(path="second.txt"')
    term.send_line("n")
    term.expect_text("✗ write_file: not approved")
    term.expect(r"completed · .* · run (\S+)")
    term.prompt()
    workspaces = tmp_data_dir / "workspaces"
    assert len(list(workspaces.glob("*/first.txt"))) == 1
    assert list(workspaces.glob("*/second.txt")) == []

    # "always": asked once, then never again this session
    start = len(term.text)
    term.send_line("write them again")
    term.expect_text('wants to run write_file(path="first.txt"')
    term.send_line("a")
    term.expect_text("✓ write_file: approved (always, this session)")
    term.expect_text("completed · ")
    term.prompt()
    turn = term.text[start:]
    # (prompt_toolkit redraws the question as it is answered: count the requests instead)
    assert turn.count("wants to run write_file") == 1
    assert turn.count("▶ coder [s1]") == 1  # the step resumed after the answer: shown once
    assert len(list(workspaces.glob("*/second.txt"))) == 1

    out = term.command("and a third time")
    assert "wants to run" not in out and "completed · " in out
    out = term.command("/approvals")
    assert "write_file" in out
    out = term.command("/approvals reset")
    assert "1 tool(s) will ask again" in out
    term.send_line("once more")
    term.expect_text("Allow write_file?")
    term.ctrl("d")  # end of input at the question: a "no", never a silent yes
    term.expect_text("not approved")
    term.expect_text("Allow write_file?")
    term.send_line("n")
    term.expect_text("completed · ")
    term.prompt()
    term.ctrl("d")
    assert term.wait_exit() == 0


def test_resume_continues_a_cancelled_run_then_keeps_chatting(
    chat: SpawnChat, tmp_data_dir: Path
) -> None:
    script = SCRIPTS / "pause.yaml"
    term = chat("--model", f"scripted:{script}")
    term.prompt()
    term.send_line("take your time")
    run_id = term.expect(r"run (\S+) started").group(1)
    term.expect_text("▶ researcher [s1]")  # its reply takes 10 s
    term.ctrl("c")
    term.expect_text("cancelled")
    term.prompt()
    term.ctrl("d")
    assert term.wait_exit() == 0

    # no --model: the resumed run's model is the chat's model afterwards
    term = chat("--resume", run_id)
    term.expect_text("model (from the run)")
    term.expect_text("▶ researcher [s1]")
    term.expect_text("Slow answer to: take your time")
    term.expect(rf"completed · .* · run {run_id}")
    term.prompt()
    out = term.command("/model")
    assert f"model: scripted:{script}" in out
    out = term.command("/history")
    assert "take your time" in out and "completed" in out
    term.ctrl("d")
    assert term.wait_exit() == 0


def test_a_bad_model_fails_before_the_chat_starts(chat: SpawnChat) -> None:
    term = chat("--model", "nosuch:model")
    term.expect_text("error:")
    assert PROMPT not in term.text
    assert term.wait_exit() == 2


def test_ctrl_c_at_an_approval_question_cancels_and_resume_asks_again(
    chat: SpawnChat, work_dir: Path, tmp_data_dir: Path, plugin_env: dict[str, str]
) -> None:
    (work_dir / "agentcore.toml").write_text('[approvals.tools]\nwrite_file = "always"\n')
    term = chat("--model", "writer:any", env=plugin_env)
    term.prompt()
    term.send_line("write the file")
    run_id = term.expect(r"run (\S+) started").group(1)
    term.expect_text("Allow write_file?")
    term.ctrl("c")
    term.expect_text(f"cancelled · run {run_id} keeps its checkpoint")
    term.prompt()
    assert list((tmp_data_dir / "workspaces").glob("*/first.txt")) == []
    # the question waits in the checkpoint: resuming the run asks it again
    term.send_line(f"/resume {run_id}")
    term.expect_text('wants to run write_file(path="first.txt"')
    term.send_line("y")
    term.expect_text("✓ write_file: approved")
    term.expect(rf"completed · .* · run {run_id}")
    term.prompt()
    assert len(list((tmp_data_dir / "workspaces").glob("*/first.txt"))) == 1
    out = term.command("/history")
    assert "cancelled" in out and "completed" in out
    term.ctrl("d")
    assert term.wait_exit() == 0

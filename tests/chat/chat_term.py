"""Drive the real ``agentcore chat`` in a pseudo-terminal, as a person does.

:class:`ChatTerm` reads what the REPL writes, strips terminal escapes (prompt_toolkit and rich
draw with cursor moves and colours), and waits for text on that plain transcript. Timeouts are
generous: the machines running these tests are small and noisy; nothing asserts on time.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pexpect

PROMPT = "\u276f"
TIMEOUT = 120.0
_ANSI = re.compile(
    r"\x1b\[[0-9;?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, modes
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: titles, hyperlinks
    r"|\x1b[()][0-9A-Za-z]"  # charset selection
    r"|\x1b[=>78DEHM]"  # keypad modes, save/restore cursor, ...
    r"|[\x08\r]"
)


def plain(text: str) -> str:
    """``text`` without terminal escapes, backspaces and carriage returns."""
    return _ANSI.sub("", text)


class ChatTerm:
    """One ``agentcore chat`` process in a pty, and the plain text it has written so far.

    ``expect`` searches from the end of the previous match, so a test reads the session in
    order; ``seen`` is everything since a mark.
    """

    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child
        self.raw = ""
        self.pos = 0

    @property
    def text(self) -> str:
        return plain(self.raw)

    def _pump(self, wait: float) -> bool:
        """Read what is there; False at end of output."""
        try:
            self.raw += self.child.read_nonblocking(65536, timeout=wait)
        except pexpect.TIMEOUT:
            pass
        except pexpect.EOF:
            return False
        return True

    def expect(self, pattern: str, timeout: float = TIMEOUT) -> re.Match[str]:
        """Wait until ``pattern`` (a regex) appears after the previous match; return the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        alive = True
        while True:
            match = rx.search(self.text, self.pos)
            if match:
                self.pos = match.end()
                return match
            if not alive or time.monotonic() > deadline:
                what = "the process ended" if not alive else f"{timeout:.0f}s passed"
                raise AssertionError(
                    f"{what} before {pattern!r} appeared; the screen since the last match:\n"
                    f"{self.text[self.pos :][-4000:]}"
                )
            alive = self._pump(0.2)

    def expect_text(self, text: str, timeout: float = TIMEOUT) -> re.Match[str]:
        return self.expect(re.escape(text), timeout)

    def prompt(self, timeout: float = TIMEOUT) -> None:
        """Wait for an idle prompt: the prompt sign is the last thing on the screen."""
        self.expect(PROMPT + r"\s*\Z", timeout)

    def send_line(self, text: str) -> None:
        """Type ``text`` and press Enter (a terminal sends CR)."""
        self.child.send(text + "\r")

    def command(self, text: str, timeout: float = TIMEOUT) -> str:
        """Send a line at an idle prompt; return what was written until the next idle prompt."""
        start = len(self.text)
        self.send_line(text)
        self.prompt(timeout)
        return self.text[start : self.pos]

    def ctrl(self, key: str) -> None:
        self.child.sendcontrol(key)

    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        """Wait for the process to end; return its exit status."""
        deadline = time.monotonic() + timeout
        while self._pump(0.2):
            if time.monotonic() > deadline:
                raise AssertionError(f"the chat did not exit:\n{self.text[-3000:]}")
        self.child.close()
        assert self.child.exitstatus is not None, f"killed by signal {self.child.signalstatus}"
        return int(self.child.exitstatus)

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)


SpawnChat = Callable[..., ChatTerm]
"""The ``chat`` fixture: start ``agentcore chat ARGS...`` with an optional ``env=`` addition."""


def chat_env(data_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a chat under test: hermetic dirs, a known terminal, no keys."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AGENTCORE_") and not k.endswith("_API_KEY")
    }
    env.update(
        AGENTCORE_DATA_DIR=str(data_dir),
        TERM="xterm-256color",
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        # pexpect is not a terminal that answers cursor-position requests
        PROMPT_TOOLKIT_NO_CPR="1",
        COLUMNS="120",
        LINES="40",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def spawn_chat(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    dimensions: tuple[int, int] = (40, 120),
) -> ChatTerm:
    """Start ``python -m agentcore.cli chat ARGS...`` in a pty."""
    child = pexpect.spawn(
        sys.executable,
        ["-m", "agentcore.cli", "chat", *args],
        cwd=str(cwd),
        env=dict(env),
        encoding="utf-8",
        codec_errors="replace",
        dimensions=dimensions,
        timeout=TIMEOUT,
    )
    return ChatTerm(child)

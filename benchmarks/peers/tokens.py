"""Prompt tokens of the recorded model requests, counted with tiktoken's o200k_base.

tiktoken downloads its encodings at first use, which this machine cannot do. litellm's wheel
on PyPI bundles them under ``litellm/litellm_core_utils/tokenizers/``, in files named as
tiktoken's cache names them (the sha1 of the encoding's URL). :func:`prepare_cache` installs
that wheel (``--no-deps``: only its files, nothing of it is imported or run) into a venv under
``benchmarks/peers/.venvs/`` and copies the two encodings into a cache directory that
``TIKTOKEN_CACHE_DIR`` then points at. tiktoken checks each file's sha256 when it loads it.

Counting (the same for every framework), per request::

    3 + sum over messages of (3 + tokens(content)
                              + sum over tool calls of tokens(name) + tokens(arguments))

— OpenAI's published rule of thumb for chat formatting — and, separately, the tool schemas
sent with the request as ``tokens(json.dumps(tools))``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENCODING = "o200k_base"
LITELLM = "litellm==1.109.1"
# tiktoken's cache file names: sha1 of the blob URL of each encoding.
CACHE_FILES = {
    "o200k_base": "fb374d419588a4632f3f557e76b4b70aebbca790",
    "cl100k_base": "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
}
PER_REQUEST = 3
PER_MESSAGE = 3

Encode = Callable[[str], int]


def prepare_cache(venvs: Path, uv: str, python: str = "python3") -> Path:
    """A tiktoken cache dir holding o200k_base and cl100k_base, from the litellm wheel."""
    cache = venvs / "tiktoken_cache"
    if all((cache / name).is_file() for name in CACHE_FILES.values()):
        return cache
    venv = venvs / "_litellm_wheel"
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    if not (venv / "bin" / "python").exists():
        subprocess.run([uv, "venv", str(venv), "--python", python, "-q"], check=True, env=env)
    pyexe = str(venv / "bin" / "python")
    cmd = [uv, "pip", "install", "-q", "--python", pyexe, "--no-deps", LITELLM]
    subprocess.run(cmd, check=True, env=env)
    found = list(venv.glob("lib/python*/site-packages/litellm/litellm_core_utils/tokenizers"))
    if not found:
        raise RuntimeError(f"{LITELLM} has no litellm_core_utils/tokenizers folder")
    cache.mkdir(parents=True, exist_ok=True)
    for name in CACHE_FILES.values():
        shutil.copyfile(found[0] / name, cache / name)
    return cache


def encoder(cache: Path | None = None, name: str = ENCODING) -> Encode:
    """A function text -> token count (tiktoken, from ``cache`` if given)."""
    if cache is not None:
        os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    import tiktoken

    enc = tiktoken.get_encoding(name)
    return lambda text: len(enc.encode(text, disallowed_special=()))


def message_tokens(messages: list[dict[str, Any]], count: Encode) -> int:
    """Tokens of one request's messages (see the module docstring)."""
    total = PER_REQUEST
    for m in messages:
        total += PER_MESSAGE + count(str(m.get("content") or ""))
        for call in m.get("tool_calls") or []:
            total += count(str(call.get("name", ""))) + count(str(call.get("arguments", "")))
    return total


def tool_tokens(tools: list[dict[str, Any]], count: Encode) -> int:
    """Tokens of the tool schemas sent with one request (0 without tools)."""
    return count(json.dumps(tools, ensure_ascii=False)) if tools else 0


def count_requests(requests: list[dict[str, Any]], count: Encode) -> dict[str, Any]:
    """Totals over a run's recorded requests, and the prompt tokens by agent."""
    prompt = tools = 0
    by_agent: dict[str, int] = {}
    for req in requests:
        n = message_tokens(req["messages"], count)
        prompt += n
        tools += tool_tokens(req.get("tools") or [], count)
        by_agent[req["agent"]] = by_agent.get(req["agent"], 0) + n
    return {"prompt_tokens": prompt, "tool_schema_tokens": tools, "by_agent": by_agent}

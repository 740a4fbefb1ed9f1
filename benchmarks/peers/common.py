"""Shared, stdlib-only helpers for the peer benchmark runners (issue #9).

Every runner (agentcore's in the project venv, each peer's in its own venv) imports this file
by path, so it must never import anything outside the standard library::

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import common

A runner supplies one function, ``run_once(recorder) -> final_answer`` (sync or async), that
builds the team / crew / agents fresh and runs the whole trajectory once. Its scripted model
calls ``recorder.record(agent, messages, tools)`` inside ``with recorder.model_call():`` and its
no-op tools return ``recorder.tool(name, args)``. :func:`main` does the rest: the warm-up run,
N measured runs, the tracemalloc run, the checks that the trajectory really happened, and the
RESULT.json of the contract (``.dev/PEERS-CONTRACT.md``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import inspect
import json
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

TRAJECTORY_PATH = Path(__file__).resolve().with_name("trajectory.json")


class TrajectoryError(AssertionError):
    """The run did not follow the trajectory (wrong tool calls, answer or call counts)."""


# --------------------------------------------------------------------------- trajectory


def load_trajectory(path: str | Path | None = None) -> dict[str, Any]:
    """Read trajectory.json (default: the one next to this file)."""
    with open(path or TRAJECTORY_PATH, encoding="utf-8") as f:
        traj: dict[str, Any] = json.load(f)
    return traj


def worker(traj: dict[str, Any], name: str) -> dict[str, Any]:
    """The worker entry called ``name``."""
    for w in traj["workers"]:
        if w["name"] == name:
            return dict(w)
    raise KeyError(f"no worker {name!r} in the trajectory")


def worker_names(traj: dict[str, Any]) -> list[str]:
    """Worker names in delegation order: researcher, coder, ml_specialist."""
    return [w["name"] for w in traj["workers"]]


def tool_owner(traj: dict[str, Any]) -> dict[str, str]:
    """Tool name -> the worker that owns it (each tool belongs to exactly one worker)."""
    return {t["name"]: w["name"] for w in traj["workers"] for t in w["tools"]}


def tool_names_called(messages: list[dict[str, Any]], names: set[str] | list[str]) -> list[str]:
    """Names of the tool calls, among ``names``, made by assistant messages in ``messages``."""
    wanted = set(names)
    return [
        c["name"]
        for m in messages
        if m.get("role") == "assistant"
        for c in m.get("tool_calls") or []
        if c.get("name") in wanted
    ]


def next_worker_action(
    traj: dict[str, Any], worker_name: str, messages: list[dict[str, Any]]
) -> dict[str, Any]:
    """What a worker's scripted model says next, decided from the request alone.

    Counts the calls of this worker's own tools already in the (plain JSON) request, so it
    works whether the framework shows the worker only its own loop or the whole history
    (each worker's tools are distinct). Returns ``{"tool": name, "args": {...}}`` for the
    next tool call, or ``{"answer": text}`` once all four calls are in the transcript.
    """
    w = worker(traj, worker_name)
    done = len(tool_names_called(messages, [t["name"] for t in w["tools"]]))
    if done < len(w["calls"]):
        call = w["calls"][done]
        return {"tool": call["tool"], "args": dict(call["args"])}
    return {"answer": w["answer"]}


def tool_result(traj: dict[str, Any], name: str) -> str:
    """The fixed text a no-op tool returns."""
    return str(traj["tool_results"][name])


def same_text(a: str | None, b: str | None) -> bool:
    """Equal modulo whitespace."""
    return " ".join((a or "").split()) == " ".join((b or "").split())


# --------------------------------------------------------------------------- messages


def content_text(content: Any) -> str:
    """Message content as one string, verbatim: text parts joined, other parts as JSON."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and part.get("type") == "text":
                parts.append(str(part.get("text", "")))
            else:
                parts.append(json.dumps(part, default=str, ensure_ascii=False))
        return "\n".join(parts)
    return json.dumps(content, default=str, ensure_ascii=False)


def arguments_json(args: Any) -> str:
    """Tool-call arguments as the JSON string a provider API would carry."""
    if isinstance(args, str):
        return args
    return json.dumps(args, ensure_ascii=False)


_LC_ROLES = {"system": "system", "human": "user", "ai": "assistant", "tool": "tool"}


def plain_from_langchain(messages: list[Any]) -> list[dict[str, Any]]:
    """langchain-core messages -> the contract's plain JSON (duck-typed: no langchain import).

    Roles: system, user, assistant, tool (langchain's function/chat messages map to user).
    Assistant tool calls become ``{"name", "arguments"}`` with arguments as a JSON string.
    """
    out: list[dict[str, Any]] = []
    for m in messages:
        role = _LC_ROLES.get(getattr(m, "type", ""), "user")
        item: dict[str, Any] = {"role": role, "content": content_text(getattr(m, "content", ""))}
        calls = getattr(m, "tool_calls", None) or []
        if role == "assistant" and calls:
            item["tool_calls"] = [
                {"name": c["name"], "arguments": arguments_json(c.get("args", {}))} for c in calls
            ]
        out.append(item)
    return out


# --------------------------------------------------------------------------- recording


class Recorder:
    """Records one run: every model request (plain JSON), time inside the model, tool calls."""

    def __init__(self, traj: dict[str, Any]) -> None:
        self.traj = traj
        self.requests: list[dict[str, Any]] = []
        self.model_s = 0.0
        self.tool_calls: list[dict[str, Any]] = []
        self.build_s: float | None = None

    @contextlib.contextmanager
    def building(self) -> Iterator[None]:
        """Optional: time the body as building the team (reported as build_s, still part
        of wall time and overhead) — for the analysis of where overhead goes."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.build_s = (self.build_s or 0.0) + time.perf_counter() - start

    @property
    def model_calls(self) -> int:
        return len(self.requests)

    @contextlib.contextmanager
    def model_call(self) -> Iterator[None]:
        """Time the body as scripted-model time (it is subtracted from wall time)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.model_s += time.perf_counter() - start

    def record(
        self, agent: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """Record one model request: who asked, the exact messages, the tool schemas sent."""
        req = {"agent": agent, "messages": messages, "tools": list(tools or [])}
        self.requests.append(req)
        return req

    def tool(self, name: str, args: dict[str, Any] | None = None) -> str:
        """The body of every no-op tool: count the call, return the fixed result."""
        self.tool_calls.append({"tool": name, "args": dict(args or {})})
        return tool_result(self.traj, name)


def check_run(traj: dict[str, Any], rec: Recorder, answer: str | None) -> None:
    """Raise TrajectoryError unless the trajectory really happened.

    12 tool calls with the trajectory's names and arguments, in order within each worker; each
    worker's model asked exactly len(calls)+1 times (recorded under the worker's name); the
    final answer equals the trajectory's modulo whitespace.
    """
    problems = []
    owner = tool_owner(traj)
    expected_total = sum(len(w["calls"]) for w in traj["workers"])
    if len(rec.tool_calls) != expected_total:
        problems.append(f"{len(rec.tool_calls)} tool calls executed, expected {expected_total}")
    for w in traj["workers"]:
        got = [c for c in rec.tool_calls if owner.get(c["tool"]) == w["name"]]
        want = [{"tool": c["tool"], "args": c["args"]} for c in w["calls"]]
        if got != want:
            problems.append(f"{w['name']}: tool calls {got} != {want}")
        asked = sum(1 for r in rec.requests if r["agent"] == w["name"])
        if asked != len(w["calls"]) + 1:
            problems.append(f"{w['name']}: {asked} model calls, expected {len(w['calls']) + 1}")
    if not same_text(answer, traj["final_answer"]):
        problems.append(f"final answer differs: {str(answer)[:200]!r}")
    if problems:
        raise TrajectoryError("; ".join(problems))


# --------------------------------------------------------------------------- measuring


RunOnce = Callable[[Recorder], Any]


def _call(run_once: RunOnce, rec: Recorder) -> Any:
    result = run_once(rec)
    if inspect.isawaitable(result):
        return asyncio.run(_as_coro(result))
    return result


async def _as_coro(awaitable: Any) -> Any:
    return await awaitable


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss: KB on Linux)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def measure(
    run_once: RunOnce, traj: dict[str, Any], runs: int, *, warmup: int = 1
) -> dict[str, Any]:
    """Warm-up + ``runs`` measured runs + one tracemalloc run; every run is checked.

    wall_s covers ``run_once`` whole: building the team fresh and running the trajectory.
    An async ``run_once`` gets a fresh event loop per run (``asyncio.run``), inside wall_s.
    """
    measured = []
    last: Recorder | None = None
    for i in range(warmup + runs):
        rec = Recorder(traj)
        gc.collect()
        start = time.perf_counter()
        answer = _call(run_once, rec)
        wall = time.perf_counter() - start
        check_run(traj, rec, answer)
        if i >= warmup:
            measured.append(
                {
                    "wall_s": wall,
                    "model_s": rec.model_s,
                    "overhead_s": wall - rec.model_s,
                    "model_calls": rec.model_calls,
                    "tool_calls": len(rec.tool_calls),
                    **({"build_s": rec.build_s} if rec.build_s is not None else {}),
                }
            )
            last = rec
    assert last is not None, "runs must be >= 1"
    rss = peak_rss_mb()  # before tracemalloc, whose bookkeeping inflates memory
    rec = Recorder(traj)
    gc.collect()
    tracemalloc.start()
    try:
        answer = _call(run_once, rec)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    check_run(traj, rec, answer)
    return {
        "runs": measured,
        "peak_rss_mb": rss,
        "tracemalloc_peak_mb": peak / (1024 * 1024),
        "requests": last.requests,
    }


def summary(result: dict[str, Any]) -> dict[str, float]:
    """Medians over the measured runs (seconds)."""
    runs = result["runs"]
    return {
        "overhead_s": statistics.median(r["wall_s"] - r["model_s"] for r in runs),
        "wall_s": statistics.median(r["wall_s"] for r in runs),
        "model_s": statistics.median(r["model_s"] for r in runs),
    }


def write_result(path: str | Path, result: dict[str, Any]) -> None:
    """Write RESULT.json (UTF-8, indented)."""
    Path(path).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", "utf-8")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The runner protocol: --trajectory PATH --out RESULT.json --runs N [--mode M]."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--trajectory", default=str(TRAJECTORY_PATH))
    p.add_argument("--out", required=True)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--mode", default=None)
    return p.parse_args(argv)


def main(
    run_once_factory: Callable[[dict[str, Any], str | None], RunOnce],
    *,
    framework: str,
    version: str,
    import_s: float,
    argv: list[str] | None = None,
) -> int:
    """Run the protocol: parse args, measure, check, write RESULT.json; 0 on success.

    ``run_once_factory(traj, mode)`` returns the ``run_once(recorder)`` function. On a failed
    check the error goes to stderr and the exit code is 1 (no RESULT.json is written).
    """
    args = parse_args(argv)
    traj = load_trajectory(args.trajectory)
    run_once = run_once_factory(traj, args.mode)
    try:
        measured = measure(run_once, traj, args.runs)
    except TrajectoryError as e:
        print(f"{framework}: the trajectory did not happen as scripted: {e}", file=sys.stderr)
        return 1
    result = {
        "framework": framework,
        "version": version,
        "mode": args.mode,
        "python": platform.python_version(),
        "import_s": import_s,
        **measured,
    }
    write_result(args.out, result)
    med = summary(result)
    print(
        f"{framework}{'/' + args.mode if args.mode else ''} {version}: "
        f"overhead {med['overhead_s'] * 1000:.1f} ms median over {args.runs} runs, "
        f"{result['runs'][0]['model_calls']} model calls, {result['runs'][0]['tool_calls']} tool "
        f"calls, peak RSS {result['peak_rss_mb']:.0f} MB",
        file=sys.stderr,
    )
    return 0

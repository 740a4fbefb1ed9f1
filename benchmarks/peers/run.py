"""agentcore against its peers on one scripted multi-agent trajectory (issue #9).

Runs agentcore (this venv) and every peer under benchmarks/peers/<peer>/ (run_peer.py +
requirements.txt, each in its own venv under benchmarks/peers/.venvs/, made with uv) as
subprocesses, counts the prompt tokens of the requests each recorded, prints a table of ratios
against agentcore with the issue's targets, and writes benchmarks/peers/RESULTS.md.

    uv run python benchmarks/peers/run.py [--peers langgraph_supervisor,crewai] [--runs N]

A peer whose install or run fails becomes a row with its error; nothing is estimated.
Environment: BENCH_PEERS_RUNS (default 10 measured runs, plus one warm-up), UV (the uv binary).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import tokens  # noqa: E402

VENVS = HERE / ".venvs"
TRAJECTORY = HERE / "trajectory.json"
RESULTS_MD = HERE / "RESULTS.md"
PEER_ORDER = ["langgraph_supervisor", "smolagents", "crewai", "pydantic_ai"]
RUN_TIMEOUT_S = 1800
INSTALL_TIMEOUT_S = 1800
# Telemetry off for every runner (there is no network here: a phone-home would only add
# timeouts). Runners turn off anything framework-specific themselves.
QUIET_ENV = {
    "CREWAI_DISABLE_TELEMETRY": "true",
    "CREWAI_DISABLE_TRACKING": "true",
    "OTEL_SDK_DISABLED": "true",
    "DO_NOT_TRACK": "1",
    "ANONYMIZED_TELEMETRY": "false",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "LOGFIRE_SEND_TO_LOGFIRE": "false",
    "PYTHONWARNINGS": "ignore",
}


@dataclass
class Row:
    """One line of the table: a measured result, or an error."""

    key: str  # peer folder name (or "agentcore"), plus "/mode"
    framework: str
    mode: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    tokens: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def overhead_ms(self) -> float:
        assert self.result is not None
        runs = self.result["runs"]
        return statistics.median(r["wall_s"] - r["model_s"] for r in runs) * 1000


def uv_binary() -> str:
    for candidate in (os.environ.get("UV"), str(ROOT / ".tools" / "bin" / "uv"), "uv"):
        if candidate and (Path(candidate).is_file() or shutil.which(candidate)):
            return candidate
    raise SystemExit("uv not found: run `make install` (it puts uv in .tools/bin)")


def tail(text: str, lines: int = 12, chars: int = 1500) -> str:
    """The last lines of a stderr, for an error row."""
    out = "\n".join(text.strip().splitlines()[-lines:])
    return out[-chars:]


def discover_peers() -> list[str]:
    """Peer folders with a run_peer.py and a requirements.txt, in the issue's order."""
    found = sorted(
        p.name
        for p in HERE.iterdir()
        if p.is_dir() and (p / "run_peer.py").is_file() and (p / "requirements.txt").is_file()
    )
    return [p for p in PEER_ORDER if p in found] + [p for p in found if p not in PEER_ORDER]


def peer_modes(peer: str) -> list[str | None]:
    """Modes from <peer>/modes.txt (one per line), else a single run without --mode."""
    path = HERE / peer / "modes.txt"
    if path.is_file():
        modes = [ln.strip() for ln in path.read_text().splitlines() if ln.strip()]
        modes = [m for m in modes if not m.startswith("#")]
        if modes:
            return list(modes)
    return [None]


def ensure_venv(peer: str, uv: str, python: str) -> Path:
    """The peer's venv python; (re)installed only when requirements.txt or Python changed.

    Raises RuntimeError with the tail of uv's output when the install fails.
    """
    req = HERE / peer / "requirements.txt"
    venv = VENVS / peer
    pyexe = venv / "bin" / "python"
    probe = subprocess.run(
        [python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True
    )
    stamp_text = hashlib.sha256(req.read_bytes() + probe.stdout.encode()).hexdigest()
    stamp = venv / ".bench-peers-stamp"
    if pyexe.exists() and stamp.is_file() and stamp.read_text().strip() == stamp_text:
        return pyexe
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    if venv.exists():
        shutil.rmtree(venv)
    steps = [
        [uv, "venv", str(venv), "--python", python, "-q"],
        [uv, "pip", "install", "--python", str(pyexe), "-r", str(req)],
    ]
    for cmd in steps:
        print(f"  $ {' '.join(cmd)}", file=sys.stderr, flush=True)
        try:
            p = subprocess.run(
                cmd, capture_output=True, text=True, env=env, timeout=INSTALL_TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"install timed out after {INSTALL_TIMEOUT_S} s") from None
        if p.returncode != 0:
            raise RuntimeError(f"install failed ({' '.join(cmd[:3])}):\n{tail(p.stderr)}")
    stamp.write_text(stamp_text + "\n")
    return pyexe


def run_runner(
    python: str, script: Path, out: Path, runs: int, mode: str | None, *, peer: bool
) -> dict[str, Any]:
    """Run one runner to its RESULT.json; RuntimeError with stderr's tail if it fails."""
    cmd = [python, str(script), "--trajectory", str(TRAJECTORY), "--out", str(out)]
    cmd += ["--runs", str(runs)] + (["--mode", mode] if mode else [])
    env = {**os.environ, **QUIET_ENV}
    if peer:  # a peer must not see the project's venv or its packages
        for key in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
            env.pop(key, None)
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    try:
        p = subprocess.run(
            cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=RUN_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"run timed out after {RUN_TIMEOUT_S} s") from None
    took = time.perf_counter() - start
    if p.returncode != 0 or not out.is_file():
        raise RuntimeError(f"exit code {p.returncode}:\n{tail(p.stderr)}")
    result: dict[str, Any] = json.loads(out.read_text())
    result["process_s"] = took
    return result


def fmt_num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def fmt_ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return "—"
    return f"{value / base:.2f}x"


HEADER = [
    "framework",
    "mode",
    "version",
    "model calls",
    "tool calls",
    "overhead ms (median)",
    "x agentcore",
    "peak RSS MB",
    "prompt tokens",
    "x agentcore",
    "tool-schema tokens",
]


def table_rows(rows: list[Row]) -> list[list[str]]:
    """The table's cells; the first row must be agentcore's (the base of the ratios)."""
    base = rows[0] if rows and rows[0].ok else None
    base_oh = base.overhead_ms if base else None
    base_tok = base.tokens.get("prompt_tokens") if base else None
    out = []
    for r in rows:
        if not r.ok:
            out.append([r.framework, r.mode or "", "", "failed", "", "", "", "", "", "", ""])
            continue
        res = r.result or {}
        first = res["runs"][0]
        oh = r.overhead_ms
        tok = r.tokens.get("prompt_tokens")
        out.append(
            [
                r.framework,
                r.mode or "",
                str(res.get("version", "")),
                str(first["model_calls"]),
                str(first["tool_calls"]),
                fmt_num(oh),
                fmt_ratio(oh, base_oh),
                fmt_num(res.get("peak_rss_mb"), 0),
                fmt_num(tok, 0),
                fmt_ratio(tok, base_tok),
                fmt_num(r.tokens.get("tool_schema_tokens"), 0),
            ]
        )
    return out


def format_text_table(rows: list[Row]) -> str:
    cells = [HEADER, *table_rows(rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(len(HEADER))) for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_md_table(rows: list[Row]) -> str:
    cells = table_rows(rows)
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(c) + " |" for c in cells]
    return "\n".join(lines)


def find(rows: list[Row], peer: str, mode: str | None = None) -> Row | None:
    """The row of a peer folder (and mode), measured or failed."""
    for r in rows:
        if r.key.split("/")[0] == peer and (mode is None or r.mode == mode):
            return r
    return None


def targets(rows: list[Row]) -> list[str]:
    """The issue's targets, each met / NOT met / not measured (with why)."""
    ac = rows[0] if rows and rows[0].framework == "agentcore" else None
    lines = []

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    def missing(peer: Row | None, name: str) -> str | None:
        if ac is None or not ac.ok:
            return "not measured: agentcore's run failed"
        if peer is None:
            return f"not measured: {name} was not run"
        if not peer.ok:
            return f"not measured: {name} failed (see its row)"
        return None

    for mode in ("full_history", "last_message"):
        lg = find(rows, "langgraph_supervisor", mode)
        head = f"agentcore overhead <= langgraph-supervisor ({mode})"
        why = missing(lg, f"langgraph-supervisor ({mode})")
        if why or ac is None or lg is None:
            lines.append(f"{head}: {why}")
        else:
            a, b = ac.overhead_ms, lg.overhead_ms
            lines.append(f"{head}: {a:.1f} ms vs {b:.1f} ms = {a / b:.2f}x: {verdict(a <= b)}")
    crew = find(rows, "crewai")
    head = "agentcore overhead <= 0.5x CrewAI (hierarchical)"
    why = missing(crew, "CrewAI")
    if why or ac is None or crew is None:
        lines.append(f"{head}: {why}")
    else:
        a, b = ac.overhead_ms, crew.overhead_ms
        lines.append(f"{head}: {a:.1f} ms vs {b:.1f} ms = {a / b:.2f}x: {verdict(a <= 0.5 * b)}")
    lg = find(rows, "langgraph_supervisor", "full_history")
    head = "agentcore prompt tokens <= 0.7x langgraph-supervisor (full_history)"
    why = missing(lg, "langgraph-supervisor (full_history)")
    if why or ac is None or lg is None:
        lines.append(f"{head}: {why}")
    else:
        a, b = ac.tokens["prompt_tokens"], lg.tokens["prompt_tokens"]
        lines.append(f"{head}: {a:,} vs {b:,} = {a / b:.2f}x: {verdict(a <= 0.7 * b)}")
    return lines


def details(rows: list[Row]) -> str:
    """Secondary figures: wall/model time, import time, tracemalloc, tokens by agent."""
    lines = [
        "| framework | mode | wall ms (median) | model ms (median) | build ms (median) | "
        "import s | tracemalloc peak MB | prompt tokens by agent |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if not r.ok:
            continue
        res = r.result or {}
        runs = res["runs"]
        wall = statistics.median(x["wall_s"] for x in runs) * 1000
        model = statistics.median(x["model_s"] for x in runs) * 1000
        builds = [x["build_s"] * 1000 for x in runs if x.get("build_s") is not None]
        build = f"{statistics.median(builds):.1f}" if builds else "—"
        by_agent = ", ".join(f"{k} {v:,}" for k, v in r.tokens.get("by_agent", {}).items())
        lines.append(
            f"| {r.framework} | {r.mode or ''} | {wall:.1f} | {model:.1f} | {build} | "
            f"{res.get('import_s', 0):.2f} | {res.get('tracemalloc_peak_mb', 0):.1f} | "
            f"{by_agent} |"
        )
    return "\n".join(lines)


def errors(rows: list[Row]) -> str:
    out = []
    for r in rows:
        if r.error:
            label = r.framework + (f" ({r.mode})" if r.mode else "")
            out.append(f"**{label}** failed:\n\n```text\n{r.error}\n```")
    return "\n\n".join(out)


def machine() -> str:
    return (
        f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def render_markdown(
    rows: list[Row], *, runs: int, command: str, took_s: float, rounds: int = 1
) -> str:
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "# agentcore and its peers: one scripted multi-agent trajectory",
        "",
        "Generated by `make bench-peers` (`benchmarks/peers/run.py`); what is measured and how "
        "each framework is driven: [README.md](README.md).",
        "",
        f"- command: `{command}`",
        f"- date: {date}; whole run {took_s:.0f} s",
        f"- machine: {machine()}",
        f"- {runs} measured runs per framework, in {rounds} round(s) that run every framework "
        "in turn (each round a fresh process with one warm-up run first); overhead = wall time "
        "minus "
        "time inside the scripted model, median over the runs; prompt tokens = tiktoken "
        "o200k_base over the messages of every request of one run; peak RSS = the runner "
        "process's maximum resident set. build ms (in Details) is the part of the overhead "
        "spent building the team / graph fresh for the run, where a runner reports it.",
        "",
        format_md_table(rows),
        "",
        "## Targets (issue #9)",
        "",
        *[f"- {line}" for line in targets(rows)],
        "",
        "## Details",
        "",
        details(rows),
    ]
    errs = errors(rows)
    if errs:
        parts += ["", "## Peers that did not run", "", errs]
    return "\n".join(parts) + "\n"


@dataclass
class Job:
    """One runner invocation target: agentcore, or one peer (and mode)."""

    row: Row
    python: str
    script: Path
    peer: bool


def measure_round(job: Job, runs: int, count: tokens.Encode) -> None:
    """Run ``job`` once for ``runs`` measured runs and merge them into its row."""
    row = job.row
    if row.error:
        return
    out = VENVS / "results" / f"{row.key.replace('/', '--')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    print(f"running {row.key} ({runs} runs + warm-up)", file=sys.stderr, flush=True)
    try:
        result = run_runner(job.python, job.script, out, runs, row.mode, peer=job.peer)
    except RuntimeError as e:
        row.error, row.result = str(e), None
        print(f"  {row.key} failed: {tail(str(e), 4)}", file=sys.stderr, flush=True)
        return
    if row.result is None:  # the first round: its requests are the ones counted
        row.result = result
        row.framework = str(result.get("framework") or row.framework)
        row.tokens = tokens.count_requests(result["requests"], count)
        return
    row.result["runs"] += result["runs"]
    for key in ("peak_rss_mb", "tracemalloc_peak_mb"):
        row.result[key] = max(row.result.get(key) or 0, result.get(key) or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", help="comma-separated peer folders (default: all found)")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_PEERS_RUNS", 10)))
    parser.add_argument(
        "--rounds",
        type=int,
        default=int(os.environ.get("BENCH_PEERS_ROUNDS", 2)),
        help="split the runs into this many rounds that visit every framework in turn, so "
        "that background load on a shared machine falls on all of them alike (default 2)",
    )
    parser.add_argument("--python", default="python3", help="interpreter for the peer venvs")
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    found = discover_peers()
    peers = found
    if args.peers:
        peers = [p.strip() for p in args.peers.split(",") if p.strip()]
        unknown = [p for p in peers if p not in found]
        if unknown:
            parser.error(f"unknown peer(s) {unknown}; found: {', '.join(found)}")
    rounds = max(1, min(args.rounds, args.runs))
    uv = uv_binary()
    VENVS.mkdir(parents=True, exist_ok=True)
    count = tokens.encoder(tokens.prepare_cache(VENVS, uv, args.python))

    jobs = [
        Job(
            Row("agentcore", "agentcore"),
            sys.executable,
            HERE / "agentcore" / "run_agentcore.py",
            peer=False,
        )
    ]
    for peer in peers:
        print(f"preparing {peer}", file=sys.stderr, flush=True)
        try:
            python = str(ensure_venv(peer, uv, args.python))
            error = None
        except (RuntimeError, OSError) as e:
            python, error = "", str(e)
            print(f"  {peer}: install failed: {tail(str(e), 4)}", file=sys.stderr, flush=True)
        for mode in peer_modes(peer):
            key = peer + (f"/{mode}" if mode else "")
            row = Row(key, peer, mode, error=error)
            jobs.append(Job(row, python, HERE / peer / "run_peer.py", peer=True))
    for i in range(rounds):
        runs = args.runs // rounds + (1 if i < args.runs % rounds else 0)
        for job in jobs:
            measure_round(job, runs, count)
    rows = [job.row for job in jobs]

    took = time.perf_counter() - started
    command = "python benchmarks/peers/run.py" + (" " + " ".join(argv or sys.argv[1:])).rstrip()
    print()
    print(format_text_table(rows))
    print()
    for line in targets(rows):
        print(line)
    for r in rows:
        if r.error:
            print(f"\n{r.key} failed:\n{r.error}")
    print(f"\n{machine()}; {args.runs} runs in {rounds} round(s); {took:.0f} s")
    if not args.no_write:
        RESULTS_MD.write_text(
            render_markdown(rows, runs=args.runs, rounds=rounds, command=command, took_s=took),
            "utf-8",
        )
        print(f"wrote {RESULTS_MD.relative_to(ROOT)}")
    return 0 if rows[0].ok else 1


if __name__ == "__main__":
    sys.exit(main())

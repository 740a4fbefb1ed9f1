"""Run the fault-injection suite and print the README's table of faults injected and survived.

    uv run python tests/reliability/fault_table.py            # Markdown table on stdout
    uv run python tests/reliability/fault_table.py -o FILE    # also write it to FILE

Every fault test records each Team run it made (the fault, the layer, how it was handled, how
many faults were injected, whether the run survived) in a ledger file; this script runs pytest
with the ledger switched on and adds the records up, so every figure comes from a real run. A
run counts as survived when it ended in the expected status with an answer and every step it
started has a result. The exit code is pytest's: non-zero if any fault test failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LEDGER_ENV = "AGENTCORE_FAULT_LEDGER"  # conftest.LEDGER_ENV
_PROVIDER = re.compile(r"^(?P<layer>\w[\w ]*?) \((?P<provider>[^)]+)\)$")


def collect(pytest_args: list[str]) -> tuple[list[dict[str, Any]], int]:
    """Run the suite with the ledger on; returns the records and pytest's exit code."""
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Path(tmp) / "ledger.jsonl"
        env = {**os.environ, LEDGER_ENV: str(ledger)}
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(HERE)]
        code = subprocess.run([*command, *pytest_args], env=env, cwd=ROOT, check=False)
        lines = ledger.read_text().splitlines() if ledger.exists() else []
    return [json.loads(line) for line in lines], code.returncode


def table(records: list[dict[str, Any]]) -> str:
    """One row per fault and layer (providers of a layer together), then the totals."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for rec in records:
        match = _PROVIDER.match(rec["layer"])
        layer, provider = (match["layer"], match["provider"]) if match else (rec["layer"], "")
        row = rows.setdefault(
            (rec["fault"], layer),
            {"providers": [], "handling": rec["handling"], "injected": 0, "runs": 0, "ok": 0},
        )
        if provider and provider not in row["providers"]:
            row["providers"].append(provider)
        row["injected"] += rec["injected"]
        row["runs"] += 1
        row["ok"] += bool(rec["survived"])
    out = [
        "| fault | layer | what happens | faults injected | runs survived |",
        "|---|---|---|---:|---:|",
    ]
    for (fault, layer), row in rows.items():
        where = f"{layer} ({', '.join(row['providers'])})" if row["providers"] else layer
        out.append(
            f"| {fault} | {where} | {row['handling']} | {row['injected']} "
            f"| {row['ok']}/{row['runs']} |"
        )
    injected = sum(r["injected"] for r in rows.values())
    runs = sum(r["runs"] for r in rows.values())
    ok = sum(r["ok"] for r in rows.values())
    out.append(f"| **all** | | | **{injected}** | **{ok}/{runs}** |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, help="also write the table here")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    records, code = collect(args.pytest_args)
    text = table(records)
    print(text)
    if args.output is not None:
        args.output.write_text(text + "\n", encoding="utf-8")
    if code:
        print(f"pytest exited with {code}: a fault was not survived", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())

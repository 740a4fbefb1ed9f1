"""Running an ``_runtime`` module in a sandbox started for one tool call, and reading its answer.

The runtime's source goes to the sandbox with the call: it is registered there as a package of
its own (``_agentcore_ml_runtime``), its ``main(spec)`` runs, and the JSON it returns is printed
between two markers that carry a random nonce. Bad input comes back as ``{"ok": false}`` and
becomes a ``ToolError``; anything else that goes wrong in the sandbox is reported, not raised.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentcore.errors import SandboxError, UserError
from agentcore.sandbox import Execution, Sandbox
from agentcore.tools import ToolContext, ToolError

_RUNTIME_DIR = Path(__file__).with_name("_runtime")
_PACKAGE = "_agentcore_ml_runtime"
#: Modules each entry point needs, in import order.
_NEEDS: Mapping[str, Sequence[str]] = {
    "_train": ("_common", "_pipeline", "_train"),
    "_score": ("_common", "_score"),
    "_fairness": ("_common", "_score", "_fairness"),
    "_leakage": ("_common", "_leakage"),
    "_drift": ("_common", "_drift"),
}
_BOOT = """
import json as _json, sys as _sys, types as _types, warnings as _warnings

def _agentcore_ml_call(sources, entry, function, spec, marker):
    package = _types.ModuleType({package!r})
    package.__path__ = []
    _sys.modules[package.__name__] = package
    for name, source in sources:
        module = _types.ModuleType(package.__name__ + "." + name)
        module.__package__ = package.__name__
        _sys.modules[module.__name__] = module
        exec(compile(source, "<agentcore_ml/" + name + ".py>", "exec"), module.__dict__)
    common = _sys.modules[package.__name__ + "._common"]
    caught = []
    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always")
        try:
            result = getattr(_sys.modules[package.__name__ + "." + entry], function)(spec)
        except common.InputProblem as exc:
            result = {{"ok": False, "error": str(exc)}}
    seen = []
    for w in caught:
        if issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning)):
            continue  # about library internals, not about the data or the model
        first = (str(w.message).strip().splitlines() or [""])[0][:300]
        text = w.category.__name__ + ": " + first
        if text not in seen:
            seen.append(text)
    result["warnings"] = seen[:10]
    print(marker + _json.dumps(common.clean(result), allow_nan=False) + marker)
"""


@dataclass(kw_only=True, slots=True)
class Call:
    """One running call, so that a cancelled tool call can stop its sandbox."""

    sandbox: Sandbox | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    #: Seconds to start the sandbox, and to run the code in it (for benchmarks).
    start_s: float = 0.0
    run_s: float = 0.0

    def stop(self) -> None:
        """Kill the sandbox if one is running (from any thread)."""
        self.cancelled.set()
        sandbox = self.sandbox
        if sandbox is not None:
            sandbox.kill()


def runtime_source(name: str) -> str:
    """The source of a runtime module, as shipped in the package."""
    return (_RUNTIME_DIR / f"{name}.py").read_text(encoding="utf-8")


def build_code(entry: str, function: str, spec: Mapping[str, Any], marker: str) -> str:
    """The Python sent to the sandbox for one call."""
    sources = [(name, runtime_source(name)) for name in _NEEDS[entry]]
    args = ", ".join(
        [
            repr(sources),
            repr(entry),
            repr(function),
            f"_json.loads({json.dumps(json.dumps(spec))})",
            repr(marker),
        ]
    )
    return _BOOT.format(package=_PACKAGE) + f"\n_agentcore_ml_call({args})\n"


def parse(execution: Execution, marker: str, tool: str, timeout_s: float) -> dict[str, Any]:
    """The runtime's JSON answer, or a ``ToolError`` saying what went wrong."""
    if execution.error is not None:
        err = execution.error
        if err.name == "TimeoutError":
            raise ToolError(
                f"{tool} ran past its time limit of {timeout_s:g} s and was stopped; try a "
                "smaller sample of the data, fewer cv_folds, or a faster family (logistic/linear)"
            )
        if err.name == "MemoryError":
            raise ToolError(
                f"{tool} ran out of memory in the sandbox; use a sample of the data or fewer "
                "columns"
            )
        tail = "\n".join(err.traceback.strip().splitlines()[-6:])
        raise ToolError(
            f"{tool} failed inside the sandbox: {err.name}: {err.value}\n{tail}\n"
            "This is likely a problem with the data (types, values); inspect it with run_python."
        )
    stdout = "".join(execution.logs.stdout)
    start = stdout.find(marker)
    end = stdout.find(marker, start + len(marker))
    if start < 0 or end < 0:
        raise ToolError(f"{tool} returned no result from the sandbox (its output was cut?)")
    result: dict[str, Any] = json.loads(stdout[start + len(marker) : end])
    if not result.get("ok"):
        raise ToolError(str(result.get("error") or f"{tool} failed"))
    return result


def run_runtime(
    ctx: ToolContext,
    *,
    tool: str,
    entry: str,
    spec: Mapping[str, Any],
    timeout_s: float,
    call: Call | None = None,
    inputs: Sequence[str] = (),
    outputs: Sequence[str] = (),
    function: str = "main",
) -> dict[str, Any]:
    """Start a sandbox on the run workspace, run ``entry.function(spec)`` there, kill it.

    Args:
        ctx: The tool's run context (workspace, sandbox settings).
        tool: The tool's name, for messages.
        entry: The runtime module (``"_train"``...).
        spec: The JSON arguments for ``main``; paths relative to the workspace.
        timeout_s: Time limit of the code in the sandbox.
        call: Lets the caller stop the sandbox when the tool call is cancelled.
        inputs: Workspace paths to upload first, for backends with their own filesystem.
        outputs: Workspace paths the code writes, fetched back from such backends.
        function: The function of ``entry`` to call.

    Raises:
        ToolError: Bad input, a failure in the sandbox, or no sandbox available here.
    """
    call = call or Call()
    marker = f"<<agentcore-ml-{secrets.token_hex(8)}>>"
    code = build_code(entry, function, spec, marker)
    if call.cancelled.is_set():
        raise ToolError(f"{tool} was cancelled")
    settings = ctx.agentcore_settings
    if settings is None:
        from agentcore.config import load_settings

        settings = load_settings()
    started = time.perf_counter()
    try:
        sandbox = Sandbox.create(
            workspace=ctx.workspace, settings=settings, timeout=timeout_s + 120.0
        )
    except UserError as exc:
        raise ToolError(
            f"{tool} needs a sandbox to run scikit-learn, and none is available: {exc}"
            + (f" ({exc.hint})" if getattr(exc, "hint", None) else "")
        ) from None
    except SandboxError as exc:
        raise ToolError(f"{tool} could not start its sandbox: {exc}") from None
    call.sandbox = sandbox
    call.start_s = time.perf_counter() - started
    try:
        if call.cancelled.is_set():
            raise ToolError(f"{tool} was cancelled")
        own_files = hasattr(sandbox, "pull_workspace")  # E2B: not the host's files
        for rel in inputs if own_files else ():
            sandbox.files.write(f"/workspace/{rel}", (ctx.workspace / rel).read_bytes())
        t0 = time.perf_counter()
        execution = sandbox.run_code(code, timeout=timeout_s)
        call.run_s = time.perf_counter() - t0
        result = parse(execution, marker, tool, timeout_s)
        for rel in outputs if own_files else ():
            data = sandbox.files.read(f"/workspace/{rel}", format="bytes")
            from agentcore_ml._files import write_file

            write_file(ctx.workspace, rel, data, owner=ctx.new_file_owner())
        return result
    except SandboxError as exc:
        if call.cancelled.is_set():
            raise ToolError(f"{tool} was cancelled") from None
        raise ToolError(f"{tool} failed: its sandbox stopped ({exc})") from None
    finally:
        sandbox.kill()

"""What every ML tool does on the host: run off the event loop, find models, save details."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from agentcore.tools import ToolContext, ToolError
from agentcore_ml._execute import Call
from agentcore_ml._files import save, write_file
from agentcore_ml._registry import ModelRecord, Registry

T = TypeVar("T")
MODELS_DIR = ".agentcore/models"
DETAILS_DIR = "ml"
_MODEL_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,80}$")


async def offload(fn: Callable[[Call], T]) -> T:
    """Run the blocking ``fn(call)`` in a thread; a cancelled tool call kills its sandbox."""
    call = Call()
    try:
        return await asyncio.to_thread(fn, call)
    except asyncio.CancelledError:
        threading.Thread(target=call.stop, daemon=True).start()
        raise


def registry(ctx: ToolContext) -> Registry:
    """The data dir's model registry."""
    return Registry.for_context(ctx.data_dir)


def slug(text: str, limit: int = 24) -> str:
    """Lower-case letters, digits and dashes, for ids and file names."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out[:limit].strip("-") or "x"


def lookup(ctx: ToolContext, model_id: str) -> ModelRecord:
    """The registered model, or a ``ToolError`` listing the recent ones."""
    model_id = model_id.strip()
    record = registry(ctx).get_model(model_id) if _MODEL_ID.match(model_id) else None
    if record is not None:
        return record
    recent = registry(ctx).recent_models()
    known = (
        "recent models: " + ", ".join(f"{m} ({t}, {f}, v{v})" for m, t, f, v in recent)
        if recent
        else "no model is registered yet; train one with train_model"
    )
    raise ToolError(f"unknown model_id '{model_id}'; {known}")


def _sha256(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


def stage_model(ctx: ToolContext, record: ModelRecord) -> str:
    """Make the model file available in this run's workspace; return its relative path.

    A model trained in another run lives in that run's workspace: its bytes are copied here
    (never loaded on the host) if they still match the registry's SHA-256.

    Raises:
        ToolError: The file is gone or changed everywhere.
    """
    rel = record.artifact_path
    here = ctx.workspace.resolve() / rel
    try:
        if ctx.resolve(rel) == here and here.is_file() and _sha256(here) == record.artifact_sha256:
            return rel
    except ToolError:
        pass  # a link out of the workspace where the model should be: replace it below
    source = Path(record.workspace) / rel
    if source.is_file() and _sha256(source) == record.artifact_sha256:
        try:
            write_file(ctx.workspace, rel, source.read_bytes(), owner=ctx.new_file_owner())
        except OSError as exc:
            raise ToolError(
                f"could not copy model {record.model_id} into the workspace: {exc}"
            ) from None
        return rel
    raise ToolError(
        f"the file of model {record.model_id} ({rel}) is missing or has changed since it was "
        "trained; train the model again"
    )


def save_details(ctx: ToolContext, name: str, result: dict[str, Any]) -> str | None:
    """Save a tool's full result as JSON under ``ml/``; returns the path or ``None``."""
    rel = f"{DETAILS_DIR}/{name}.json"
    return save(ctx, rel, json.dumps(result, indent=2, default=str) + "\n")


def announce(ctx: ToolContext, *paths: str | None) -> None:
    """Emit the files a tool produced as run artifacts."""
    for path in paths:
        if path:
            ctx.emit("artifact", {"path": path})


def warning_lines(result: dict[str, Any]) -> list[str]:
    """The runtime's notes and (deduplicated) library warnings, as lines."""
    lines = [f"note: {n}" for n in result.get("notes") or []]
    lines += [f"warning: {w}" for w in result.get("warnings") or []]
    return lines

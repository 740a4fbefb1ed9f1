"""``evaluate_model`` and ``predict``: a registered model applied to new data in a sandbox."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from agentcore.tools import Risk, ToolContext, ToolError, tool
from agentcore_ml._execute import Call, run_runtime
from agentcore_ml._files import OUTPUT_SUFFIXES, data_file, workspace_rel
from agentcore_ml._format import ci, num, short_sha, table
from agentcore_ml._host import (
    announce,
    lookup,
    offload,
    registry,
    slug,
    stage_model,
    warning_lines,
)
from agentcore_ml._options import TOOL_TIMEOUT_S, options


def _evaluate(ctx: ToolContext, call: Call, model_id: str, data: str, timeout_s: float) -> str:
    record = lookup(ctx, model_id)
    rel = data_file(ctx, data)
    model_rel = stage_model(ctx, record)
    result = run_runtime(
        ctx,
        tool="evaluate_model",
        entry="_score",
        function="evaluate",
        spec={"data": rel, "model_path": model_rel, "model_sha256": record.artifact_sha256},
        timeout_s=timeout_s,
        call=call,
        inputs=[rel, model_rel],
    )
    registry(ctx).add_model_audit(
        model_id=record.model_id,
        kind="evaluation",
        run_id=ctx.run_id,
        data=result["data"],
        summary={
            "metrics": result["metrics"],
            "ci95": result["ci95"],
            "n": result["data"]["n_rows"],
        },
    )
    trained = (record.holdout_metrics or {}).get("metrics") or {}
    rows = []
    for name, value in result["metrics"].items():
        cv = record.cv_metrics.get(name) or {}
        rows.append(
            [
                name,
                num(value) + ci(result["ci95"].get(name)),
                num(trained.get(name)),
                num(cv.get("mean")),
            ]
        )
    same = result["data"]["sha256"] == record.dataset_fingerprint
    lines = [
        f"Evaluated {record.model_id} (v{record.version}, {record.family}, target "
        f"'{record.target}') on {rel}: {num(result['data']['n_rows'])} labelled rows, sha256 "
        f"{short_sha(result['data']['sha256'])}",
        table(["metric", "this data [95% CI]", "holdout at training", "CV at training"], rows),
    ]
    if same:
        lines.append(
            "warning: this is the training file itself; these numbers are optimistic, not an "
            "evaluation"
        )
    lines += warning_lines(result)
    return "\n".join(lines)


@tool(risk=Risk.READ_ONLY, timeout_s=TOOL_TIMEOUT_S)
async def evaluate_model(ctx: ToolContext, model_id: str, data: str) -> str:
    """Score a registered model on new labelled data with the metrics train_model reports.

    The data must have the model's feature columns and its target column. Shows each metric
    next to the holdout and CV scores recorded at training time, and records the evaluation
    in the registry (it appears in the model card).

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        model_id: The id train_model returned.
        data: Workspace path of a labelled .csv, .tsv or .parquet file.
    """
    opts = options(ctx.settings)
    return await offload(lambda call: _evaluate(ctx, call, model_id, data, opts.timeout_s))


def _preview(result: dict[str, Any]) -> str:
    rows = result["preview"]
    if not rows:
        return "(no rows)"
    cols = result["columns"]
    return table(cols, [[num(r.get(c)) for c in cols] for r in rows])


def _predict(
    ctx: ToolContext, call: Call, model_id: str, data: str, output: str | None, timeout_s: float
) -> tuple[str, list[str | None]]:
    record = lookup(ctx, model_id)
    rel = data_file(ctx, data)
    if output:
        out_rel = workspace_rel(ctx, output, "output")
        if PurePosixPath(out_rel).suffix.lower() not in OUTPUT_SUFFIXES:
            raise ToolError(f"output '{output}' must end in .csv, .tsv or .parquet")
        if out_rel.split("/")[0] == ".agentcore":
            raise ToolError("output cannot go under .agentcore/; pick another folder")
    else:
        out_rel = f"predictions/{slug(PurePosixPath(rel).stem, 40)}_{record.model_id}.csv"
    if out_rel == rel:
        raise ToolError("output would overwrite the input data; pick another path")
    model_rel = stage_model(ctx, record)
    result = run_runtime(
        ctx,
        tool="predict",
        entry="_score",
        function="predict",
        spec={
            "data": rel,
            "model_path": model_rel,
            "model_sha256": record.artifact_sha256,
            "output": out_rel,
        },
        timeout_s=timeout_s,
        call=call,
        inputs=[rel, model_rel],
        outputs=[out_rel],
    )
    summary = result["summary"]
    if "counts" in summary:
        dist = "predicted classes: " + ", ".join(f"{k} {v}" for k, v in summary["counts"].items())
    else:
        dist = (
            f"predictions: mean {num(summary['mean'])}, sd {num(summary['std'])}, "
            f"range {num(summary['min'])} to {num(summary['max'])}"
        )
    lines = [
        f"Predicted {num(result['data']['n_rows'])} rows of {rel} with {record.model_id} "
        f"(v{record.version}, target '{record.target}') -> {out_rel}",
        f"added columns: {', '.join(result['columns'])} (the input columns are kept)",
        dist,
        "first rows:",
        _preview(result),
    ]
    lines += warning_lines(result)
    return "\n".join(lines), [out_rel]


@tool(risk=Risk.WRITES, timeout_s=TOOL_TIMEOUT_S)
async def predict(ctx: ToolContext, model_id: str, data: str, output: str | None = None) -> str:
    """Predict with a registered model and write the predictions to a workspace file.

    The output is the input data plus a predicted_<target> column and, for classifiers, one
    proba_<class> column per class. The answer shows the first rows and the distribution.

    Args:
        ctx: The run context, filled in by agentcore and hidden from the model.
        model_id: The id train_model returned.
        data: Workspace path of a .csv, .tsv or .parquet file with the model's feature columns.
        output: Where to write (.csv, .tsv or .parquet); default
            predictions/<data name>_<model_id>.csv.
    """
    opts = options(ctx.settings)
    text, produced = await offload(
        lambda call: _predict(ctx, call, model_id, data, output, opts.timeout_s)
    )
    announce(ctx, *produced)
    return text

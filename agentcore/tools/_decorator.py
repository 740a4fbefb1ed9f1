from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any, get_type_hints

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, ConfigDict, Field, create_model

from agentcore.tools._context import ToolContext, context_from_config
from agentcore.tools._spec import Risk, ToolMeta, with_meta


def _arg_docs(doc: str) -> dict[str, str]:
    """Pick per-argument descriptions out of a Google-style ``Args:`` section."""
    out: dict[str, str] = {}
    in_args = False
    current: str | None = None
    for raw in doc.splitlines():
        line = raw.strip()
        if line in ("Args:", "Arguments:"):
            in_args = True
            continue
        if in_args:
            if not line:
                current = None
                continue
            if line.endswith(":") and " " not in line:  # next section (Returns:, Raises:)
                break
            name, sep, desc = line.partition(":")
            if sep and name.isidentifier():
                current = name
                out[name] = desc.strip()
            elif current:
                out[current] += " " + line
    return out


def _summary(doc: str) -> str:
    """The docstring up to its first section header: what the model reads."""
    lines: list[str] = []
    for raw in inspect.cleandoc(doc).splitlines():
        if raw.strip() in ("Args:", "Arguments:", "Returns:", "Raises:"):
            break
        lines.append(raw)
    return "\n".join(lines).strip()


def _schema(name: str, fn: Callable[..., Any], docs: dict[str, str]) -> type[BaseModel]:
    hints = get_type_hints(fn)
    fields: dict[str, Any] = {}
    for pname, param in inspect.signature(fn).parameters.items():
        if hints.get(pname) is ToolContext:
            continue
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[pname] = (hints.get(pname, Any), Field(default, description=docs.get(pname)))
    model: type[BaseModel] = create_model(
        f"{name}_args", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


def tool(
    *,
    name: str | None = None,
    risk: Risk | str = Risk.READ_ONLY,
    timeout_s: float = 60.0,
    requires_approval: bool = False,
    max_output_chars: int = 20_000,
    untrusted_output: bool = False,
) -> Callable[[Callable[..., Any]], BaseTool]:
    """Turn a typed function into a langchain-core tool with agentcore metadata.

    The function's docstring summary becomes the tool description and its Google-style
    ``Args:`` section the argument descriptions. A parameter annotated ``ToolContext`` is
    filled in at run time and hidden from the model. Sync functions run in a worker thread.

    Example:
        ```python
        @tool(risk="read_only")
        async def list_files(ctx: ToolContext, path: str = ".") -> str:
            \"\"\"List the files under a directory of the run workspace.\"\"\"
        ```
    """

    def wrap(fn: Callable[..., Any]) -> BaseTool:
        tool_name = name or fn.__name__
        doc = inspect.getdoc(fn) or ""
        if not doc:
            raise TypeError(f"tool '{tool_name}' needs a docstring: it is what the model reads")
        hints = get_type_hints(fn)
        ctx_param = next((p for p, t in hints.items() if t is ToolContext), None)
        is_async = inspect.iscoroutinefunction(fn)

        async def coroutine(config: RunnableConfig, **kwargs: Any) -> Any:
            if ctx_param is not None:
                kwargs[ctx_param] = context_from_config(config)
            if is_async:
                return await fn(**kwargs)
            return await asyncio.to_thread(fn, **kwargs)

        structured = StructuredTool(
            name=tool_name,
            description=_summary(doc),
            args_schema=_schema(tool_name, fn, _arg_docs(doc)),
            coroutine=coroutine,
        )
        meta = ToolMeta(
            risk=Risk(risk),
            timeout_s=timeout_s,
            requires_approval=requires_approval,
            max_output_chars=max_output_chars,
            untrusted_output=untrusted_output,
        )
        return with_meta(structured, meta)

    return wrap

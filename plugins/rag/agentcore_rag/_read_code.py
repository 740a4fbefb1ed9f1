"""Readers for Python source (``ast``: classes, functions, methods) and Jupyter notebooks."""

from __future__ import annotations

import ast
import json
from typing import Any

from agentcore_rag._document import Block, Document, NotReadable, split_paragraphs
from agentcore_rag._read_text import HeadingStack, markdown_blocks

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_MAX_OUTPUT_CHARS = 1000


def _name(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
    if isinstance(node, ast.ClassDef):
        return f"class {node.name}"
    return f"{'async def' if isinstance(node, ast.AsyncFunctionDef) else 'def'} {node.name}"


def _first_line(node: ast.stmt, lines: list[str]) -> int:
    """1-based first line of ``node`` with its decorators and the comments right above it."""
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    first = min([node.lineno, *(d.lineno for d in decorators)])
    while first > 1 and lines[first - 2].lstrip().startswith("#"):
        first -= 1
    return first


def _code_block(lines: list[str], first: int, last: int, heading: tuple[str, ...]) -> Block | None:
    while last >= first and not lines[last - 1].strip():
        last -= 1
    if last < first:
        return None
    text = "\n".join(lines[first - 1 : last])
    return Block(text=text, heading=heading, start=first, end=last, atomic=True)


def read_python(text: str) -> Document:
    """Python: module-level code, each function, each class (and, in a class, each method).

    A file that does not parse is read as plain text, so nothing in it is lost.
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        lines = text.splitlines()
        return Document(
            format="python", unit="lines", blocks=tuple(split_paragraphs(lines, first_line=1))
        )
    lines = text.splitlines()
    blocks: list[Block] = []
    done = 0  # lines before this (1-based count) are in blocks already
    for node in tree.body:
        if not isinstance(node, _DEFS):
            continue
        first = _first_line(node, lines)
        blocks.extend(split_paragraphs(lines[done : first - 1], first_line=done + 1))
        last = node.end_lineno or node.lineno
        if isinstance(node, ast.ClassDef):
            blocks.extend(_class_blocks(node, lines, first, last))
        else:
            block = _code_block(lines, first, last, (_name(node),))
            blocks.extend([block] if block else [])
        done = last
    blocks.extend(split_paragraphs(lines[done:], first_line=done + 1))
    doc = ast.get_docstring(tree)
    title = doc.strip().splitlines()[0] if doc and doc.strip() else None
    return Document(format="python", unit="lines", blocks=tuple(blocks), title=title)


def _class_blocks(node: ast.ClassDef, lines: list[str], first: int, last: int) -> list[Block]:
    """The class header (docstring, attributes) and each method, as separate blocks."""
    heading = (_name(node),)
    members = [m for m in node.body if isinstance(m, _DEFS)]
    starts = [_first_line(m, lines) for m in members]
    out: list[Block] = []
    header = _code_block(lines, first, (starts[0] - 1) if starts else last, heading)
    if header:
        out.append(header)
    for k, member in enumerate(members):
        end = starts[k + 1] - 1 if k + 1 < len(members) else last
        block = _code_block(lines, starts[k], end, (*heading, _name(member)))
        if block:
            out.append(block)
    return out


def _cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _outputs(cell: dict[str, Any]) -> str:
    parts: list[str] = []
    for output in cell.get("outputs") or []:
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(_cell_source({"source": output.get("text", "")}))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data") or {}
            parts.append(_cell_source({"source": data.get("text/plain", "")}))
        elif kind == "error":
            parts.append(f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")
    text = "\n".join(p.rstrip() for p in parts if p.strip())
    if len(text) > _MAX_OUTPUT_CHARS:
        text = text[:_MAX_OUTPUT_CHARS].rstrip() + "\n…"
    return text


def read_notebook(raw: str) -> Document:
    """A Jupyter notebook (nbformat 4): Markdown cells give sections, code cells stay whole.

    Positions are cell numbers (1-based). Text outputs of code cells are kept, shortened.

    Raises:
        NotReadable: The file is not JSON or not an nbformat 4 notebook.
    """
    try:
        nb = json.loads(raw)
    except ValueError as exc:
        raise NotReadable(f"not a valid notebook (JSON error: {exc})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotReadable("not an nbformat 4 notebook (no 'cells' list)")
    meta: dict[str, Any] = nb["metadata"] if isinstance(nb.get("metadata"), dict) else {}
    language = str(
        (meta.get("kernelspec") or {}).get("language")
        or (meta.get("language_info") or {}).get("name")
        or "python"
    )
    stack = HeadingStack()
    blocks: list[Block] = []
    for number, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict):
            continue
        source = _cell_source(cell).strip("\n")
        kind = cell.get("cell_type")
        if kind == "markdown":
            for b in markdown_blocks(source, stack):
                blocks.append(
                    Block(
                        text=b.text,
                        heading=b.heading,
                        start=number,
                        end=number,
                        atomic=b.atomic,
                        is_heading=b.is_heading,
                    )
                )
            continue
        if not source.strip():
            continue
        if kind == "code":
            fence = (f"```{language}", "```")
            blocks.append(
                Block(
                    text=f"{fence[0]}\n{source}\n{fence[1]}",
                    heading=stack.path,
                    start=number,
                    end=number,
                    atomic=True,
                    fence=fence,
                )
            )
            output = _outputs(cell)
            if output:
                blocks.append(
                    Block(text=f"Output:\n{output}", heading=stack.path, start=number, end=number)
                )
        else:
            blocks.append(Block(text=source, heading=stack.path, start=number, end=number))
    title = next((b.heading[0] for b in blocks if b.heading), None)
    return Document(format="notebook", unit="cells", blocks=tuple(blocks), title=title)

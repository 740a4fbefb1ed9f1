"""Reading an answer: its final part, its code blocks, its numbers; and the expected value.

Several scorers share these, so they agree on what "the answer" is: the text after the last
``FINAL ANSWER:`` marker when there is one (GAIA's convention), the whole answer otherwise.
"""

from __future__ import annotations

import re
from typing import Any

from agentcore.errors import SpecError
from agentcore.evals._types import Sample

__all__ = ["code_blocks", "expected_for", "final_answer", "numbers", "parse_number"]

# "FINAL ANSWER: x", "Final answer: x", "**Final Answer:** x", "final_answer: x".
_MARKER = re.compile(r"\**\s*final[\s_]*answer\s*\**\s*[:\uff1a]\s*\**", re.IGNORECASE)
# ```lang info\n body ``` (the closing fence may be missing at the very end of a reply).
_FENCE = re.compile(r"```[ \t]*([^\n`]*)\n(.*?)(?:\n[ \t]*```|\Z)", re.DOTALL)
_ALIASES = {
    "py": "python",
    "python3": "python",
    "js": "javascript",
    "ts": "typescript",
    "sh": "bash",
    "shell": "bash",
    "postgresql": "sql",
    "duckdb": "sql",
}
# A number: optional sign (not when glued to a word or another number, as in 2024-01-05),
# thousands separators, decimals, exponent.
_NUMBER = re.compile(
    r"(?<![\w.])[-+\u2212]?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?"
    r"|(?<![\w.])[-+\u2212]?\.\d+(?:[eE][-+]?\d+)?"
)


def final_answer(text: str) -> str:
    """The final part of an answer: the text after the last ``FINAL ANSWER:`` marker.

    Args:
        text: A run's answer.

    Returns:
        The text after the last marker (case-insensitive, markdown bold tolerated), stripped;
        the whole text stripped when there is no marker.

    """
    markers = list(_MARKER.finditer(text))
    if not markers:
        return text.strip()
    return text[markers[-1].end() :].strip().strip("*").strip()


def code_blocks(text: str, language: str | None = None) -> list[str]:
    """The fenced code blocks of a text, in order.

    Args:
        text: Markdown text.
        language: Keep only blocks of this language (``py`` and ``python3`` count as
            ``python``, ``sh`` and ``shell`` as ``bash``); ``None`` keeps every block.

    Returns:
        The blocks' contents, without the fences.

    """
    wanted = _language(language) if language else None
    out: list[str] = []
    for match in _FENCE.finditer(text):
        info = match.group(1).strip().split()
        lang = _language(info[0]) if info else ""
        if wanted is None or lang == wanted:
            out.append(match.group(2))
    return out


def numbers(text: str) -> list[float]:
    """The numbers written in a text, in order.

    ``1,234.5`` is one number; ``$12`` and ``40%`` count as 12 and 40; the dashes of a date
    (``2024-01-05``) are not minus signs.

    Args:
        text: Any text.

    Returns:
        The numbers as floats.

    """
    return [_to_float(m.group(0)) for m in _NUMBER.finditer(text)]


def parse_number(value: Any) -> float | None:
    """A number from a YAML value or a string (``"$1,234"``, ``"40%"``), or ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        found = numbers(value)
        return found[0] if len(found) == 1 else None
    return None


def expected_for(option: Any, sample: Sample, scorer: str) -> Any:
    """The value a scorer compares with: its ``expected`` option, else the case's ``expected``.

    When a case's scorers need different values, its ``expected`` may be a mapping keyed by
    scorer name (``{contains: __enter__, sources: [...]}``): a scorer whose name is a key
    reads its own entry.

    Raises:
        SpecError: Neither is set (the suite must say what a right answer is).

    """
    value = option if option is not None else sample.case.expected
    if option is None and isinstance(value, dict) and scorer in value:
        value = value[scorer]
    if value is None:
        raise SpecError(
            f"case '{sample.case.id}': the {scorer} scorer needs an expected value",
            hint=f"set the case's 'expected', or the option {{{scorer}: {{expected: ...}}}}",
        )
    return value


def _language(name: str) -> str:
    name = name.lower()
    return _ALIASES.get(name, name)


def _to_float(token: str) -> float:
    return float(token.replace(",", "").replace("\u2212", "-"))

"""Scorers that compare the answer's text with an expected value.

``exact``, ``quasi_exact`` (GAIA's rules), ``numeric``, ``contains``, ``regex`` and
``json_subset``. Each compares with its ``expected`` option when given, else the case's
``expected``.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, Field, field_validator

from agentcore.evals._types import Sample, Score, Scorer
from agentcore.evals.scorers._answer import (
    code_blocks,
    expected_for,
    final_answer,
    numbers,
    parse_number,
)
from agentcore.evals.scorers._matching import max_matching

__all__ = ["Contains", "Exact", "JsonSubset", "Numeric", "QuasiExact", "Regex", "gaia_match"]


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _score(
    scorer: str, passed: bool, explanation: str, value: float | None = None, **details: Any
) -> Score:
    return Score(
        scorer=scorer,
        value=(1.0 if passed else 0.0) if value is None else value,
        passed=passed,
        explanation=explanation,
        details=details,
    )


def _valid_regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
    return value


class Exact(Scorer):
    """The final answer equals the expected text (both stripped).

    Attributes:
        expected: The right answer (default: the case's ``expected``).
        case_sensitive: Compare letter case too.
        normalize_whitespace: Treat every run of whitespace as one space.

    """

    name: ClassVar[str] = "exact"
    expected: str | int | float | None = None
    case_sensitive: bool = True
    normalize_whitespace: bool = True

    def _norm(self, text: str) -> str:
        text = text.strip()
        if self.normalize_whitespace:
            text = " ".join(text.split())
        return text if self.case_sensitive else text.casefold()

    async def score(self, sample: Sample) -> Score:
        expected = str(expected_for(self.expected, sample, self.name))
        got = final_answer(sample.answer)
        passed = self._norm(got) == self._norm(expected)
        explanation = (
            f"matches {_short(expected)}"
            if passed
            else f"got {_short(got)}, expected {_short(expected)}"
        )
        return _score(self.name, passed, explanation, expected=expected, got=got)


# --- GAIA's quasi-exact match ---------------------------------------------------------------


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _gaia_number(text: str) -> float:
    for char in ("$", "%", ","):
        text = text.replace(char, "")
    try:
        return float(text)
    except ValueError:
        return float("inf")


def _gaia_str(text: str, *, remove_punct: bool = True) -> str:
    text = re.sub(r"\s", "", text).lower()
    return text.translate(str.maketrans("", "", string.punctuation)) if remove_punct else text


def gaia_match(answer: str, truth: str) -> tuple[bool, str]:
    """GAIA's ``question_scorer``: compare an answer with the ground truth as GAIA does.

    A ground truth that parses as a float is compared as a number (the answer without ``$``,
    ``%`` and ``,``); one containing ``,`` or ``;`` as a list (split on both, same length,
    each item by the number rule or as a string without whitespace, lower-cased); anything
    else as a string without whitespace and punctuation, lower-cased.

    Returns:
        Whether it matches, and how it was compared (one line).

    """
    if _is_float(truth):
        got = _gaia_number(answer)
        want = float(truth)
        how = f"as a number: got {got:g}, expected {want:g}"
        return got == want, how if got != float("inf") else f"{_short(answer)} is not a number"
    if any(char in truth for char in ",;"):
        want_items = re.split(r"[,;]", truth)
        got_items = re.split(r"[,;]", answer)
        if len(got_items) != len(want_items):
            return False, f"as a list: {len(got_items)} items, expected {len(want_items)}"
        for i, (got_item, want_item) in enumerate(zip(got_items, want_items, strict=True), 1):
            if _is_float(want_item):
                ok = _gaia_number(got_item) == float(want_item)
            else:
                ok = _gaia_str(got_item, remove_punct=False) == _gaia_str(
                    want_item, remove_punct=False
                )
            if not ok:
                return False, (
                    f"as a list: item {i} is {_short(got_item.strip())}, "
                    f"expected {_short(want_item.strip())}"
                )
        return True, f"as a list of {len(want_items)} items"
    ok = _gaia_str(answer) == _gaia_str(truth)
    return ok, "as a string" if ok else (
        f"as a string: got {_short(answer)}, expected {_short(truth)}"
    )


class QuasiExact(Scorer):
    """GAIA's quasi-exact match of the final answer: numbers, lists and strings normalised.

    Attributes:
        expected: The ground truth (default: the case's ``expected``).

    """

    name: ClassVar[str] = "quasi_exact"
    expected: str | int | float | None = None

    async def score(self, sample: Sample) -> Score:
        truth = str(expected_for(self.expected, sample, self.name))
        got = final_answer(sample.answer)
        passed, how = gaia_match(got, truth)
        return _score(self.name, passed, how, expected=truth, got=got)


# --- numbers --------------------------------------------------------------------------------


class Numeric(Scorer):
    """A number of the answer is within tolerance of the expected number.

    Passes when ``|got - expected| <= max(abs_tol, rel_tol * max(|got|, |expected|))``.

    Attributes:
        expected: The right number (default: the case's ``expected``; ``"$1,234"`` is read
            as 1234).
        abs_tol: Absolute tolerance (``tolerance`` is accepted too).
        rel_tol: Relative tolerance.
        pattern: A regular expression searched in the whole answer; the number is read from
            its first group (the whole match without a group) of the last match. Without it,
            the last number of the final answer is used.

    """

    name: ClassVar[str] = "numeric"
    expected: float | str | None = None
    abs_tol: float = Field(0.0, ge=0.0, validation_alias=AliasChoices("abs_tol", "tolerance"))
    rel_tol: float = Field(1e-9, ge=0.0)
    pattern: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        return _valid_regex(value)

    def _number(self, answer: str) -> tuple[float | None, str]:
        if self.pattern is None:
            found = numbers(final_answer(answer))
            return (found[-1], "") if found else (None, "no number in the final answer")
        matches = list(re.finditer(self.pattern, answer))
        if not matches:
            return None, f"pattern {self.pattern!r} not found in the answer"
        last = matches[-1]
        text = last.group(1) if last.re.groups else last.group(0)
        found = numbers(text or "")
        if not found:
            return None, f"pattern {self.pattern!r} matched {_short(text)}, not a number"
        return found[0], ""

    async def score(self, sample: Sample) -> Score:
        raw = expected_for(self.expected, sample, self.name)
        want = parse_number(raw)
        if want is None:
            raise ValueError(f"numeric: the expected value {raw!r} is not one number")
        got, why = self._number(sample.answer)
        if got is None:
            return _score(self.name, False, why, expected=want, got=None)
        tol = max(self.abs_tol, self.rel_tol * max(abs(got), abs(want)))
        passed = abs(got - want) <= tol
        verdict = "within" if passed else "outside"
        return _score(
            self.name,
            passed,
            f"got {got:g}, expected {want:g} ({verdict} ±{tol:g})",
            expected=want,
            got=got,
        )


# --- substrings and patterns ----------------------------------------------------------------


class Contains(Scorer):
    """The answer contains the expected string(s).

    Attributes:
        expected: A string or a list of strings (default: the case's ``expected``).
        mode: ``all`` (every string must appear) or ``any`` (one is enough).
        case_sensitive: Compare letter case too.

    The value is the fraction of strings found (``all``), or 0/1 (``any``).
    """

    name: ClassVar[str] = "contains"
    expected: str | list[str] | None = None
    mode: Literal["all", "any"] = "all"
    case_sensitive: bool = False

    async def score(self, sample: Sample) -> Score:
        raw = expected_for(self.expected, sample, self.name)
        wanted = [str(raw)] if not isinstance(raw, list) else [str(x) for x in raw]
        haystack = sample.answer if self.case_sensitive else sample.answer.casefold()
        found = [w for w in wanted if (w if self.case_sensitive else w.casefold()) in haystack]
        missing = [w for w in wanted if w not in found]
        if self.mode == "any":
            passed = bool(found)
            value = 1.0 if passed else 0.0
        else:
            passed = not missing
            value = len(found) / len(wanted) if wanted else 1.0
        if passed:
            explanation = f"contains {', '.join(_short(w) for w in found) or 'everything'}"
        elif self.mode == "any":
            explanation = f"contains none of {', '.join(_short(w) for w in wanted)}"
        else:
            explanation = f"missing {', '.join(_short(w) for w in missing)}"
        return _score(self.name, passed, explanation, value, found=found, missing=missing)


class Regex(Scorer):
    """A regular expression is found in the final answer.

    Attributes:
        pattern: The expression (default: the case's ``expected``).
        ignore_case: Match regardless of letter case.
        full_match: The whole final answer must match, not just a part of it.

    """

    name: ClassVar[str] = "regex"
    pattern: str | None = None
    ignore_case: bool = False
    full_match: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        return _valid_regex(value)

    async def score(self, sample: Sample) -> Score:
        pattern = str(expected_for(self.pattern, sample, self.name))
        flags = re.IGNORECASE if self.ignore_case else 0
        got = final_answer(sample.answer)
        regex = re.compile(pattern, flags)
        match = regex.fullmatch(got) if self.full_match else regex.search(got)
        if match:
            return _score(self.name, True, f"matched {_short(match.group(0))}", pattern=pattern)
        how = "does not fully match" if self.full_match else "not found in"
        return _score(
            self.name, False, f"{pattern!r} {how} {_short(got)}", pattern=pattern, got=got
        )


# --- JSON -----------------------------------------------------------------------------------


class JsonSubset(Scorer):
    """The expected JSON value is contained in a JSON value of the answer.

    The answer's JSON is the last ```` ```json ```` block that parses, else the final answer,
    else the first JSON object or array inside it. Objects: every expected key is present and
    its value contained (recursively); extra keys are fine. Lists: see ``list_mode``.
    Numbers compare numerically within ``abs_tol`` / ``rel_tol`` (``true`` is not ``1``).

    Attributes:
        expected: The JSON value (default: the case's ``expected``).
        list_mode: ``elementwise`` (item *i* contains expected item *i*) or ``multiset``
            (each expected item is contained in a different item, in any order).
        allow_extra_items: The answer's lists may be longer than the expected ones.
        abs_tol: Absolute tolerance for numbers.
        rel_tol: Relative tolerance for numbers.

    """

    name: ClassVar[str] = "json_subset"
    expected: Any = None
    list_mode: Literal["elementwise", "multiset"] = "elementwise"
    allow_extra_items: bool = False
    abs_tol: float = Field(0.0, ge=0.0)
    rel_tol: float = Field(1e-9, ge=0.0)

    async def score(self, sample: Sample) -> Score:
        want = expected_for(self.expected, sample, self.name)
        got, found = _find_json(sample.answer)
        if not found:
            return _score(self.name, False, "no JSON value in the answer", expected=want)
        diff = self._diff(want, got, "$")
        if diff is None:
            return _score(self.name, True, "the expected JSON is contained", got=got)
        return _score(self.name, False, diff, expected=want, got=got)

    def _diff(self, want: Any, got: Any, path: str) -> str | None:
        """The first way ``got`` fails to contain ``want``, or ``None``."""
        if isinstance(want, dict):
            if not isinstance(got, dict):
                return f"{path}: expected an object, got {_short(got)}"
            for key, value in want.items():
                if key not in got:
                    return f"{path}.{key}: missing"
                diff = self._diff(value, got[key], f"{path}.{key}")
                if diff is not None:
                    return diff
            return None
        if isinstance(want, list):
            if not isinstance(got, list):
                return f"{path}: expected a list, got {_short(got)}"
            if len(got) < len(want) or (len(got) > len(want) and not self.allow_extra_items):
                return f"{path}: {len(got)} items, expected {len(want)}"
            if self.list_mode == "elementwise":
                for i, item in enumerate(want):
                    diff = self._diff(item, got[i], f"{path}[{i}]")
                    if diff is not None:
                        return diff
                return None
            return self._multiset_diff(want, got, path)
        if _is_number(want) and _is_number(got):
            tol = max(self.abs_tol, self.rel_tol * max(abs(want), abs(got)))
            return None if abs(want - got) <= tol else f"{path}: got {got!r}, expected {want!r}"
        if type(want) is not type(got) or want != got:
            return f"{path}: got {_short(got)}, expected {_short(want)}"
        return None

    def _multiset_diff(self, want: list[Any], got: list[Any], path: str) -> str | None:
        pairs = max_matching(
            len(want), len(got), lambda i, j: self._diff(want[i], got[j], path) is None
        )
        for item, pair in zip(want, pairs, strict=True):
            if pair is None:
                return f"{path}: no item matches expected {_short(item)}"
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_candidates(answer: str) -> Iterator[str]:
    yield from reversed(code_blocks(answer, "json"))
    final = final_answer(answer)
    yield final
    if final != answer.strip():
        yield answer.strip()


def _find_json(answer: str) -> tuple[Any, bool]:
    for text in _json_candidates(answer):
        try:
            return json.loads(text), True
        except ValueError:
            continue
    decoder = json.JSONDecoder()
    final = final_answer(answer)
    for match in re.finditer(r"[\[{]", final):
        try:
            value, _ = decoder.raw_decode(final, match.start())
        except ValueError:
            continue
        return value, True
    return None, False

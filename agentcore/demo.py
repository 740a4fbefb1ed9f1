"""``agentcore demo``: a scripted end-to-end run in which all four agents do real work.

The model is scripted (no LLM, no key), but the tools are real: the agents list, read, search and
write files in a fresh workspace holding the Palmer penguins dataset. The scripted model writes
its summaries from what the tools actually returned, so the numbers in the answer are observed,
not canned. The demo grows as tools land (sandboxed Python, SQL, ML training...).
"""

from __future__ import annotations

import re
import shutil
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentcore.errors import MissingDependencyError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, BaseMessage

DEMO_MODEL = "scripted:demo"
DEMO_TASK = (
    "Our field team sent data/penguins.csv. Find out what it holds and how clean it is, "
    "write a first analysis script, and plan how we would validate a model that predicts "
    "species from body measurements. Put what you write in the workspace."
)

_README = """\
# Palmer penguins

Size measurements of adult penguins near Palmer Station, Antarctica (2007-2009), collected by
Dr. Kristen Gorman and the Palmer Station Long Term Ecological Research program. Public domain
(CC0). Source: the `palmerpenguins` package.

| column | meaning |
|---|---|
| species | Adelie, Chinstrap or Gentoo |
| island | Biscoe, Dream or Torgersen |
| bill_length_mm | bill (culmen) length, mm |
| bill_depth_mm | bill (culmen) depth, mm |
| flipper_length_mm | flipper length, mm |
| body_mass_g | body mass, g |
| sex | male / female; NA where not determined |
| year | study year |

Missing values are written as `NA`.
"""


def prepare_workspace(path: Path) -> None:
    """Put the demo data into ``path/data``.

    Raises:
        MissingDependencyError: If the ``palmerpenguins`` package is not installed.

    """
    spec = find_spec("palmerpenguins")  # find the data without importing pandas
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("palmerpenguins", "demo")
    source = Path(next(iter(spec.submodule_search_locations))) / "data" / "penguins.csv"
    data = path / "data"
    data.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, data / "penguins.csv")
    (data / "README.md").write_text(_README, encoding="utf-8")


# --- the scripted model ---------------------------------------------------------------------

_SCRIPT = '''\
"""Per-species summary of the Palmer penguins data (standard library only)."""

import csv
import statistics
from collections import defaultdict
from pathlib import Path

NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def main(path: Path = Path("data/penguins.csv")) -> None:
    rows = list(csv.DictReader(path.open()))
    by_species = defaultdict(list)
    for row in rows:
        by_species[row["species"]].append(row)
    missing = {c: sum(r[c] == "NA" for r in rows) for c in rows[0]}
    print(f"{len(rows)} rows; missing values: {missing}")
    for species, group in sorted(by_species.items()):
        means = {
            c: round(statistics.mean(float(r[c]) for r in group if r[c] != "NA"), 1)
            for c in NUMERIC
        }
        print(species, len(group), means)


if __name__ == "__main__":
    main()
'''

_PLAN = """\
# Validation plan: species from body measurements

## Target and features
- Target: `species` (3 classes). Features: the four body measurements and `sex`.
- `island` is left out: species and island are entangled (Gentoo only on Biscoe in this data),
  so a model could learn the island and look better than the measurements allow.
- `year` is the collection year, not a property of the bird: it is kept out of the features
  and used to check stability across years.

## Leakage
- {leakage}
- Preprocessing (imputation, scaling, one-hot) is fitted inside each CV fold by the pipeline.

## Validation
- A stratified 20% holdout touched once; stratified 5-fold CV on the rest; the majority class
  as the baseline; mean ± std across folds and a 95% interval on the holdout.
- Registered model `{model_id}`:

```
{cv_results}
```

## Fairness and drift
- Per-island and per-sex accuracy on the holdout (fairness_report); flag gaps above 5 points.
- Compare feature distributions by year (detect_drift) to see whether later years drift.

## Model card
See reports/model_card_{model_id}.md: intended use (field triage, not taxonomy), data source
and licence, metrics with their uncertainty, known limits (three species, one region,
2007-2009).
"""


def _tool_outputs(messages: list[BaseMessage]) -> list[tuple[str, str]]:
    from langchain_core.messages import ToolMessage

    return [(m.name or "", m.text) for m in messages if isinstance(m, ToolMessage)]


def _call(tool: str, /, **args: Any) -> AIMessage:
    from langchain_core.messages import AIMessage

    return AIMessage(content="", tool_calls=[{"name": tool, "args": args, "id": f"call_{tool}"}])


def _say(text: str) -> AIMessage:
    from langchain_core.messages import AIMessage

    return AIMessage(content=text)


_SPECIES_SQL = (
    "SELECT species, count(*) AS n, count(*) FILTER (WHERE sex IS NULL) AS sex_missing, "
    "round(avg(body_mass_g)) AS mean_mass_g FROM penguins GROUP BY species ORDER BY species"
)


def _researcher(messages: list[BaseMessage]) -> AIMessage:
    seen = _tool_outputs(messages)
    plan: list[tuple[str, dict[str, Any]]] = [
        ("list_files", {"path": "data"}),
        ("read_file", {"path": "data/README.md"}),
        ("sql_load", {"path": "data/penguins.csv", "name": "penguins"}),
        ("sql_query", {"sql": _SPECIES_SQL}),
    ]
    if len(seen) < len(plan):
        name, args = plan[len(seen)]
        return _call(name, **args)
    loaded = re.search(r"(\d+) rows, (\d+) columns", seen[2][1])
    shape = f"{loaded.group(1)} rows and {loaded.group(2)} columns" if loaded else "its rows"
    table = "\n".join(ln for ln in seen[3][1].splitlines() if ln and not ln.startswith("-"))
    return _say(
        f"data/penguins.csv has {shape}; data/README.md documents them and says missing "
        "values are written NA (DuckDB read them as NULL). Per species, from SQL:\n"
        f"{table}"
    )


_CHART = """\
import csv
import matplotlib.pyplot as plt

rows = [r for r in csv.DictReader(open("data/penguins.csv")) if r["body_mass_g"] != "NA"]
species = sorted({r["species"] for r in rows})
masses = [[float(r["body_mass_g"]) for r in rows if r["species"] == s] for s in species]
plt.boxplot(masses)
plt.xticks(range(1, len(species) + 1), species)
plt.ylabel("body mass (g)")
plt.title("Palmer penguins: body mass by species")
"""


def _ran(output: str) -> tuple[bool, str]:
    """Whether a run_python call worked, and its stdout (or the error)."""
    if output.startswith("Error:") or "\nerror:" in f"\n{output}":
        return False, output.strip().splitlines()[-1] if output.strip() else output
    stdout = output.split("stdout:\n", 1)[-1] if "stdout:\n" in output else ""
    return True, stdout.split("\nresult:", 1)[0].split("\nstderr:", 1)[0].strip()


def _coder(messages: list[BaseMessage]) -> AIMessage:
    seen = _tool_outputs(messages)
    if not seen:
        return _call("think", thought="Standard library only: csv + statistics, skip NA cells.")
    if len(seen) == 1:
        return _call("write_file", path="analysis/species_summary.py", content=_SCRIPT)
    if len(seen) == 2:
        return _call(
            "run_python",
            code="import runpy\n"
            "_ = runpy.run_path('analysis/species_summary.py', run_name='__main__')",
        )
    if len(seen) == 3:
        return _call("run_python", code=_CHART)
    ok, out = _ran(seen[2][1])
    chart = re.search(r"chart saved: (\S+)", seen[3][1])
    if not ok:
        return _say(
            "Wrote analysis/species_summary.py (csv + statistics, NA cells skipped) but could not "
            f"run it: code execution is unavailable here ({out})."
        )
    return _say(
        "Wrote and ran analysis/species_summary.py (csv + statistics, NA cells skipped). "
        f"Its output:\n{out}\n"
        + (f"Chart of body mass by species: {chart.group(1)}." if chart else "")
    )


def _ml_specialist(messages: list[BaseMessage]) -> AIMessage:
    seen = _tool_outputs(messages)
    data = {"data": "data/penguins.csv", "target": "species"}
    if not seen:
        return _call("leakage_check", **data)
    if len(seen) == 1:
        # island is entangled with species here and year is not a property of the bird.
        return _call("train_model", **data, family="logistic", exclude=["island", "year"])
    trained = re.search(r"Trained model (\S+)", seen[1][1])
    if trained is None:  # training failed: say so instead of pretending
        return _say(f"Could not train a model: {seen[1][1].strip()[:400]}")
    model_id = trained.group(1)
    if len(seen) == 2:
        return _call("model_card", model_id=model_id)
    leak = seen[0][1].splitlines()[1] if len(seen[0][1].splitlines()) > 1 else seen[0][1]
    metrics = "\n".join(
        ln for ln in seen[1][1].splitlines() if ln.startswith(("metric", "accuracy", "f1", "roc"))
    )
    if len(seen) == 3:
        return _call(
            "write_file",
            path="reports/model_plan.md",
            content=_PLAN.format(leakage=leak, model_id=model_id, cv_results=metrics),
        )
    card = re.search(r"reports/\S+\.md", seen[2][1])
    return _say(
        f"Leakage check: {leak} Trained {model_id} (logistic regression on the four "
        "measurements and sex; island and year left out), preprocessing fitted inside each "
        f"fold, stratified 5-fold CV plus a holdout:\n{metrics}\n"
        f"Model card: {card.group(0) if card else 'written'}; plan: reports/model_plan.md."
    )


def _synthesis(messages: list[BaseMessage]) -> AIMessage:
    prompt = messages[-1].text
    sections = re.split(r"^## ", prompt, flags=re.M)[1:]
    lines = ["## What the team found", ""]
    for section in sections:
        title, _, body = section.partition("\n")
        body = "\n".join(ln for ln in body.splitlines() if not ln.startswith("Instruction:"))
        lines.append(f"**{title.strip()}**: {body.strip()}")
        lines.append("")
    lines.append("_This was a scripted demo run: the model is scripted, the tools are real._")
    return _say("\n".join(lines))


def _planner(messages: list[BaseMessage]) -> AIMessage:
    steps = [
        {
            "id": "s1",
            "agent": "researcher",
            "depends_on": [],
            "instruction": "Inspect data/ in the workspace: what data/penguins.csv holds (columns, "
            "meaning, how missing values are written); load it into SQL and summarise it by "
            "species.",
        },
        {
            "id": "s2",
            "agent": "coder",
            "depends_on": ["s1"],
            "instruction": "Write analysis/species_summary.py: load data/penguins.csv with the "
            "standard library, count missing values per column and print "
            "per-species means of the numeric measurements. Run it, and chart body mass "
            "by species.",
        },
        {
            "id": "s3",
            "agent": "ml_specialist",
            "depends_on": ["s1"],
            "instruction": "Write reports/model_plan.md: how to validate a species classifier on "
            "this data without leakage: check for leaks, train and register a baseline model "
            "with cross-validation, write its model card, and cover fairness and drift.",
        },
    ]
    return _call("submit_plan", steps=steps)


_AGENTS = {
    "planner": _planner,
    "researcher": _researcher,
    "coder": _coder,
    "ml_specialist": _ml_specialist,
    "synthesis": _synthesis,
}


def demo_model() -> BaseChatModel:
    """The ``scripted:demo`` model: each agent's turn computed from what it has seen."""
    from agentcore.testing import CallInfo, FunctionChatModel

    def respond(messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        handler = _AGENTS.get(info.agent or "", _synthesis)
        return handler(messages)

    return FunctionChatModel(respond, script_name="demo")

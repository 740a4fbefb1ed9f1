"""Generate the routing suite's data files: small synthetic CSVs the tasks refer to.

The routing suite (``evals/routing/suite.yaml``, written by hand) asks whether the planner
hands each task to the right agent. Tasks that mention a data file ship one, so that a real
model run can do the work; the files are synthetic, small, and made here from a fixed seed.
The Markdown and Python files under ``evals/routing/files/`` are written by hand.

Run ``uv run python -m tests.evals.suites.make_routing``; ``tests/evals/suites/test_bundled.py``
fails while the files are not what this writes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from tests.evals.suites._write import EVALS, write

FILES_DIR = EVALS / "routing" / "files"
SEED = 7


def churn() -> pd.DataFrame:
    """Customers of a subscription service and whether they left."""
    rng = np.random.default_rng(SEED)
    n = 200
    tenure = rng.integers(1, 72, n)
    monthly = rng.normal(60, 20, n).round(2).clip(10)
    tickets = rng.poisson(1.5, n)
    logit = -1.0 - 0.04 * tenure + 0.02 * (monthly - 60) + 0.5 * tickets
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "tenure_months": tenure,
            "monthly_charge": monthly,
            "support_tickets": tickets,
            "plan": rng.choice(["basic", "plus", "pro"], n),
            "churned": np.where(churned, "yes", "no"),
        }
    )


def loans() -> pd.DataFrame:
    """Loans and whether they defaulted; ``collections_calls`` is made after a default."""
    rng = np.random.default_rng(SEED + 1)
    n = 200
    income = rng.normal(52_000, 15_000, n).round(-2).clip(12_000)
    amount = rng.normal(15_000, 6_000, n).round(-2).clip(1_000)
    score = rng.normal(680, 60, n).round().clip(450, 850)
    logit = -2.0 + 0.00008 * (amount - 15_000) - 0.02 * (score - 680) - 0.00002 * (income - 52_000)
    defaulted = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "loan_id": np.arange(5001, 5001 + n),
            "income": income,
            "amount": amount,
            "credit_score": score.astype(int),
            "collections_calls": np.where(defaulted, rng.integers(3, 12, n), 0),
            "defaulted": defaulted.astype(int),
        }
    )


def _sensors(month_shift: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 150
    return pd.DataFrame(
        {
            "temperature_c": (rng.normal(21 + month_shift, 2, n)).round(2),
            "humidity_pct": rng.normal(45, 8, n).round(1),
            "vibration_mm_s": rng.gamma(2.0, 0.6 + 0.1 * month_shift, n).round(3),
            "line": rng.choice(["A", "B", "C"], n),
        }
    )


def january() -> pd.DataFrame:
    """Sensor readings of a production line in January."""
    return _sensors(0.0, SEED + 2)


def march() -> pd.DataFrame:
    """The same sensors in March: warmer, more vibration."""
    return _sensors(3.0, SEED + 3)


def raw_houses() -> pd.DataFrame:
    """House listings as scraped: areas as text ("120 m2"), some prices missing."""
    rng = np.random.default_rng(SEED + 4)
    n = 160
    area = rng.integers(40, 220, n)
    rooms = (area // 35 + rng.integers(0, 2, n)).clip(1)
    price = (area * rng.normal(3_200, 300, n) + rooms * 8_000).round(-3)
    price_text = pd.Series(price).astype("Int64").astype("string")
    price_text[rng.random(n) < 0.08] = pd.NA
    return pd.DataFrame({"area": [f"{a} m2" for a in area], "rooms": rooms, "price": price_text})


def patients() -> pd.DataFrame:
    """Hospital patients and 30-day readmission (see files/dataset_card.md)."""
    rng = np.random.default_rng(SEED + 5)
    n = 220
    age = rng.integers(18, 95, n)
    stay = rng.integers(1, 21, n)
    meds = rng.poisson(5, n)
    prior = rng.poisson(1, n)
    logit = -2.5 + 0.02 * (age - 55) + 0.08 * stay + 0.1 * meds + 0.4 * prior
    readmitted = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "patient_id": np.arange(90001, 90001 + n),
            "age": age,
            "length_of_stay": stay,
            "n_medications": meds,
            "n_prior_visits": prior,
            "discharge_note_length": np.where(
                readmitted, rng.integers(900, 2000, n), rng.integers(100, 800, n)
            ),
            "readmitted": np.where(readmitted, "yes", "no"),
        }
    )


def temperatures() -> pd.DataFrame:
    """Daily maximum temperatures of a week, in Fahrenheit."""
    return pd.DataFrame(
        {
            "day": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            "max_f": [68.0, 71.6, 75.2, 64.4, 59.0, 77.0, 80.6],
        }
    )


FILES: dict[str, Callable[[], pd.DataFrame]] = {
    "churn.csv": churn,
    "loans.csv": loans,
    "sensors_january.csv": january,
    "sensors_march.csv": march,
    "raw_houses.csv": raw_houses,
    "patients.csv": patients,
    "temperatures.csv": temperatures,
}


@cache
def csv_text(name: str) -> str:
    """One data file's text."""
    return str(FILES[name]().to_csv(index=False, lineterminator="\n"))


def main() -> None:
    """Write the data files."""
    for name in FILES:
        write(FILES_DIR / name, csv_text(name))


if __name__ == "__main__":
    main()

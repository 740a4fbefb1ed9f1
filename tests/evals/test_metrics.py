"""pass@k (HumanEval's unbiased estimator) and pass^k (tau-bench) against their closed forms."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import pytest

from agentcore.evals._metrics import pass_at_k, pass_hat_k


def closed_pass_at_k(n: int, c: int, k: int) -> Fraction:
    return 1 - Fraction(comb(n - c, k), comb(n, k))


def closed_pass_hat_k(n: int, c: int, k: int) -> Fraction:
    return Fraction(comb(c, k), comb(n, k))


@pytest.mark.parametrize("n", range(1, 13))
def test_both_match_the_closed_form_for_every_c_and_k(n: int) -> None:
    for c in range(n + 1):
        for k in range(1, n + 1):
            assert pass_at_k(n, c, k) == pytest.approx(float(closed_pass_at_k(n, c, k)), abs=1e-12)
            assert pass_hat_k(n, c, k) == pytest.approx(
                float(closed_pass_hat_k(n, c, k)), abs=1e-12
            )


def test_hand_cases() -> None:
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(4, 2, 2) == pytest.approx(5 / 6)  # 1 - C(2,2)/C(4,2) = 1 - 1/6
    assert pass_at_k(5, 0, 3) == 0.0
    assert pass_at_k(5, 3, 3) == 1.0  # only 2 failures: every 3 drawn hold a pass
    assert pass_hat_k(4, 2, 2) == pytest.approx(1 / 6)
    assert pass_hat_k(4, 4, 4) == 1.0
    assert pass_hat_k(4, 3, 4) == 0.0
    assert pass_hat_k(7, 3, 1) == pytest.approx(3 / 7) == pass_at_k(7, 3, 1)


def test_large_n_stays_exact_and_finite() -> None:
    # HumanEval's own setting: n=200 samples; the binomials have ~60 digits.
    for c, k in ((13, 1), (13, 10), (13, 100), (190, 100)):
        assert pass_at_k(200, c, k) == pytest.approx(float(closed_pass_at_k(200, c, k)), rel=1e-9)
        assert pass_hat_k(200, c, k) == pytest.approx(float(closed_pass_hat_k(200, c, k)), rel=1e-9)


def test_pass_at_k_grows_and_pass_hat_k_shrinks_with_k() -> None:
    at = [pass_at_k(10, 4, k) for k in range(1, 11)]
    hat = [pass_hat_k(10, 4, k) for k in range(1, 11)]
    assert at == sorted(at) and at[0] < at[-1]
    assert hat == sorted(hat, reverse=True) and hat[0] > hat[-1]


@pytest.mark.parametrize(("n", "c", "k"), [(0, 0, 1), (3, 4, 1), (3, -1, 1), (3, 1, 0), (3, 1, 4)])
def test_out_of_range_arguments_are_refused(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)
    with pytest.raises(ValueError):
        pass_hat_k(n, c, k)

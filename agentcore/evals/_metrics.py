"""Reliability over epochs: HumanEval's unbiased pass@k and tau-bench's pass^k.

Both take ``n`` runs of one case of which ``c`` passed. ``pass@k`` is the chance that at
least one of ``k`` runs drawn without replacement passes (can the agent do it at all?);
``pass^k`` the chance that all ``k`` pass (can it be trusted to do it every time?).
"""

from __future__ import annotations

import math

__all__ = ["pass_at_k", "pass_hat_k"]


def _check(n: int, c: int, k: int) -> None:
    if n < 1:
        raise ValueError(f"n must be at least 1 (got {n})")
    if not 0 <= c <= n:
        raise ValueError(f"c must be between 0 and n={n} (got {c})")
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and n={n} (got {k})")


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased estimate of pass@k: ``1 - C(n-c, k) / C(n, k)`` (Chen et al., 2021).

    Computed as HumanEval does, as a product of ratios rather than of two binomials, so it
    stays exact enough for any ``n`` without huge intermediate numbers.

    Args:
        n: Runs made.
        c: Runs that passed.
        k: Runs drawn.

    Raises:
        ValueError: Unless ``0 <= c <= n`` and ``1 <= k <= n``.
    """
    _check(n, c, k)
    if n - c < k:  # every draw of k runs holds a passing one
        return 1.0
    # C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i)
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def pass_hat_k(n: int, c: int, k: int) -> float:
    """pass^k: the chance that ``k`` runs drawn from ``n`` all pass, ``C(c, k) / C(n, k)``.

    tau-bench's reliability metric; ``pass^1`` equals ``pass@1`` (``c / n``).

    Args:
        n: Runs made.
        c: Runs that passed.
        k: Runs drawn.

    Raises:
        ValueError: Unless ``0 <= c <= n`` and ``1 <= k <= n``.
    """
    _check(n, c, k)
    if c < k:
        return 0.0
    # C(c, k) / C(n, k) = prod_{i=0}^{k-1} (c - i) / (n - i)
    return math.prod((c - i) / (n - i) for i in range(k))

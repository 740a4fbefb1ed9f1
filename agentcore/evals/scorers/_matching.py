"""Maximum bipartite matching: pair expected items with distinct actual items.

Used wherever order does not matter but each actual item may stand for one expected item only
(multiset JSON lists, unordered trajectories). A greedy first-fit pairing is not enough when
the fit relation is not an equivalence (argument subsets, tolerances), so this finds augmenting
paths (breadth-first, so long lists do not recurse deeply).
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["max_matching"]


def max_matching(n_left: int, n_right: int, fits: Callable[[int, int], bool]) -> list[int | None]:
    """Pair as many left items as possible with distinct right items they fit.

    Args:
        n_left: Number of left items (e.g. expected).
        n_right: Number of right items (e.g. actual).
        fits: ``fits(i, j)``: left item ``i`` may be paired with right item ``j``.

    Returns:
        For each left item, the index of its right item, or ``None`` when unpaired.

    """
    adjacent = [[j for j in range(n_right) if fits(i, j)] for i in range(n_left)]
    left_of: list[int | None] = [None] * n_right
    right_of: list[int | None] = [None] * n_left
    for start in range(n_left):
        reached_from: dict[int, int] = {}  # right item -> the left item that reached it
        frontier, seen, free = [start], {start}, None
        while frontier and free is None:
            following: list[int] = []
            for u in frontier:
                for j in adjacent[u]:
                    if j in reached_from:
                        continue
                    reached_from[j] = u
                    owner = left_of[j]
                    if owner is None:
                        free = j
                        break
                    if owner not in seen:
                        seen.add(owner)
                        following.append(owner)
                if free is not None:
                    break
            frontier = following
        j_next: int | None = free
        while j_next is not None:  # flip the alternating path
            u = reached_from[j_next]
            previous = right_of[u]
            right_of[u], left_of[j_next] = j_next, u
            j_next = previous
    return right_of

"""Recall@k, hit@k and MRR of ranked passage ids against the labelled questions.

* recall@k: the share of a question's relevant passages found in its first k results, averaged
  over questions (a question with three relevant passages and two of them in the top 5 scores
  0.67);
* hit@k: the share of questions with at least one relevant passage in the first k;
* MRR: the mean of 1 / rank of the first relevant passage in the ranking given (0 when none is
  in it); the scripts rank 10 results, so it is MRR@10.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corpus import Question


@dataclass(frozen=True, slots=True, kw_only=True)
class Scores:
    recall: float
    hit: float
    mrr: float
    misses: tuple[str, ...]  # ids of the questions with no relevant passage in the top k


def score(
    questions: Sequence[Question], ranked: Mapping[str, Sequence[str]], *, k: int = 5
) -> Scores:
    recall = hit = mrr = 0.0
    misses = []
    for q in questions:
        ids = list(ranked[q.id])
        relevant = set(q.relevant)
        found = relevant & set(ids[:k])
        recall += len(found) / len(relevant)
        hit += bool(found)
        if not found:
            misses.append(q.id)
        first = next((i for i, pid in enumerate(ids) if pid in relevant), None)
        mrr += 0.0 if first is None else 1.0 / (first + 1)
    n = len(questions)
    return Scores(recall=recall / n, hit=hit / n, mrr=mrr / n, misses=tuple(misses))

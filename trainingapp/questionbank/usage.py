"""How often questions were used and answered correctly.

The exams domain knows this but builds on the question bank, so it registers a provider
here at start-up instead of the bank importing exams.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable


@dataclass(frozen=True)
class Usage:
    used: int = 0       # papers the question was drawn into
    answered: int = 0   # graded answers
    correct: int = 0    # fully correct answers

    @property
    def facility(self) -> float | None:
        return self.correct / self.answered if self.answered else None


_providers: list[Callable[[list[int]], dict[int, Usage]]] = []


def register(provider: Callable[[list[int]], dict[int, Usage]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def usage_of(question_ids: Iterable[int]) -> dict[int, Usage]:
    """Usage per question id (zeros for questions nobody has used)."""
    ids = list(question_ids)
    totals = {qid: Usage() for qid in ids}
    for provider in _providers:
        for qid, found in provider(ids).items():
            mine = totals.get(qid, Usage())
            totals[qid] = Usage(mine.used + found.used, mine.answered + found.answered,
                                mine.correct + found.correct)
    return totals

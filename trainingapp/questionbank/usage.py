"""How often questions were used and answered correctly, and which exams lock them.

The exams domain knows both but builds on the question bank, so the bank asks through
signals that exams answers (platform/signals.py) instead of importing exams.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..platform import signals


@dataclass(frozen=True)
class Usage:
    used: int = 0       # papers the question was drawn into
    answered: int = 0   # graded answers
    correct: int = 0    # fully correct answers

    @property
    def facility(self) -> float | None:
        return self.correct / self.answered if self.answered else None


def usage_of(question_ids: Iterable[int]) -> dict[int, Usage]:
    """Usage per question id (zeros for questions nobody has used), from the receivers of
    `signals.question_usage` (the exams domain)."""
    ids = list(question_ids)
    totals = {qid: Usage() for qid in ids}
    for answer in signals.answers(signals.question_usage, question_ids=ids):
        for qid, found in (answer or {}).items():
            mine = totals.get(qid, Usage())
            totals[qid] = Usage(mine.used + found.used, mine.answered + found.answered,
                                mine.correct + found.correct)
    return totals


@dataclass(frozen=True)
class ExamLock:
    """A published exam that holds a question, so its key may change only by a correction."""

    exam_id: int
    title: str
    owner_id: int | None
    #: Published and not yet closed (running or upcoming): the question cannot be retired.
    is_open: bool
    #: Why it holds it: "fixed" (on the fixed paper), "drawn" (on an attempt's paper) or
    #: "pool" (an open exam may still draw it).
    why: str


def locks_of(question_ids: Iterable[int]) -> dict[int, list[ExamLock]]:
    """Per question id, the published exams that lock it (empty list: none), from the
    receivers of `signals.question_locks` (the exams domain)."""
    ids = list(question_ids)
    found: dict[int, list[ExamLock]] = {qid: [] for qid in ids}
    for answer in signals.answers(signals.question_locks, question_ids=ids):
        for qid, locks in (answer or {}).items():
            found.setdefault(qid, []).extend(locks)
    for locks in found.values():
        locks.sort(key=lambda lock: lock.exam_id)
    return found

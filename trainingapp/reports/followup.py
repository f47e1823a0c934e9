"""学法考试不合格/未参考人员名单: who did not pass, or did not take, a required exam after its
make-up, as plain data (no Flask, no database).

The list is not a second definition: it filters the exam report's own candidate records with the
report's own status rule (`rates.person_status`), so for every exam its 不合格 entries are exactly
the report's failed count (participants − passed) and its 未参考 entries exactly required −
participants. Exempt candidates (免考) are never listed, whatever they scored; candidates
removed from the list are not in the records at all; a candidate whose result awaits marks
(待阅卷) is neither failed nor absent and is not listed (the 不合格 count is then participants −
passed − pending), and the list stays provisional until their marking is complete.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .rates import CandidateRecord, ExamRules, counting_result, person_status

#: The statuses the list holds, in the order the page explains them.
LISTED = ("fail", "absent")


@dataclass(frozen=True)
class Entry:
    """One person who did not pass or did not take one exam."""

    exam_id: int
    user_id: int
    department_id: int  # as recorded on the candidate list, as the report counts it
    category: str  # staff category code on the candidate list
    status: str  # "fail" (不合格) or "absent" (未参考)
    score: float | None  # the counting result (best/last, better of exam and make-up); None when absent
    #: Whether they submitted an attempt in the make-up; None when the exam has no make-up.
    took_makeup: bool | None


def entries(records: Iterable[CandidateRecord], rules: ExamRules, *, exam_id: int,
            has_makeup: bool) -> list[Entry]:
    """The records of one exam whose status is 不合格 or 未参考, in the order given; each person
    at most once (a record is one candidate)."""
    found = []
    for record in records:
        status = person_status(record, rules)
        if status in LISTED:
            found.append(Entry(exam_id=exam_id, user_id=record.user_id, department_id=record.department_id,
                               category=record.category, status=status,
                               score=counting_result(record, rules) if status == "fail" else None,
                               took_makeup=bool(record.makeup_scores) if has_makeup else None))
    return found


def is_final(closes_at: Sequence[datetime], running: int, moment: datetime, pending: int = 0) -> bool:
    """Whether a result can no longer change: every window (the exam's and its make-up's) has
    closed, no attempt of either is still in progress (one given extra time, or inside its
    grace period, could still be submitted) and no result awaits marks. Overdue attempts must
    have been closed first."""
    return all(close <= moment for close in closes_at) and running == 0 and pending == 0


def ordered(found: Iterable[Entry], department_order: dict[int, int], names: dict[int, str],
            exam_order: dict[int, int]) -> list[Entry]:
    """By department (in the tree's display order), then name, then exam (in the order they opened),
    so a department's people stand together and one person's exams follow each other."""
    last = len(department_order)
    return sorted(found, key=lambda e: (department_order.get(e.department_id, last), names.get(e.user_id, ""),
                                        e.user_id, exam_order.get(e.exam_id, 0)))


def tally(found: Iterable[Entry]) -> dict[int, dict[str, int]]:
    """exam id -> {"fail": n, "absent": n}: what the list holds per exam (to set beside the report)."""
    counts: dict[int, dict[str, int]] = {}
    for entry in found:
        per_exam = counts.setdefault(entry.exam_id, dict.fromkeys(LISTED, 0))
        per_exam[entry.status] += 1
    return counts

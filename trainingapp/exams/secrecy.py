"""题目保密: questions an exam still needs are not practised and their keys are not shown.

Practice, the review of a finished attempt and the wrong-answer book all reveal keys. If
their questions overlap the pool of an exam that can still be taken, they are a harvesting
tool: practise for a while, note every key, then sit the exam from the notes. So while an
exam with `protect_questions` is published and not over, every question of its pool (the
questions its rules can draw, or its fixed items) is held back from practice and its key,
explanation and legal basis are left out of every review. A main exam stays protected while
a make-up of it is published and not over, since the make-up's candidates can still use its
keys. Drafts protect nothing: their pool is not fixed yet.

"Not over" means the window has not closed, and no attempt is still running: an attempt given
extra time may run past the close, and every attempt keeps its grace period after it.

`protected_question_ids()` is the one entry point; it is read on practice and review pages,
never on the exam's start or save.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import g
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from ..platform.clock import now
from ..platform.extensions import db
from .models import Attempt, Exam
from .timing import OVER, exam_phase

#: The database narrows the exams to read with this bound on grace periods and overruns
#: (exact checks follow in `protecting_exams`); an exam with a longer grace is always read.
_NEAR = timedelta(days=1)


@dataclass(frozen=True)
class ExamWindow:
    """What decides whether one published exam protects its pool (plain data)."""

    id: int
    makeup_of_id: int | None
    closes_at: datetime
    #: The latest deadline of its attempts still in progress (None: none in progress).
    latest_deadline: datetime | None
    grace_seconds: int
    protect: bool
    pool_ids: frozenset[int]


def is_running(exam: ExamWindow, moment: datetime) -> bool:
    """Whether the exam can still take answers (or will): before its close or an attempt's
    deadline, each with the grace period after it."""
    return exam_phase(exam.closes_at, moment, latest_deadline=exam.latest_deadline,
                      grace_seconds=exam.grace_seconds) != OVER


def protecting_exams(exams: Iterable[ExamWindow], moment: datetime) -> set[int]:
    """Ids of the published exams whose pool is protected at `moment`: those with protection
    on that are running, or whose make-up is running."""
    exams = list(exams)
    running = {exam.id for exam in exams if is_running(exam, moment)}
    pending_mains = {exam.makeup_of_id for exam in exams if exam.id in running and exam.makeup_of_id}
    return {exam.id for exam in exams if exam.protect and (exam.id in running or exam.id in pending_mains)}


def protected_ids_of(exams: Iterable[ExamWindow], moment: datetime) -> frozenset[int]:
    """The union of the pools of the protecting exams."""
    exams = list(exams)
    protecting = protecting_exams(exams, moment)
    return frozenset().union(*(exam.pool_ids for exam in exams if exam.id in protecting))


def _latest_deadline(exam):
    return (select(func.max(Attempt.deadline_at))
            .where(Attempt.exam_id == exam.id, Attempt.status == "in_progress")
            .correlate(exam).scalar_subquery())


def _maybe_running(exam, cutoff):
    # Coarse on purpose (a day of slack): the exact rule is `is_running`, in Python.
    return or_(exam.closes_at > cutoff, exam.grace_seconds > _NEAR.total_seconds(),
               _latest_deadline(exam) > cutoff)


def exam_windows(moment: datetime) -> list[ExamWindow]:
    """The published exams that may be running at `moment`, and the main exams of make-ups
    that may be, in one statement."""
    cutoff = moment - _NEAR
    makeup = aliased(Exam)
    mains_of_running_makeups = select(makeup.makeup_of_id).where(
        makeup.state == "published", makeup.makeup_of_id.is_not(None), _maybe_running(makeup, cutoff))
    rows = db.session.execute(
        select(Exam.id, Exam.makeup_of_id, Exam.closes_at, _latest_deadline(Exam), Exam.grace_seconds,
               Exam.protect_questions, Exam.pool_snapshot)
        .where(Exam.state == "published",
               # A personal mock draws from its real exam's pool and closes with it: the real
               # exam protects that pool (a mock's attempt ends by the close), at one row, not one per person.
               Exam.personal_mock_of_id.is_(None),
               or_(_maybe_running(Exam, cutoff), Exam.id.in_(mains_of_running_makeups)))).all()
    return [ExamWindow(id=exam_id, makeup_of_id=main_id, closes_at=closes_at, latest_deadline=latest,
                       grace_seconds=grace, protect=bool(protect),
                       pool_ids=frozenset(row[0] for row in pool or []))
            for exam_id, main_id, closes_at, latest, grace, protect, pool in rows]


def protected_question_ids() -> frozenset[int]:
    """Ids of the questions held back now (practice and reviews leave them out); worked out
    once per request."""
    found = g.get("_protected_question_ids")
    if found is None:
        moment = now()
        found = g._protected_question_ids = protected_ids_of(exam_windows(moment), moment)
    return found

"""My exams: every published exam a person is a candidate of, as they see it."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..platform.clock import isoformat, now
from ..platform.extensions import db
from . import marks
from .finalising import finalize
from .models import Attempt, Exam, ExamCandidate
from .timing import allowed_attempts, exam_status, is_overdue


@dataclass
class ExamView:
    """One exam as the signed-in person sees it on "My exams"."""

    exam: Exam
    candidate: ExamCandidate
    status: str                     # upcoming, open, in_progress, finished, missed, exempt
    attempts_used: int
    attempts_left: int
    in_progress: Attempt | None
    best: float | None              # the counting score of this exam (None while pending)
    band: str                       # excellent, pass, fail, absent, pending (awaits marks)
    attempts: list = None           # every attempt, in order (for links to results)

    @property
    def is_mock(self) -> bool:
        """Listed under its own heading: a mock exam, the person's own or a trainer's."""
        return self.exam.is_mock

    def as_json(self) -> dict:
        result = None
        if self.band == marks.PENDING:
            result = {"score": None, "total": self.exam.total_points, "passed": None, "excellent": None,
                      "awaiting_marks": True}
        elif self.best is not None and self.exam.review_policy != "never":
            result = {"score": self.best, "total": self.exam.total_points,
                      "passed": self.band in ("pass", "excellent"), "excellent": self.band == "excellent",
                      "awaiting_marks": False}
        return {"id": self.exam.id, "title": self.exam.title, "description": self.exam.description,
                "opens_at": isoformat(self.exam.opens_at), "closes_at": isoformat(self.exam.closes_at),
                "latest_start_at": isoformat(self.exam.latest_start_at) if self.exam.latest_start_at else None,
                "duration_minutes": self.exam.duration_minutes + self.candidate.extra_minutes,
                "question_count": self.exam.question_count, "total": self.exam.total_points,
                "status": self.status, "attempts_used": self.attempts_used, "attempts_left": self.attempts_left,
                "attempt_id": self.in_progress.id if self.in_progress else None,
                "deadline": isoformat(self.in_progress.deadline_at) if self.in_progress else None,
                "is_makeup": self.exam.makeup_of_id is not None, "is_mock": self.exam.is_mock,
                "personal_mock_of": self.exam.personal_mock_of_id, "result": result}


def exam_views(user) -> list[ExamView]:
    """Every published exam this person is a candidate of, with their status (finalises overdue attempts)."""
    rows = db.session.execute(
        select(Exam, ExamCandidate).join(ExamCandidate, ExamCandidate.exam_id == Exam.id)
        .where(ExamCandidate.user_id == user.id, ExamCandidate.removed.is_(False), Exam.state == "published")
        .order_by(Exam.opens_at.desc())).all()
    if not rows:
        return []
    attempts = db.session.scalars(select(Attempt).where(
        Attempt.user_id == user.id, Attempt.exam_id.in_([e.id for e, _c in rows])).order_by(Attempt.number)).all()
    moment = now()
    for attempt in attempts:
        if attempt.status == "in_progress" and is_overdue(attempt, attempt.exam, moment):
            finalize(attempt.id, reason="deadline")
    views = []
    for exam, candidate in rows:
        mine = [a for a in attempts if a.exam_id == exam.id]
        finished = [a for a in mine if a.is_finished]
        best, pending = marks.attempts_result([a.score for a in finished], exam.counting)
        views.append(ExamView(
            exam=exam, candidate=candidate, status=exam_status(exam, candidate, mine, moment),
            attempts_used=len(mine), attempts_left=max(allowed_attempts(exam, candidate) - len(finished), 0),
            in_progress=next((a for a in mine if a.status == "in_progress"), None), best=best,
            band=marks.PENDING if pending else marks.grade_band(best, exam.pass_mark, exam.excellent_mark),
            attempts=mine))
    return views

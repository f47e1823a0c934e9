"""My learning: one person's year of courses and credits, sessions attended and exams."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import select

from ...accounts.models import User
from ...accounts.permissions import can_manage_user
from ...exams import marks
from ...exams.models import Attempt, Exam, ExamCandidate
from ...exams.timing import CLOSING, OVER, allowed_attempts, exam_phase
from ...platform.clock import now
from ...platform.extensions import db
from ...platform.params import year_arg
from ..courses import services as course_services

bp = Blueprint("learning", __name__)

#: Attendance statuses that mean the person was there (and earns the session's hours).
ATTENDED = ("present", "late", "walk_in")


@dataclass
class ExamLine:
    exam: Exam
    window: str           # the exam's own state: upcoming, open, closed
    participation: str    # the person's: exempt, answering, taken, not_taken, missed
    attempts_used: int
    attempts_left: int
    score: float | None   # the counting score, None when not taken or not to be shown
    band: str             # excellent, pass, fail, absent, pending (awaits marks), hidden
    exempt_reason: str | None


@bp.route("/learning")
def my_learning():
    return _page(current_user, own=True)


@bp.route("/learning/<int:user_id>")
def person_learning(user_id):
    """Someone's learning record: for admins, and for the person's liaison."""
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    if person.id == current_user.id:
        return _page(current_user, own=True)
    if not can_manage_user(current_user, person):
        abort(403)
    return _page(person, own=False)


def _page(person, *, own: bool):
    this_year = course_services.local_year()
    year = year_arg("year", this_year)
    if not 2000 <= year <= this_year + 1:
        year = this_year
    completions = course_services.completions_in_year(person.id, year)
    studied = course_services.studied_courses(person.id)
    cards = course_services.course_cards(person.id, studied)
    in_progress = [c for c in cards if not c.is_completed]
    sessions = _sessions_attended(person.id, year)
    exams = _exam_lines(person, year, own=own)
    return render_template(
        "training/learning/page.html", person=person, own=own, year=year,
        years=list(range(this_year, this_year - 5, -1)),
        credits=course_services.credits_in_year(person.id, year), completions=completions,
        in_progress=in_progress if year == this_year else [], sessions=sessions,
        hours=sum(float(s.hours or 0) for s, _a in sessions) if sessions is not None else None,
        # Mock exams count nowhere: listed apart, out of the "exams taken" figure.
        exams=[line for line in exams if not line.exam.is_mock], mocks=[line for line in exams if line.exam.is_mock])


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """The local calendar year as naive UTC [start, end)."""
    zone = course_services.local_zone()

    def utc(moment):
        return moment.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)

    return utc(datetime(year, 1, 1)), utc(datetime(year + 1, 1, 1))


def _sessions_attended(person_id: int, year: int):
    """[(session, attendance)] the person attended in the year; None while sessions do not exist."""
    try:
        from ..sessions.models import Attendance, TrainingSession
    except ImportError:  # training sessions are a separate part of the platform
        return None
    start, end = _year_bounds(year)
    return db.session.execute(
        select(TrainingSession, Attendance).join(Attendance, Attendance.session_id == TrainingSession.id)
        .where(Attendance.user_id == person_id, Attendance.status.in_(ATTENDED),
               TrainingSession.starts_at >= start, TrainingSession.starts_at < end)
        .order_by(TrainingSession.starts_at)).all()


def exam_window(exam: Exam, moment) -> str:
    """The exam's own state, the same for everyone: upcoming, open or closed."""
    phase = exam_phase(exam.closes_at, moment, opens_at=exam.opens_at)
    return "closed" if phase in (CLOSING, OVER) else phase


def participation(candidate, attempts, window: str) -> str:
    """The person's part in the exam, apart from the exam's state: exempt, answering, taken, not_taken, missed."""
    if candidate.is_exempt:
        return "exempt"
    if any(a.status == "in_progress" for a in attempts):
        return "answering"
    if any(a.is_finished for a in attempts):
        return "taken"
    return "missed" if window == "closed" else "not_taken"


def _exam_lines(person, year: int, *, own: bool) -> list[ExamLine]:
    """The published exams of the year this person is a candidate of, with their result.

    Read directly (no finalising of overdue attempts, which is the candidate's pages' job);
    the person themself does not see a score the exam's review policy hides.
    """
    rows = db.session.execute(
        select(Exam, ExamCandidate).join(ExamCandidate, ExamCandidate.exam_id == Exam.id)
        .where(ExamCandidate.user_id == person.id, ExamCandidate.removed.is_(False), Exam.state == "published",
               Exam.year == year)
        .order_by(Exam.opens_at)).all()
    if not rows:
        return []
    attempts = db.session.scalars(select(Attempt).where(
        Attempt.user_id == person.id, Attempt.exam_id.in_([e.id for e, _c in rows])).order_by(Attempt.number)).all()
    moment = now()
    lines = []
    for exam, candidate in rows:
        mine = [a for a in attempts if a.exam_id == exam.id]
        finished = [a for a in mine if a.is_finished]
        best, pending = marks.attempts_result([a.score for a in finished], exam.counting)
        hidden = own and exam.review_policy == "never"
        lines.append(ExamLine(exam=exam, window=exam_window(exam, moment),
                              participation=participation(candidate, mine, exam_window(exam, moment)),
                              attempts_used=len(finished),
                              attempts_left=max(allowed_attempts(exam, candidate) - len(finished), 0),
                              score=None if hidden else best,
                              band=marks.PENDING if pending else "hidden" if hidden and best is not None
                              else marks.grade_band(best, exam.pass_mark, exam.excellent_mark),
                              exempt_reason=candidate.exempt_reason))
    return lines

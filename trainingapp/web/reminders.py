"""`flask --app run reminders schedule` (cron, hourly): the reminders that depend on time.

- an official exam closing within 24 hours: each candidate (not removed, not exempt) who has
  not started it is reminded once (key closing:<exam>);
- a training session starting tomorrow (local date): each person expected there is told once
  (key session:<session>).
It lives here, above exams and training, because it reads both; it only creates notifications
(and their queued messages) through notifications.notify, so running it twice changes nothing.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import exists, select

from ..exams.models import Attempt, Exam, ExamCandidate
from ..notifications import messages
from ..notifications import services as notifications
from ..platform.clock import now, to_local, to_utc
from ..platform.extensions import db
from ..training.sessions.models import TrainingSession
from ..training.sessions.services import expected_ids

CLOSING_WITHIN = timedelta(hours=24)


def remind_closing_exams(moment: datetime) -> int:
    """Remind the candidates who have not started an exam that closes within 24 hours."""
    exams = db.session.scalars(select(Exam).where(
        Exam.state == "published", Exam.counts_officially, Exam.personal_mock_of_id.is_(None),
        Exam.opens_at <= moment, Exam.closes_at > moment, Exam.closes_at <= moment + CLOSING_WITHIN)).all()
    reminded = 0
    for exam in exams:
        started = exists().where(Attempt.exam_id == exam.id, Attempt.user_id == ExamCandidate.user_id)
        people = db.session.scalars(select(ExamCandidate.user_id).where(
            ExamCandidate.exam_id == exam.id, ExamCandidate.removed.is_(False),
            ExamCandidate.exempt_reason.is_(None), ~started)).all()
        reminded += notifications.notify(people, "exam_closing", messages.exam_closing(exam.title, exam.closes_at),
                                         key=f"closing:{exam.id}",
                                         link=notifications.path_for("exams.exam_rules", exam_id=exam.id))
    return reminded


def announce_tomorrows_sessions(moment: datetime) -> int:
    """Tell the people expected at each session that starts tomorrow (local date)."""
    tomorrow = to_local(moment).date() + timedelta(days=1)
    start = to_utc(datetime.combine(tomorrow, time()))
    sessions = db.session.scalars(select(TrainingSession).where(
        TrainingSession.starts_at >= start, TrainingSession.starts_at < start + timedelta(days=1))).all()
    told = 0
    for session in sessions:
        told += notifications.notify(expected_ids(session), "session_tomorrow",
                                     messages.session_tomorrow(session.title, session.starts_at, session.place),
                                     key=f"session:{session.id}",
                                     link=notifications.path_for("sessions.checkin_home"))
    return told


def schedule(moment: datetime | None = None) -> tuple[int, int]:
    """Create the due reminders; committed. Returns (exam reminders, session notices) created."""
    moment = moment or now()
    closing = remind_closing_exams(moment)
    sessions = announce_tomorrows_sessions(moment)
    db.session.commit()
    return closing, sessions


@click.group()
def reminders():
    """Reminders that depend on the time."""


@reminders.command("schedule")
@with_appcontext
def schedule_command():
    """Create the reminders due now (exams closing within 24 h, sessions tomorrow); idempotent."""
    closing, sessions = schedule()
    click.echo(f"exam closing reminders: {closing}; session notices: {sessions}")

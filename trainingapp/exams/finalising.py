"""Closing an attempt: the candidate's submit, the deadline passed, the tab limit reached.

Closing grades the attempt (`scoring`), stamps when and why it ended and its receipt. An
attempt left open past its deadline and grace is closed at its deadline by whoever meets it
first: the candidate's own pages, a save, the start of another attempt, the cron command or
the embedded server's background pass (`finalizer`).
"""
from __future__ import annotations

from sqlalchemy import select

from ..notifications import messages
from ..notifications import services as notifications
from ..platform.clock import isoformat, now
from ..platform.database import commit_keeping_loaded
from ..platform.extensions import db
from . import certificate_issuing, grading
from .models import Attempt, Exam
from .scoring import score_attempt
from .taking import own_attempt
from .timing import is_overdue, past_grace


def close_attempt(attempt: Attempt, status: str, at, reason: str | None) -> None:
    """Grade the attempt and mark it closed (the caller commits)."""
    score, responses = score_attempt(attempt)
    attempt.status, attempt.submitted_at, attempt.finish_reason = status, at, reason
    attempt.score = score
    attempt.receipt = grading.receipt_code(attempt.id, responses, isoformat(at))
    # A new finished attempt can change the counting result a certificate states; one that
    # awaits marks changes it when its marks are complete (marking refreshes then).
    if not attempt.awaiting_marks:
        certificate_issuing.refresh_after_close(attempt)
        announce_result(attempt)


def announce_result(attempt: Attempt) -> int:
    """Tell the candidate their result is ready (once per attempt; official exams only). Called
    when an attempt closes with its score; the marking of subjective answers calls it when the
    last mark makes a waiting result final. Part of the caller's transaction."""
    exam = attempt.exam
    if not exam.counts_officially or attempt.score is None:
        return 0
    passed = attempt.score >= exam.pass_mark
    return notifications.notify([attempt.user_id], "result_ready",
                                messages.result_ready(exam.title, certificate=passed),
                                key=f"result:{attempt.id}",
                                link=notifications.path_for("exams.result", attempt_id=attempt.id), group=False)


def submit_attempt(user, attempt_id: int) -> Attempt:
    """Grade and close the attempt; submitting twice returns the same result."""
    attempt = own_attempt(user, attempt_id, lock="update", with_exam=True)
    if attempt.is_finished:
        return attempt
    moment = now()
    if is_overdue(attempt, attempt.exam, moment):
        close_attempt(attempt, "auto_submitted", attempt.deadline_at, "deadline")
    else:
        close_attempt(attempt, "submitted", moment, None)
    # The result is read from the attempt and its exam at once: keep them loaded.
    commit_keeping_loaded(db.session)
    return attempt


def finalize(attempt_id: int, *, reason: str) -> bool:
    """Close an attempt the candidate did not submit (deadline or tab limit); False if already closed."""
    attempt = db.session.scalar(select(Attempt).where(Attempt.id == attempt_id).with_for_update())
    if attempt is None or attempt.is_finished:
        db.session.rollback()
        return False
    if reason == "deadline" and not is_overdue(attempt, attempt.exam):
        db.session.rollback()
        return False
    close_attempt(attempt, "auto_submitted", attempt.deadline_at if reason == "deadline" else now(), reason)
    db.session.commit()
    return True


def finalize_overdue(exam_id: int | None = None) -> int:
    """Close every attempt past its deadline and grace (for one exam or all); returns how many."""
    moment = now()
    query = (select(Attempt.id, Attempt.deadline_at, Exam.grace_seconds).join(Exam)
             .where(Attempt.status == "in_progress", Attempt.deadline_at < moment))
    if exam_id is not None:
        query = query.where(Attempt.exam_id == exam_id)
    closed = 0
    for attempt_id, deadline, grace_seconds in db.session.execute(query).all():
        if past_grace(deadline, grace_seconds, moment):
            closed += finalize(attempt_id, reason="deadline")
    return closed

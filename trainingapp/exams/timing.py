"""The time rules of an exam and its attempts, as pure functions of the moment asked about.

The server alone decides time: callers pass `clock.now()` (or let `is_overdue` read it).
Nothing here queries the database (callers load what the rules read).

Whether an exam is still open is `exam_phase`, the one answer to every form of the question:
may it still be started (the candidate's pages), may a key still change freely (the key lock),
may a running attempt still take an answer (question secrecy), may the review open.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from ..platform.clock import now

#: The phases of an exam, in order (see `exam_phase`).
UPCOMING, OPEN, CLOSING, OVER = "upcoming", "open", "closing", "over"


def exam_phase(closes_at: datetime, moment: datetime, *, opens_at: datetime | None = None,
               latest_deadline: datetime | None = None, grace_seconds: int = 0) -> str:
    """Where the exam stands at `moment`:

    - UPCOMING before `opens_at` (never when `opens_at` is not given: callers that only ask
      whether the exam is over need not read it);
    - OPEN from then until `closes_at` (excluded);
    - CLOSING from `closes_at` while an attempt may still take answers: until the latest deadline
      of its attempts in progress (an attempt given extra time may run past the close), or the
      close, whichever is later, plus the grace period (both included);
    - OVER after that.
    """
    if opens_at is not None and moment < opens_at:
        return UPCOMING
    if moment < closes_at:
        return OPEN
    end = max(closes_at, latest_deadline or closes_at)
    return CLOSING if moment <= end + timedelta(seconds=grace_seconds) else OVER


def grace(exam) -> timedelta:
    return timedelta(seconds=exam.grace_seconds)


def past_grace(deadline: datetime, grace_seconds: int, moment: datetime) -> bool:
    """Past the deadline and the grace period: nothing more is accepted."""
    return moment > deadline + timedelta(seconds=grace_seconds)


def is_overdue(attempt, exam, moment: datetime | None = None) -> bool:
    return past_grace(attempt.deadline_at, exam.grace_seconds, moment or now())


def attempt_deadline(exam, candidate, started_at: datetime) -> datetime:
    """The exam's duration plus the candidate's extra time, never past the exam's close."""
    return min(started_at + timedelta(minutes=exam.duration_minutes + candidate.extra_minutes), exam.closes_at)


def allowed_attempts(exam, candidate) -> int:
    return exam.attempts_allowed + candidate.extra_attempts


def can_start_now(exam, moment: datetime) -> bool:
    latest = exam.latest_start_at or exam.closes_at
    return exam.opens_at <= moment < min(latest, exam.closes_at)


def exam_status(exam, candidate, attempts: list, moment: datetime) -> str:
    """upcoming, open, in_progress, finished, missed or exempt, for one candidate."""
    if candidate.is_exempt:
        return "exempt"
    if any(a.status == "in_progress" for a in attempts):
        return "in_progress"
    finished = [a for a in attempts if a.is_finished]
    if moment < exam.opens_at:
        return "upcoming"
    if can_start_now(exam, moment) and len(finished) < allowed_attempts(exam, candidate):
        return "open"
    return "finished" if finished else "missed"


def review_open(attempt, moment: datetime | None = None) -> bool:
    """Whether the review of a finished attempt (answers, keys, explanations) is open: under
    "after_submit" as soon as the attempt is finished, under "full" once the window has closed,
    never under "score" and "never"; never for an attempt still in progress.

    Open is not yet shown: question secrecy (`secrecy.protected_question_ids`) still holds back,
    question by question, the keys of a pool an exam that can still be taken uses. Under
    "after_submit" with `protect_questions` that is the attempt's own exam, so its keys wait
    until it and any make-up of it are over, however early someone submits."""
    if not attempt.is_finished:
        return False
    exam = attempt.exam
    if exam.review_policy == "after_submit":
        return True
    if exam.review_policy != "full":
        return False
    return exam_phase(exam.closes_at, moment or now(), opens_at=exam.opens_at) not in (UPCOMING, OPEN)

"""Taking an exam: what every step of the attempt path shares.

The steps live by what they do: `timing` (the time rules), `starting`, `payloads` (what the
exam page is sent), `saving` (the autosave and its fast paths), `scoring` (an attempt's answers
against the keys), `finalising` (submit, deadline, tab limit), `tab_events` and `my_exams`.
Here: the refusal they all raise, the person's own attempt, and who is in the middle of one.

The server alone decides time: every check asks `clock.now()`. Every acknowledged save is
one atomic upsert that a later (higher `seq`) save may overwrite and an older one never
does; a save and a submit of the same attempt are serialised by a row lock on the
attempt, so a submit grades exactly the answers acknowledged before it.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..accounts.session_rules import Refusal
from ..platform import signals
from ..platform.clock import now
from ..platform.extensions import db
from .models import Attempt, Exam
from .timing import past_grace


class Refused(Exception):
    """The request cannot be honoured; `code` is stable for the API, `message` for people."""

    def __init__(self, code: str, message, status: int = 409):
        super().__init__(code)
        self.code, self.message, self.status = code, message, status

    @classmethod
    def session(cls, refusal: Refusal) -> Refused:
        """The refusal of a session that may not go on (accounts.session_rules)."""
        return cls(refusal.code, refusal.message, refusal.status)


def own_attempt(user, attempt_id: int, *, lock: str | None = None, with_exam: bool = False) -> Attempt:
    """The person's own attempt; 404 for anyone else's (no hint that it exists).

    `with_exam`: its exam in the same statement (locks, if any, stay on the attempt alone)."""
    query = select(Attempt).where(Attempt.id == attempt_id)
    if with_exam:
        query = query.options(joinedload(Attempt.exam, innerjoin=True))
    if lock == "share":
        query = query.with_for_update(read=True, of=Attempt)
    elif lock == "update":
        query = query.with_for_update(of=Attempt)
    attempt = db.session.scalar(query)
    if attempt is None or attempt.user_id != user.id:
        raise Refused("not_found", _l("There is no such attempt."), 404)
    return attempt


def attempts_in_progress(exam_id: int) -> int:
    return db.session.scalar(select(func.count(Attempt.id)).where(Attempt.exam_id == exam_id,
                                                                  Attempt.status == "in_progress"))


def attempts_awaiting_marks(exam_id: int) -> int:
    """How many finished attempts of the exam await marks (待阅卷)."""
    return db.session.scalar(select(func.count(Attempt.id)).where(Attempt.exam_id == exam_id,
                                                                  Attempt.awaiting_marks.is_(True)))


def has_attempt_in_progress(user) -> bool:
    """Someone in the middle of an exam is never signed out for being idle: True only while one of
    their open attempts is within its deadline plus grace (an overdue attempt nobody has finalised
    yet waives nothing: it can no longer take an answer)."""
    moment = now()
    # The same rule as every other deadline check (past_grace), in Python: a person has at most
    # a few open attempts, and interval arithmetic differs between SQLite and PostgreSQL.
    rows = db.session.execute(select(Attempt.deadline_at, Exam.grace_seconds).join(Exam)
                              .where(Attempt.user_id == user.id, Attempt.status == "in_progress")).all()
    return any(not past_grace(deadline, grace_seconds, moment) for deadline, grace_seconds in rows)


def _answer_keep_signed_in(_sender, *, person, **_extra) -> bool:
    return has_attempt_in_progress(person)


signals.keep_signed_in.connect(_answer_keep_signed_in, weak=False)

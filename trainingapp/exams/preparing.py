"""Papers drawn before an exam opens, so the synchronized start is one insert.

At a fixed opening minute thousands of candidates press start within seconds. Drawing each
paper then costs CPU exactly when there is none to spare; drawing them in the minutes before
(`flask --app run exams prepare`, docs/deploy.md) moves that work out of the burst. A
prepared paper is the one its stored seed gives (`starting.draw_paper` over the pool snapshot
of the publication it belongs to), and a start uses it only for the person's first attempt and
only if it is none of the papers the start must avoid (`starting.start_attempt`); everything
else the start checks (the session, the candidacy, the window, attempts, prerequisites) is
still checked at the start. Candidates added after preparing draw at their start.
"""
from __future__ import annotations

import random

from sqlalchemy import delete, insert, select

from ..platform.clock import now
from ..platform.extensions import db
from .models import Attempt, Exam, ExamCandidate, PreparedPaper
from .starting import draw_inputs, draw_paper

#: Rows written per insert statement.
_BATCH = 1000


def exams_to_prepare(exam_id: int | None = None) -> list[Exam]:
    """The published real exams (not personal mocks) that have not closed: `exam_id` alone if given."""
    query = select(Exam).where(Exam.state == "published", Exam.personal_mock_of_id.is_(None))
    if exam_id is not None:
        query = query.where(Exam.id == exam_id)
    else:
        query = query.where(Exam.closes_at > now())
    return list(db.session.scalars(query.order_by(Exam.opens_at, Exam.id)))


def prepare_papers(exam: Exam) -> int:
    """Draw and store a first paper for every candidate of the published `exam` who has none for
    this publication and has not started; the number drawn. Papers of an earlier publication
    are dropped. Safe to run again (only the missing are drawn) and while the exam is open."""
    if not exam.is_published or exam.personal_mock_of_id is not None:
        return 0
    db.session.execute(delete(PreparedPaper).where(PreparedPaper.exam_id == exam.id,
                                                   PreparedPaper.published_at != exam.published_at))
    has_paper = select(PreparedPaper.user_id).where(PreparedPaper.exam_id == exam.id)
    has_started = select(Attempt.user_id).where(Attempt.exam_id == exam.id)
    people = list(db.session.scalars(select(ExamCandidate.user_id).where(
        ExamCandidate.exam_id == exam.id, ExamCandidate.removed.is_(False), ExamCandidate.exempt_reason.is_(None),
        ExamCandidate.user_id.not_in(has_paper), ExamCandidate.user_id.not_in(has_started))
        .order_by(ExamCandidate.user_id)))
    inputs = draw_inputs(exam)
    random_source = random.SystemRandom()
    moment = now()
    rows = []
    for person_id in people:
        seed = random_source.randrange(1, 2**62)
        rows.append({"exam_id": exam.id, "user_id": person_id, "published_at": exam.published_at, "seed": seed,
                     "paper": draw_paper(exam, inputs, seed), "total": inputs.total, "prepared_at": moment})
        if len(rows) >= _BATCH:
            db.session.execute(insert(PreparedPaper), rows)
            rows = []
    if rows:
        db.session.execute(insert(PreparedPaper), rows)
    db.session.commit()
    return len(people)

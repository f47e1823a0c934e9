"""Mock exams (模拟考试): exams taken like any other and counted nowhere.

A trainer marks an exam as a mock (`Exam.is_mock`); every report, rate, summary, certificate
and list of who failed selects exams with `Exam.counts_officially`, so a mock never reaches them.

A personal mock is one person's hidden mock exam copied from the rules of an open real exam
whose trainer allows it (`Exam.allow_personal_mock`). It is an Exam of its own
(`personal_mock_of_id`) with its one candidate, so every query that counts the real exam's
attempts (reports, marks, attempt limits, key correction, finalising, the trainer's results)
never sees a mock attempt: they all select by the real exam's id. It draws from the real
exam's pool snapshot (`starting.draw_inputs`), never the paper of one of the person's real
attempts, and closes when the real exam closes, so question secrecy (exams/secrecy.py) keeps
its keys out of the review exactly as long as the real exam protects its pool.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select

from ..platform.extensions import db
from .models import UNLIMITED_ATTEMPTS, Exam, ExamCandidate, ExamFixedItem, ExamRule

#: Draws tried for a paper unlike the ones to avoid: a pool with two possible papers leaves
#: one chance in 2**64 of refusing wrongly (with 12 it was one mock start in 4,096); a pool with
#: one paper is refused after them. A draw stops at the first paper that will do, so only that
#: refusal pays for all of them (about 10 ms for a 40-question paper).
DRAWS_TRIED = 64

#: Personal mocks of an exam whose questions are kept secret: each shows a score, and scores of
#: unlimited mocks answered one question at a time would spell out the running exam's keys.
PERSONAL_MOCKS_WHILE_SECRET = 5

#: Review of a mock exam: right after submitting (question secrecy still holds protected keys back).
MOCK_REVIEW_POLICY = "after_submit"


def question_order(paper: list[dict]) -> tuple[int, ...]:
    """What makes two papers the same paper: the same questions in the same order."""
    return tuple(item["q"] for item in paper)


def choose_paper(draw: Callable[[int], list[dict]], seeds: Iterable[int], avoid: Iterable[list[dict]], *,
                 need_choice: bool) -> tuple[int, list[dict]] | None:
    """The first (seed, paper) whose question order differs from every paper in `avoid`; None if
    no seed gives one. `need_choice`: also None unless two seeds gave different papers, so a
    pool that allows a single paper is refused even before there is a paper to avoid."""
    avoided = {question_order(paper) for paper in avoid}
    chosen, seen = None, set()
    for seed in seeds:
        paper = draw(seed)
        order = question_order(paper)
        seen.add(order)
        if chosen is None and order not in avoided:
            chosen = (seed, paper)
        if chosen is not None and (not need_choice or len(seen) > 1):
            return chosen
    return None


def personal_mock_exam(person_id: int, real: Exam) -> Exam | None:
    """The person's personal mock exam of `real`, if they have started one."""
    return db.session.scalar(select(Exam).join(ExamCandidate, ExamCandidate.exam_id == Exam.id)
                             .where(Exam.personal_mock_of_id == real.id, ExamCandidate.user_id == person_id)
                             .order_by(Exam.id))


def create_personal_mock_exam(real: Exam, candidate: ExamCandidate, moment) -> Exam:
    """A published mock exam for one person with the real exam's paper rules, marks and timing,
    open from now until the real exam closes; unlimited attempts, or `PERSONAL_MOCKS_WHILE_SECRET`
    when the real exam keeps its questions secret; committed."""
    mock = Exam(
        title=real.title, description=real.description, year=real.year, opens_at=moment,
        closes_at=real.closes_at, latest_start_at=real.latest_start_at, duration_minutes=real.duration_minutes,
        pass_mark=real.pass_mark, excellent_mark=real.excellent_mark,
        attempts_allowed=PERSONAL_MOCKS_WHILE_SECRET if real.protect_questions else UNLIMITED_ATTEMPTS,
        counting="best", paper_mode=real.paper_mode, shuffle_questions=real.shuffle_questions,
        shuffle_options=real.shuffle_options, multiple_scoring=real.multiple_scoring,
        fill_scoring=real.fill_scoring, review_policy=MOCK_REVIEW_POLICY, protect_questions=real.protect_questions,
        tab_switch_limit=real.tab_switch_limit, grace_seconds=real.grace_seconds, required_course_ids=[],
        audience=[], audience_added=[], audience_removed=[], is_mock=True, allow_personal_mock=False,
        personal_mock_of_id=real.id, state="published", published_at=moment,
        # Nobody manages it: it stays off every trainer's list and result pages.
        created_by_id=None,
        # Drawn from the real exam's snapshot (starting.draw_inputs): no copy of a large pool.
        pool_snapshot=None)
    mock.rules = [ExamRule(position=r.position, qtype=r.qtype, category=r.category, difficulty=r.difficulty,
                           count=r.count, points=r.points) for r in real.rules]
    mock.fixed_items = [ExamFixedItem(position=i.position, question_id=i.question_id, points=i.points)
                        for i in real.fixed_items]
    db.session.add(mock)
    db.session.flush()
    db.session.add(ExamCandidate(exam_id=mock.id, user_id=candidate.user_id, department_id=candidate.department_id,
                                 category=candidate.category, extra_minutes=candidate.extra_minutes,
                                 extra_attempts=0, removed=False))
    db.session.commit()
    return mock

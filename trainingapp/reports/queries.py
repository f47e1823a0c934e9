"""Read records for the reports from the database as the pure modules' plain data.

Each function runs a few set-based queries (no query per person), so a report over
100,000 candidates stays a handful of statements.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from ..accounts.models import Department, User
from ..exams.models import Answer, Attempt, Exam, ExamCandidate
from ..extensions import db
from ..questionbank.models import Question
from .items import ItemResponse
from .rates import CandidateRecord, ExamRules


def tree_children(root_id: int | None = None) -> dict[int | None, list[int]]:
    """parent id -> child ids in display order; with `root_id`, only that subtree (root under None)."""
    rows = db.session.execute(select(Department.id, Department.parent_id)
                              .order_by(Department.position, Department.name)).all()
    children: dict[int | None, list[int]] = defaultdict(list)
    for dept_id, parent_id in rows:
        children[parent_id].append(dept_id)
    if root_id is None:
        return dict(children)
    subtree: dict[int | None, list[int]] = {None: [root_id]}
    stack = [root_id]
    while stack:
        node = stack.pop()
        if children.get(node):
            subtree[node] = list(children[node])
            stack.extend(children[node])
    return subtree


def department_names() -> dict[int, str]:
    return dict(db.session.execute(select(Department.id, Department.name)).all())


def exam_rules(exam: Exam) -> ExamRules:
    makeup = makeup_of(exam)
    return ExamRules(pass_mark=float(exam.pass_mark), excellent_mark=float(exam.excellent_mark),
                     counting=exam.counting, makeup_counting=makeup.counting if makeup else "best")


def makeup_of(exam: Exam) -> Exam | None:
    """The published make-up of a main exam, if there is one."""
    return db.session.scalar(select(Exam).where(Exam.makeup_of_id == exam.id, Exam.state == "published")
                             .order_by(Exam.id))


def _scores(exam_id: int) -> tuple[dict[int, list[float]], dict[int, int]]:
    scores: dict[int, list[float]] = defaultdict(list)
    switches: dict[int, int] = defaultdict(int)
    rows = db.session.execute(select(Attempt.user_id, Attempt.score, Attempt.tab_switches)
                              .where(Attempt.exam_id == exam_id, Attempt.status != "in_progress")
                              .order_by(Attempt.user_id, Attempt.submitted_at, Attempt.number))
    for user_id, score, tab_switches in rows:
        scores[user_id].append(float(score))
        switches[user_id] += tab_switches
    return scores, switches


def candidate_records(exam: Exam, *, departments: set[int] | None = None) -> list[CandidateRecord]:
    """Every candidate of the exam (removed ones excluded) with their main and make-up scores."""
    query = select(ExamCandidate.user_id, ExamCandidate.department_id, ExamCandidate.category,
                   ExamCandidate.exempt_reason).where(ExamCandidate.exam_id == exam.id,
                                                      ExamCandidate.removed.is_(False))
    if departments is not None:
        query = query.where(ExamCandidate.department_id.in_(departments))
    main, switches = _scores(exam.id)
    makeup = makeup_of(exam)
    extra, _ = _scores(makeup.id) if makeup else ({}, {})
    return [CandidateRecord(user_id=user_id, department_id=dept_id, category=category,
                            exempt=exempt is not None, main_scores=tuple(main.get(user_id, ())),
                            makeup_scores=tuple(extra.get(user_id, ())), tab_switches=switches.get(user_id, 0))
            for user_id, dept_id, category, exempt in db.session.execute(query)]


def people(user_ids) -> dict[int, tuple[str, str]]:
    """user id -> (name, login)."""
    ids = list(user_ids)
    found = {}
    for start in range(0, len(ids), 5000):
        found.update({uid: (name, login) for uid, name, login in db.session.execute(
            select(User.id, User.name, User.login).where(User.id.in_(ids[start:start + 5000])))})
    return found


def attempt_counts(exam: Exam) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for (user_id,) in db.session.execute(select(Attempt.user_id).where(Attempt.exam_id == exam.id)):
        counts[user_id] += 1
    return counts


def item_responses(exam: Exam) -> tuple[list[ItemResponse], dict[int, float]]:
    """One response per drawn question of every finished attempt, and each attempt's total."""
    attempts = db.session.execute(select(Attempt.id, Attempt.score, Attempt.paper)
                                  .where(Attempt.exam_id == exam.id, Attempt.status != "in_progress")).all()
    answers = defaultdict(dict)
    for attempt_id, question_id, response, correct in db.session.execute(
            select(Answer.attempt_id, Answer.question_id, Answer.response, Answer.is_correct)
            .join(Attempt, Attempt.id == Answer.attempt_id)
            .where(Attempt.exam_id == exam.id, Attempt.status != "in_progress")):
        answers[attempt_id][question_id] = (response, bool(correct))
    responses, totals = [], {}
    for attempt_id, score, paper in attempts:
        totals[attempt_id] = float(score)
        for item in paper:
            response, correct = answers[attempt_id].get(item["q"], (None, False))
            chosen = ()
            if item["t"] == "single" and isinstance(response, str):
                chosen = (response,)
            elif item["t"] == "multiple" and isinstance(response, list):
                chosen = tuple(response)
            elif item["t"] == "truefalse" and isinstance(response, bool):
                chosen = ("T" if response else "F",)
            responses.append(ItemResponse(attempt_id, item["q"], correct, chosen))
    return responses, totals


def facility_rows(exam: Exam):
    """(department on the candidate list, law category, correct) for every graded answer."""
    query = (select(ExamCandidate.department_id, Question.category, Answer.is_correct)
             .join(Attempt, Attempt.id == Answer.attempt_id)
             .join(ExamCandidate, (ExamCandidate.exam_id == Attempt.exam_id)
                   & (ExamCandidate.user_id == Attempt.user_id))
             .join(Question, Question.id == Answer.question_id)
             .where(Attempt.exam_id == exam.id, Attempt.status != "in_progress"))
    return [(dept, category or "", bool(correct)) for dept, category, correct in db.session.execute(query)]


def questions(ids) -> dict[int, Question]:
    return {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(list(ids))))}

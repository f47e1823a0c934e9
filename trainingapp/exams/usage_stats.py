"""How often questions were put into exams and answered correctly, for the question bank."""
from __future__ import annotations

from sqlalchemy import func, select

from ..platform import signals
from ..platform.extensions import db
from ..questionbank.usage import Usage
from .models import Answer, Attempt, Exam, ExamFixedItem


def question_usage(question_ids: list[int]) -> dict[int, Usage]:
    """Per question: published exams that may draw it (or list it), graded answers, correct ones."""
    if not question_ids:
        return {}
    wanted = set(question_ids)
    exams: dict[int, int] = {}
    for (snapshot,) in db.session.execute(select(Exam.pool_snapshot).where(Exam.state == "published")):
        for row in snapshot or []:
            if row[0] in wanted:
                exams[row[0]] = exams.get(row[0], 0) + 1
    for (question_id,) in db.session.execute(select(ExamFixedItem.question_id).join(Exam).where(
            Exam.state == "draft", ExamFixedItem.question_id.in_(wanted))):
        exams[question_id] = exams.get(question_id, 0) + 1
    answered = {qid: (n, int(right or 0)) for qid, n, right in db.session.execute(
        select(Answer.question_id, func.count(), func.sum(func.cast(Answer.is_correct, db.Integer)))
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .join(Exam, Exam.id == Attempt.exam_id)
        # Mock exams count in no rate, a question's facility included.
        .where(Answer.question_id.in_(wanted), Attempt.status != "in_progress", Exam.counts_officially)
        .group_by(Answer.question_id))}
    return {qid: Usage(used=exams.get(qid, 0), answered=answered.get(qid, (0, 0))[0],
                       correct=answered.get(qid, (0, 0))[1]) for qid in wanted}


def _answer_question_usage(_sender, *, question_ids: list[int], **_extra) -> dict[int, Usage]:
    return question_usage(question_ids)


signals.question_usage.connect(_answer_question_usage, weak=False)

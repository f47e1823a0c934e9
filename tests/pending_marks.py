"""Helpers for results that wait for marking (待阅卷): a paper with a short-answer question, an
attempt taken through the real API, and "marking completes" as marking does it (final marks in
Answer.score, then `scoring.score_attempt`, the score stored, documents refreshed)."""
from itertools import count

from sqlalchemy import select

from tests.conftest import login
from trainingapp.platform.extensions import db

#: The paper: three true/false questions of 20 points and one short answer (简答) of 40.
OBJECTIVE_POINTS = 20
SHORT_POINTS = 40
_serial = count(1)


def short_question(app, stem=None):
    """A 简答 question stored in the bank's shape (questionbank/subjective.py)."""
    from trainingapp.questionbank.models import Question
    from trainingapp.questionbank.parsing import QuestionData
    from trainingapp.questionbank.subjective import Part, RubricPoint, make_key
    key = make_key([Part(stem="", reference="公正、公开；过罚相当；处罚与教育相结合。", marks=SHORT_POINTS,
                         rubric=(RubricPoint("公正、公开", 20), RubricPoint("过罚相当", 20)))])
    data = QuestionData(qtype="short", stem=stem or f"简述行政处罚的原则（{next(_serial)}）。", options=[], answer=key,
                        points=SHORT_POINTS, difficulty="medium", category="行政处罚法", explanation="",
                        basis="《行政处罚法》第五条", is_active=True)
    with app.app_context():
        question = Question()
        question.apply(data)
        db.session.add(question)
        db.session.commit()
        db.session.refresh(question)
        db.session.expunge(question)
        return question


def paper(app, make):
    """[(question, points)]: three true/false (answer True) and one short answer."""
    questions = [(make.question("truefalse", answer=True), OBJECTIVE_POINTS) for _ in range(3)]
    return questions + [(short_question(app), SHORT_POINTS)]


def take(app, person, exam, *, right: int, short: str | None = "我的回答：公正、公开。") -> int:
    """Take the exam through the API answering `right` true/false questions right (the others
    wrong) and the short answer with `short` (None: left unanswered); submit; the attempt id."""
    client = app.test_client()
    login(client, person)
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    seq, done = 0, 0
    for question in body["questions"]:
        seq += 1
        if question["type"] == "truefalse":
            client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                       json={"answer": done < right, "seq": seq})
            done += 1
        elif short is not None:
            saved = client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                               json={"answer": short, "seq": seq})
            assert saved.status_code == 200, saved.get_data(as_text=True)
    submitted = client.post(f"/api/attempts/{body['attempt_id']}/submit")
    assert submitted.status_code == 200, submitted.get_data(as_text=True)
    return body["attempt_id"]


def mark(app, attempt_id: int, marks: float) -> float | None:
    """Give the attempt's short answer its final mark (again: a remark) as marking does, and
    rescore; returns the attempt's score."""
    from trainingapp.exams import certificate_issuing
    from trainingapp.exams.models import Answer, Attempt
    from trainingapp.exams.scoring import score_attempt
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        short_ids = [item["q"] for item in attempt.paper if item["t"] == "short"]
        for answer in db.session.scalars(select(Answer).where(Answer.attempt_id == attempt_id,
                                                               Answer.question_id.in_(short_ids))):
            answer.score = marks
        db.session.flush()
        attempt.score, _responses = score_attempt(attempt)
        certificate_issuing.refresh_attempts([attempt], actor=None, reason="marked")
        db.session.commit()
        return attempt.score


def attempt_state(app, attempt_id: int) -> tuple[float | None, float | None, bool]:
    """(score, objective_score, awaiting_marks) of an attempt as stored."""
    from trainingapp.exams.models import Attempt
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        return attempt.score, attempt.objective_score, attempt.awaiting_marks

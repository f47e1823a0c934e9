"""Practice rounds (no key before the answer is graded), the wrong-answer book from practice
and from exams whose full review is open, and resolving mistakes from the book."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from tests.conftest import login
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question
from trainingapp.training.practice.models import WrongAnswer, draw_round, exam_mistake_is_new, response_from_form

T0 = datetime(2026, 5, 4, 2, 0)


def english(client):
    client.set_cookie("lang", "en")
    return client


def start(client, *, count=5, category="宪法", source="category"):
    return client.post("/practice/start", data={"category": category, "count": str(count), "source": source})


def current_qid(client) -> int:
    page = client.get("/practice/round").get_data(as_text=True)
    return int(page.split('id="practice-question" data-qid="', 1)[1].split('"', 1)[0])


def key_of(app, qid):
    with app.app_context():
        question = db.session.get(Question, qid)
        result = question.qtype, question.answer
        db.session.remove()
    return result


def answer(client, app, qid, *, right: bool):
    """Post a right or a wrong answer to the question on the page."""
    qtype, key = key_of(app, qid)
    data = {"question_id": str(qid)}
    if qtype == "truefalse":
        data["answer"] = "true" if key == right else "false"
    elif qtype == "single":
        data["answer"] = key if right else next(k for k in "ABCD" if k != key)
    elif qtype == "multiple":
        data["answer"] = key if right else ["C"]
    else:
        data.update({f"blank-{n}": (alternatives[0] if right else "不知道") for n, alternatives in enumerate(key)})
    return client.post("/practice/round/answer", data=data)


def book(app, user):
    with app.app_context():
        rows = {w.question_id: (w.source, w.wrong_count, w.resolved_at is None)
                for w in db.session.scalars(select(WrongAnswer).where(WrongAnswer.user_id == user.id))}
        db.session.remove()
    return rows


@pytest.fixture
def questions(make):
    """Five questions of 宪法 with keys and explanations nobody could guess, and one of 民法典."""
    made = [make.question("single", category="宪法", explanation="解析甲-唯一", options=["甲项", "乙项", "丙项"],
                          answer="C"),
            make.question("multiple", category="宪法", explanation="解析乙-唯一", answer=["B", "D"]),
            make.question("truefalse", category="宪法", explanation="解析丙-唯一", answer=False),
            make.question("fill", category="宪法", explanation="解析丁-唯一", answer=[["全国人民代表大会常务委员会"]]),
            make.question("single", category="宪法", explanation="解析戊-唯一")]
    make.question("single", category="民法典", explanation="民法典解析")
    return made


SECRETS = ("解析甲-唯一", "解析乙-唯一", "解析丙-唯一", "解析丁-唯一", "解析戊-唯一", "全国人民代表大会常务委员会",
           'id="correct-answer"', 'id="feedback"')


def test_practice_pages_never_hold_a_key_before_the_answer(app, questions, as_role):
    client = english(as_role("cadre"))
    home = client.get("/practice").get_data(as_text=True)
    assert "宪法 (5 questions)" in home and "民法典 (1 questions)" in home
    assert start(client).status_code == 302
    seen = set()
    for position in range(5):
        page = client.get("/practice/round").get_data(as_text=True)
        assert f"Question {position + 1} of 5" in page
        assert not [secret for secret in SECRETS if secret in page], page
        qid = current_qid(client)
        seen.add(qid)
        answer(client, app, qid, right=position % 2 == 0)
        feedback = client.get("/practice/round").get_data(as_text=True)
        assert 'id="feedback"' in feedback and 'id="correct-answer"' in feedback
        assert ("✓ Correct" if position % 2 == 0 else "✗ Not correct") in feedback
        assert next(s for s in SECRETS[:5] if s in feedback)
        client.post("/practice/round/next")
    assert seen == {q.id for q in questions}
    summary = client.get("/practice/round").get_data(as_text=True)
    assert 'id="summary"' in summary and "3 of 5 answered correctly." in summary


def test_only_the_current_question_can_be_answered(app, questions, as_role):
    client = english(as_role("cadre"))
    start(client)
    qid = current_qid(client)
    other = next(q.id for q in questions if q.id != qid)
    response = client.post("/practice/round/answer", data={"question_id": str(other), "answer": "A"},
                           follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "That question is not the current one of your round" in text
    assert not [secret for secret in SECRETS if secret in text]
    empty = client.post("/practice/round/answer", data={"question_id": str(qid)}, follow_redirects=True)
    assert "before checking" in empty.get_data(as_text=True)
    assert 'id="feedback"' not in empty.get_data(as_text=True)


def test_wrong_answers_go_into_the_book_and_a_right_answer_there_resolves_them(app, questions, as_role):
    client = english(as_role("cadre"))
    start(client)
    wrong = []
    for position in range(5):
        qid = current_qid(client)
        answer(client, app, qid, right=position >= 2)
        if position < 2:
            wrong.append(qid)
        client.post("/practice/round/next")
    assert book(app, client.user) == {qid: ("practice", 1, True) for qid in wrong}
    page = client.get("/practice/mistakes").get_data(as_text=True)
    assert "2 open · 0 done" in page

    assert start(client, source="book", category="").status_code == 302
    first = current_qid(client)
    assert first in wrong
    answer(client, app, first, right=False)  # wrong again: counted, still open
    client.post("/practice/round/next")
    second = current_qid(client)
    answer(client, app, second, right=True)
    assert book(app, client.user) == {first: ("practice", 2, True), second: ("practice", 1, False)}
    assert "1 open · 1 done" in client.get("/practice/mistakes").get_data(as_text=True)


def test_an_empty_book_and_an_empty_bank_say_what_to_do(app, as_role):
    client = english(as_role("cadre"))
    assert "There are no questions to practise yet." in client.get("/practice").get_data(as_text=True)
    text = client.get("/practice/mistakes").get_data(as_text=True)
    assert "Your wrong-answer book is empty." in text and "Practise a law category first" in text
    refused = start(client, source="book", category="").headers["Location"]
    assert refused.endswith("/practice/mistakes")


# --- from exams --------------------------------------------------------------------------------

def sit_exam_wrongly(app, make, cadre, **settings):
    """A true/false exam the cadre submits with every answer wrong; returns the exam."""
    trainer = make.user(role="trainer")
    exam = make.exam(trainer, [cadre], rules=[("truefalse", 2, 50)], lasts=timedelta(hours=1), **settings)
    client = app.test_client()
    login(client, cadre)
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    for seq, question in enumerate(body["questions"], start=1):
        _qtype, key = key_of(app, question["id"])
        client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                   json={"answer": not key, "seq": seq})
    client.post(f"/api/attempts/{body['attempt_id']}/submit")
    return exam, client, [q["id"] for q in body["questions"]]


def test_exam_mistakes_enter_the_book_once_the_full_review_opens(app, make):
    make.bank({"truefalse": 3}, category="宪法")
    cadre = make.user(role="cadre")
    clock.freeze(T0)
    _exam, client, wrong = sit_exam_wrongly(app, make, cadre, review_policy="full")
    client.get("/practice/mistakes")
    assert book(app, cadre) == {}  # the window is still open: no keys yet
    clock.advance(timedelta(hours=2))
    page = client.get("/practice/mistakes").get_data(as_text=True)
    assert book(app, cadre) == {qid: ("exam", 1, True) for qid in wrong}
    assert all(f'data-question-id="{qid}"' in page for qid in wrong)
    client.get("/practice/mistakes")  # opening the book again adds nothing
    assert book(app, cadre) == {qid: ("exam", 1, True) for qid in wrong}

    # Resolved from the book, it stays resolved when the book opens again.
    start(client, source="book", category="", count=5)
    for _ in wrong:
        answer(client, app, current_qid(client), right=True)
        client.post("/practice/round/next")
    client.get("/practice/mistakes")
    assert book(app, cadre) == {qid: ("exam", 1, False) for qid in wrong}


def test_exams_without_full_review_add_nothing(app, make):
    make.bank({"truefalse": 3})
    cadre = make.user(role="cadre")
    clock.freeze(T0)
    _exam, client, _wrong = sit_exam_wrongly(app, make, cadre, review_policy="score")
    clock.advance(timedelta(days=2))
    client.get("/practice/mistakes")
    assert book(app, cadre) == {}


def test_no_practice_while_an_exam_is_running(app, make, questions):
    cadre = make.user(role="cadre")
    trainer = make.user(role="trainer")
    exam = make.exam(trainer, [cadre], rules=[("single", 1, 100)])
    client = english(app.test_client())
    login(client, cadre)
    assert client.post(f"/api/exams/{exam.id}/attempts").status_code == 201
    refused = start(client)
    assert refused.headers["Location"].endswith("/practice")
    assert "You have an exam in progress." in client.get("/practice").get_data(as_text=True)


# --- pure helpers ------------------------------------------------------------------------------

@pytest.mark.parametrize("qtype, form, blanks, expected", [
    ("single", {"answer": ["B"]}, 0, "B"),
    ("single", {}, 0, None),
    ("multiple", {"answer": ["A", "C"]}, 0, ["A", "C"]),
    ("truefalse", {"answer": ["false"]}, 0, False),
    ("truefalse", {"answer": ["maybe"]}, 0, "maybe"),
    ("fill", {"blank-0": ["十五日"], "blank-1": [""]}, 2, ["十五日", ""]),
    ("fill", {"blank-0": ["  "]}, 1, None),
])
def test_response_from_form(qtype, form, blanks, expected):
    assert response_from_form(qtype, MultiDict([(k, v) for k, values in form.items() for v in values]),
                              blanks) == expected


def test_exam_mistake_is_new():
    early, late = datetime(2026, 1, 1), datetime(2026, 2, 1)
    assert exam_mistake_is_new(None, None, early)
    assert not exam_mistake_is_new(early, None, early)  # the same attempt again
    assert exam_mistake_is_new(early, None, late)
    assert not exam_mistake_is_new(late, None, early)
    assert not exam_mistake_is_new(early, late, early)  # resolved after that exam


def test_draw_round_is_distinct_and_bounded():
    drawn = draw_round([1, 2, 2, 3, 4, 5, 6], 5, random.Random(1))
    assert len(drawn) == 5 and len(set(drawn)) == 5
    assert sorted(draw_round([7, 8], 20)) == [7, 8]

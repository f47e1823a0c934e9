"""A save after the first one in a process is one statement (saving.SaveHints), and refuses alike.

The first save of an attempt reads it and teaches the process its exam, the exam's grace
period and the shape of its paper's questions; later saves write with one upsert whose guard
checks all of it in the database. Each refusal below comes after such a first save, so it
is the one-statement save that meets it; nothing is stored where the full save stores nothing.
"""
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from tests.conftest import login
from trainingapp.accounts.models import User
from trainingapp.exams import saving
from trainingapp.exams.models import Answer, Attempt, Exam
from trainingapp.platform import clock
from trainingapp.platform.extensions import db


@pytest.fixture
def taught(app, make):
    """A candidate who has saved once (the process has learnt the attempt) and a second candidate."""
    make.bank({"truefalse": 8, "single": 4})
    trainer = make.user(role="trainer")
    cadre, other = make.user(name="考生甲"), make.user(name="考生乙")
    exam = make.exam(trainer, [cadre, other], duration=30, rules=[("truefalse", 3, 10), ("single", 2, 10)])
    client = app.test_client()
    login(client, cadre)
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    questions = {q["type"]: q["id"] for q in body["questions"]}
    first = f"/api/attempts/{body['attempt_id']}/answers/{questions['truefalse']}"
    assert client.put(first, json={"answer": True, "seq": 1}).status_code == 200
    return exam, cadre, other, client, body


def _url(body, kind):
    question = next(q for q in body["questions"] if q["type"] == kind)
    return f"/api/attempts/{body['attempt_id']}/answers/{question['id']}"


def _answers(app, attempt_id) -> dict:
    with app.app_context():
        rows = db.session.execute(select(Answer.question_id, Answer.response, Answer.seq)
                                  .where(Answer.attempt_id == attempt_id)).all()
    return {row.question_id: (row.response, row.seq) for row in rows}


def _statements(app):
    with app.app_context():
        engine = db.engine
    seen = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cu, statement, *_a: seen.append(statement.split()[0]))
    return seen


def _change(app, model, row_id, **values):
    with app.app_context():
        db.session.execute(update(model).where(model.id == row_id).values(**values))
        db.session.commit()


def test_a_later_save_is_one_upsert_and_stores_the_newest_answer(app, taught):
    _exam, _cadre, _other, client, body = taught
    url = _url(body, "single")
    statements = _statements(app)
    assert client.put(url, json={"answer": "B", "seq": 5}).get_json()["saved"] is True
    assert statements == ["INSERT"]
    # An older save arriving late stores nothing and says so.
    response = client.put(url, json={"answer": "A", "seq": 4})
    assert response.status_code == 200 and response.get_json()["saved"] is False
    question_id = int(url.rsplit("/", 1)[1])
    assert _answers(app, body["attempt_id"])[question_id] == ("B", 5)


@pytest.mark.parametrize(("values", "status", "code"), [
    ({"session_version": User.session_version + 1}, 401, "unauthenticated"),
    ({"status": "disabled"}, 401, "unauthenticated"),
    ({"must_change_password": True}, 403, "password_change"),
])
def test_a_later_save_checks_the_session_person(app, taught, values, status, code):
    _exam, cadre, _other, client, body = taught
    _change(app, User, cadre.id, **values)
    response = client.put(_url(body, "single"), json={"answer": "A", "seq": 2})
    assert (response.status_code, response.get_json()["code"]) == (status, code)
    assert len(_answers(app, body["attempt_id"])) == 1


def test_a_later_save_into_someone_elses_attempt_looks_like_no_attempt(app, taught):
    _exam, _cadre, other, _client, body = taught
    intruder = app.test_client()
    login(intruder, other)
    response = intruder.put(_url(body, "single"), json={"answer": "A", "seq": 2})
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    assert len(_answers(app, body["attempt_id"])) == 1


def test_a_question_the_process_knows_from_another_paper_is_not_on_this_one(app, taught):
    exam, _cadre, other, client, body = taught
    second = app.test_client()
    login(second, other)
    theirs = second.post(f"/api/exams/{exam.id}/attempts").get_json()
    assert second.put(_url(theirs, "truefalse"), json={"answer": True, "seq": 1}).status_code == 200
    mine = {q["id"] for q in body["questions"]}
    foreign = next((q["id"] for q in theirs["questions"] if q["id"] not in mine and q["type"] == "truefalse"), None)
    if foreign is None:
        pytest.skip("the two papers drew the same true/false questions")
    response = client.put(f"/api/attempts/{body['attempt_id']}/answers/{foreign}", json={"answer": True, "seq": 2})
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    assert foreign not in _answers(app, body["attempt_id"])


def test_a_later_save_of_an_answer_of_the_wrong_form_is_refused_against_the_paper(app, taught):
    _exam, _cadre, _other, client, body = taught
    response = client.put(_url(body, "single"), json={"answer": "Z", "seq": 2})
    assert response.status_code == 422 and response.get_json()["code"] == "invalid"
    assert len(_answers(app, body["attempt_id"])) == 1


def test_a_later_save_after_a_submit_is_refused(app, taught):
    _exam, _cadre, _other, client, body = taught
    assert client.post(f"/api/attempts/{body['attempt_id']}/submit").status_code == 200
    response = client.put(_url(body, "single"), json={"answer": "A", "seq": 2})
    assert response.status_code == 409 and response.get_json()["code"] == "finished"
    assert len(_answers(app, body["attempt_id"])) == 1


def test_a_later_save_past_the_deadline_and_grace_finalises_the_attempt(app, taught):
    exam, _cadre, _other, client, body = taught
    clock.advance(timedelta(minutes=30, seconds=exam.grace_seconds + 1))
    response = client.put(_url(body, "single"), json={"answer": "A", "seq": 2})
    assert response.status_code == 409 and response.get_json()["code"] == "finished"
    with app.app_context():
        assert db.session.get(Attempt, body["attempt_id"]).status != "in_progress"
    assert len(_answers(app, body["attempt_id"])) == 1


def test_a_later_save_within_the_grace_period_or_extra_time_is_stored(app, taught):
    exam, _cadre, _other, client, body = taught
    clock.advance(timedelta(minutes=30, seconds=exam.grace_seconds - 5))
    assert client.put(_url(body, "single"), json={"answer": "A", "seq": 2}).get_json()["saved"] is True
    # Extra time moves the deadline in the database; the save goes by the database.
    with app.app_context():
        deadline = db.session.get(Attempt, body["attempt_id"]).deadline_at
    _change(app, Attempt, body["attempt_id"], deadline_at=deadline + timedelta(minutes=10))
    clock.advance(timedelta(minutes=5))
    assert client.put(_url(body, "single"), json={"answer": "B", "seq": 3}).get_json()["saved"] is True
    # A shorter grace period, too: now past it, the save is refused and the attempt finalised.
    _change(app, Exam, exam.id, grace_seconds=0)
    clock.advance(timedelta(minutes=5, seconds=1))
    assert client.put(_url(body, "single"), json={"answer": "C", "seq": 4}).status_code == 409


def test_hints_about_another_attempt_or_grace_are_checked_not_trusted(app, taught):
    """As for an attempt id used again after a database restore: hints are bound to the attempt's start."""
    exam, _cadre, _other, client, body = taught
    attempt_id = body["attempt_id"]
    with app.app_context():
        started_at = db.session.get(Attempt, attempt_id).started_at
    question = next(q for q in body["questions"] if q["type"] == "single")
    url = f"/api/attempts/{attempt_id}/answers/{question['id']}"
    shape = {"q": question["id"], "t": "single", "n": len(question["options"]), "b": None}
    # Another attempt's paper, where the question had six options: "F" fits it, not this paper.
    saving.forget_save_hints()
    saving._HINTS.learn(attempt_id, exam.id, exam.grace_seconds, started_at - timedelta(days=1), [{**shape, "n": 6}])
    assert client.put(url, json={"answer": "F", "seq": 2}).status_code == 422
    # A longer grace period than the exam's: past the real one, the save is refused.
    saving.forget_save_hints()
    saving._HINTS.learn(attempt_id, exam.id, exam.grace_seconds + 600, started_at, [shape])
    clock.advance(timedelta(minutes=30, seconds=exam.grace_seconds + 1))
    response = client.put(url, json={"answer": "A", "seq": 3})
    assert response.status_code == 409 and response.get_json()["code"] == "finished"
    assert len(_answers(app, attempt_id)) == 1


def test_a_question_drawn_in_two_shapes_goes_to_the_full_save(app, taught):
    """Papers drawn before and after a question was edited: the hints trust neither shape."""
    exam, _cadre, _other, client, body = taught
    question = next(q for q in body["questions"] if q["type"] == "single")
    hints = saving._HINTS
    _exam, started_at, _mask = hints.attempts[body["attempt_id"]]
    shape = {"q": question["id"], "t": "single", "n": len(question["options"]), "b": None}
    assert hints.lookup(body["attempt_id"], question["id"]) is not None
    hints.learn(body["attempt_id"] + 1000, exam.id, exam.grace_seconds, started_at, [{**shape, "n": 6}])
    assert hints.lookup(body["attempt_id"], question["id"]) is None
    assert client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                      json={"answer": "A", "seq": 2}).get_json()["saved"] is True

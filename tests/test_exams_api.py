"""The attempt API: start, resume, save, submit, refusals, time, and no key leaks."""
import json
from datetime import timedelta

import pytest

from tests.conftest import login
from trainingapp.exams.models import REVIEW_POLICIES, Answer, Attempt
from trainingapp.platform import clock
from trainingapp.platform.extensions import db


@pytest.fixture
def setup(app, make):
    make.bank()
    trainer = make.user(role="trainer")
    cadre = make.user(role="cadre", name="考生甲")
    exam = make.exam(trainer, [cadre], duration=30,
                     rules=[("single", 2, 10), ("multiple", 1, 20), ("truefalse", 2, 15), ("fill", 1, 30)])
    client = app.test_client()
    login(client, cadre)
    return exam, cadre, client


def start(client, exam):
    return client.post(f"/api/exams/{exam.id}/attempts")


def correct_answer(app, question):
    from trainingapp.questionbank.models import Question
    with app.app_context():
        key = db.session.get(Question, question["id"]).answer
    if question["type"] == "fill":
        return [alternatives[0] for alternatives in key]
    return key


def test_my_exams_lists_the_open_exam(setup):
    exam, _cadre, client = setup
    body = client.get("/api/exams").get_json()
    assert [e["id"] for e in body["exams"]] == [exam.id]
    assert body["exams"][0]["status"] == "open" and body["exams"][0]["attempts_left"] == 3


def test_start_then_start_again_returns_the_same_attempt(setup):
    exam, _cadre, client = setup
    first = start(client, exam)
    assert first.status_code == 201
    again = start(client, exam)
    assert again.status_code == 200 and again.get_json()["attempt_id"] == first.get_json()["attempt_id"]
    body = first.get_json()
    assert len(body["questions"]) == 6 and body["total"] == 100
    assert all({"id", "position", "type", "stem", "options", "points", "blanks"} <= set(q) for q in body["questions"])


def test_save_resume_and_out_of_order_seq(setup):
    exam, _cadre, client = setup
    body = start(client, exam).get_json()
    single = next(q for q in body["questions"] if q["type"] == "single")
    url = f"/api/attempts/{body['attempt_id']}/answers/{single['id']}"
    keys = [o["key"] for o in single["options"]]
    assert client.put(url, json={"answer": keys[0], "seq": 5}).get_json()["saved"] is True
    late = client.put(url, json={"answer": keys[1], "seq": 3})
    assert late.status_code == 200 and late.get_json()["saved"] is False
    resumed = client.get(f"/api/attempts/{body['attempt_id']}").get_json()
    assert resumed["answers"][str(single["id"])] == {"answer": keys[0], "seq": 5}
    again = start(client, exam)  # a second tab or device "starts" again: the same attempt, answers included
    assert again.status_code == 200 and again.get_json()["attempt_id"] == body["attempt_id"]
    assert again.get_json()["answers"][str(single["id"])] == {"answer": keys[0], "seq": 5}
    client.put(url, json={"answer": None, "seq": 6})
    assert client.get(f"/api/attempts/{body['attempt_id']}").get_json()["answers"][str(single["id"])]["answer"] is None


@pytest.mark.parametrize("qtype,bad", [
    ("single", "Z"), ("single", ["A"]), ("single", 1), ("multiple", "A"), ("multiple", ["Z"]),
    ("truefalse", "true"), ("truefalse", 1), ("fill", "十五日"), ("fill", ["a", "b"]), ("fill", [1]),
])
def test_answers_of_the_wrong_shape_get_422(setup, qtype, bad):
    exam, _cadre, client = setup
    body = start(client, exam).get_json()
    question = next((q for q in body["questions"] if q["type"] == qtype), None)
    if question is None:
        pytest.skip(f"no {qtype} question drawn")
    response = client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                          json={"answer": bad, "seq": 1})
    assert response.status_code == 422 and response.get_json()["code"] == "invalid"


@pytest.mark.parametrize("payload", [None, [], "x", {"answer": "A"}, {"seq": 1}, {"answer": "A", "seq": -1},
                                     {"answer": "A", "seq": "1"}, {"answer": "A", "seq": 1.5}])
def test_malformed_bodies_get_422(setup, payload):
    exam, _cadre, client = setup
    body = start(client, exam).get_json()
    question = body["questions"][0]
    response = client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                          data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 422


def test_someone_elses_attempt_is_404(app, setup, make):
    exam, _cadre, client = setup
    body = start(client, exam).get_json()
    other = app.test_client()
    login(other, make.user())
    question = body["questions"][0]
    assert other.get(f"/api/attempts/{body['attempt_id']}").status_code == 404
    assert other.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                     json={"answer": None, "seq": 1}).status_code == 404
    assert other.post(f"/api/attempts/{body['attempt_id']}/submit").status_code == 404
    assert other.post(f"/api/exams/{exam.id}/attempts").get_json()["code"] == "not_candidate"


def test_question_not_on_the_paper_is_404(app, setup, make):
    exam, _cadre, client = setup
    body = start(client, exam).get_json()
    stranger = make.question("single")
    response = client.put(f"/api/attempts/{body['attempt_id']}/answers/{stranger.id}", json={"answer": "A", "seq": 1})
    assert response.status_code == 404


def test_full_marks_submit_is_idempotent_and_then_409(app, setup):
    exam, _cadre, client = setup
    body = start(client, exam).get_json()
    for seq, question in enumerate(body["questions"], start=1):
        answer = correct_answer(app, question)
        response = client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                              json={"answer": answer, "seq": seq})
        assert response.status_code == 200, response.get_json()
    result = client.post(f"/api/attempts/{body['attempt_id']}/submit").get_json()
    assert result["score"] == 100 and result["passed"] and result["excellent"]
    assert len(result["receipt"]) == 19
    assert client.post(f"/api/attempts/{body['attempt_id']}/submit").get_json() == result
    late = client.put(f"/api/attempts/{body['attempt_id']}/answers/{body['questions'][0]['id']}",
                      json={"answer": None, "seq": 99})
    assert late.status_code == 409 and late.get_json()["code"] == "finished"
    mine = client.get("/api/exams").get_json()["exams"][0]
    assert mine["status"] == "open" and mine["attempts_left"] == 2 and mine["result"]["score"] == 100


def test_submit_stores_each_answers_score_and_correctness(app, setup):
    # Item statistics and the wrong-answer book read these per-answer marks: every answered
    # question gets its own, a wrong one 0 and False, an unanswered one no row at all.
    exam, _cadre, client = setup
    body = start(client, exam).get_json()
    questions = body["questions"]
    right, wrong, skipped = questions[0], questions[1], questions[2]
    key, keys = correct_answer(app, wrong), [option["key"] for option in wrong["options"]]
    if wrong["type"] == "single":
        wrong_answer = next(k for k in keys if k != key)
    elif wrong["type"] == "multiple":
        wrong_answer = keys if sorted(key) != keys else keys[:1]
    elif wrong["type"] == "truefalse":
        wrong_answer = not key
    else:
        wrong_answer = ["不知道"] * wrong["blanks"]
    for seq, (question, answer) in enumerate([(right, correct_answer(app, right)), (wrong, wrong_answer)], 1):
        assert client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                          json={"answer": answer, "seq": seq}).status_code == 200
    result = client.post(f"/api/attempts/{body['attempt_id']}/submit").get_json()
    with app.app_context():
        rows = {a.question_id: (a.score, a.is_correct)
                for a in db.session.scalars(db.select(Answer).where(Answer.attempt_id == body["attempt_id"]))}
    assert rows[right["id"]] == (right["points"], True)
    assert rows[wrong["id"]] == (0, False)
    assert skipped["id"] not in rows
    assert result["score"] == right["points"]


@pytest.mark.parametrize("policy", REVIEW_POLICIES)
def test_no_response_of_a_whole_attempt_carries_the_key(app, make, policy):
    secrets = []
    for n in range(4):
        secrets.append(f"秘密解析{n}")
        make.question("single", explanation=f"秘密解析{n}")
    for n in range(2):
        make.question("fill", answer=[[f"秘密答案{n}"]], explanation=f"填空解析{n}")
        secrets += [f"秘密答案{n}", f"填空解析{n}"]
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=[("single", 4, 10), ("fill", 2, 30)], review_policy=policy)
    client = app.test_client()
    login(client, cadre)
    texts = [client.get("/my/exams").get_data(as_text=True),
             client.get(f"/my/exams/{exam.id}").get_data(as_text=True)]
    start_response = start(client, exam)
    body = start_response.get_json()
    texts.append(start_response.get_data(as_text=True))
    for seq, question in enumerate(body["questions"], start=1):
        wrong = ["错的"] * question["blanks"] if question["type"] == "fill" else question["options"][-1]["key"]
        texts.append(client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                                json={"answer": wrong, "seq": seq}).get_data(as_text=True))
    texts.append(client.get(f"/api/attempts/{body['attempt_id']}").get_data(as_text=True))
    texts.append(client.get(f"/my/attempts/{body['attempt_id']}").get_data(as_text=True))
    texts.append(client.get("/api/exams").get_data(as_text=True))
    blob = "\n".join(texts)
    for secret in secrets:
        assert secret not in blob
    for question in body["questions"]:
        assert set(question) == {"id", "position", "type", "stem", "options", "points", "blanks", "section"}
        assert all(set(option) == {"key", "text"} for option in question["options"])


def test_time_runs_out_grace_then_lazy_finalisation(app, setup):
    exam, _cadre, client = setup
    clock.freeze(clock.now())
    body = start(client, exam).get_json()
    question = body["questions"][0]
    url = f"/api/attempts/{body['attempt_id']}/answers/{question['id']}"
    clock.advance(timedelta(minutes=30, seconds=30))  # past the deadline, inside the grace period
    assert client.put(url, json={"answer": None, "seq": 1}).status_code == 200
    clock.advance(timedelta(seconds=31))  # past the grace
    response = client.put(url, json={"answer": None, "seq": 2})
    assert response.status_code == 409
    finished = client.get(f"/api/attempts/{body['attempt_id']}").get_json()
    assert finished["status"] == "auto_submitted" and finished["result"]["finish_reason"] == "deadline"
    with app.app_context():
        attempt = db.session.get(Attempt, body["attempt_id"])
        assert attempt.submitted_at == attempt.deadline_at


def test_reload_keeps_the_true_remaining_time(setup):
    exam, _cadre, client = setup
    clock.freeze(clock.now())
    first = start(client, exam).get_json()
    clock.advance(timedelta(minutes=10))
    again = client.get(f"/api/attempts/{first['attempt_id']}").get_json()
    assert again["deadline"] == first["deadline"]
    assert again["server_now"] != first["server_now"]


def test_cli_finalize_closes_overdue_attempts(app, setup, runner):
    exam, _cadre, client = setup
    clock.freeze(clock.now())
    body = start(client, exam).get_json()
    clock.advance(timedelta(minutes=32))
    result = runner.invoke(args=["exams", "finalize"])
    assert "finalized 1" in result.output
    with app.app_context():
        assert db.session.get(Attempt, body["attempt_id"]).status == "auto_submitted"


def test_a_second_attempt_after_a_submit_is_numbered_after_the_first(app, setup):
    # A start reads earlier attempts only when the candidate has made some: this one has.
    exam, _cadre, client = setup
    first = start(client, exam).get_json()
    client.post(f"/api/attempts/{first['attempt_id']}/submit")
    second = start(client, exam)
    assert second.status_code == 201
    body = second.get_json()
    assert body["attempt_id"] != first["attempt_id"] and body["number"] == 2 and body["answers"] == {}
    assert start(client, exam).get_json()["attempt_id"] == body["attempt_id"]  # resumed, not a third


def test_refusals_outside_the_window_and_without_attempts(app, make):
    make.bank()
    trainer, cadre = make.user(role="trainer"), make.user()
    later = make.exam(trainer, [cadre], opens_in=timedelta(hours=1))
    client = app.test_client()
    login(client, cadre)
    assert client.post(f"/api/exams/{later.id}/attempts").get_json()["code"] == "not_open"
    once = make.exam(trainer, [cadre], attempts_allowed=1)
    body = client.post(f"/api/exams/{once.id}/attempts").get_json()
    client.post(f"/api/attempts/{body['attempt_id']}/submit")
    refused = client.post(f"/api/exams/{once.id}/attempts")
    assert refused.status_code == 409 and refused.get_json()["code"] == "no_attempts_left"
    clock.advance(timedelta(days=2))
    assert client.get("/api/exams").status_code == 401  # idle for two days: signed out
    login(client, cadre)
    assert client.post(f"/api/exams/{later.id}/attempts").get_json()["code"] == "closed"
    statuses = {e["id"]: e["status"] for e in client.get("/api/exams").get_json()["exams"]}
    assert statuses == {later.id: "missed", once.id: "finished"}


def test_api_needs_sign_in_and_csrf(app, setup):
    exam, _cadre, _client = setup
    assert app.test_client().get("/api/exams").status_code == 401
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        _exam, cadre, _ = setup
        response = _client.post(f"/api/exams/{exam.id}/attempts")
        assert response.status_code == 400 and "error" in response.get_json()
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_answers_are_stored_with_their_latest_value(app, setup):
    exam, _cadre, client = setup
    body = start(client, exam).get_json()
    question = next(q for q in body["questions"] if q["type"] == "truefalse")
    url = f"/api/attempts/{body['attempt_id']}/answers/{question['id']}"
    for seq, value in enumerate([True, False, True, False], start=1):
        client.put(url, json={"answer": value, "seq": seq})
    with app.app_context():
        answer = db.session.get(Answer, (body["attempt_id"], question["id"]))
        assert answer.response is False and answer.seq == 4

"""Composing, publishing and running exams through the trainer's pages."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import login
from trainingapp.accounts.models import User
from trainingapp.exams.models import Attempt, CandidateChange, Exam, ExamCandidate
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question


def local(moment):
    return (moment + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")  # Asia/Shanghai, the default zone


def settings(**overrides):
    opens = clock.now() - timedelta(minutes=1)
    data = {"title": "2026年度学法考试", "description": "", "year": 2026, "opens_at": local(opens),
            "closes_at": local(opens + timedelta(days=3)), "latest_start_at": "", "duration_minutes": 60,
            "attempts_allowed": 3, "counting": "best", "pass_mark": "", "excellent_mark": "",
            "multiple_scoring": "all_or_nothing", "fill_scoring": "all_or_nothing",
            "shuffle_questions": "y", "shuffle_options": "y",
            "review_policy": "score", "tab_switch_limit": "", "required_credits": "", "makeup_of_id": 0}
    data.update(overrides)
    return data


@pytest.fixture
def town(make):
    root = make.department("共和镇")
    law = make.department("司法所", root)
    fire = make.department("应急办", root)
    return {"root": root, "law": law, "fire": fire}


def test_trainer_composes_and_publishes_a_rule_drawn_exam(app, make, town):
    make.bank({"single": 25, "multiple": 12, "truefalse": 12})
    trainer = make.user(role="trainer", department=town["law"])
    staff = [make.user(department=town["law"]), make.user(department=town["fire"])]
    make.user(department=town["fire"], category="auxiliary")  # not 在编: not a candidate
    make.user(department=town["fire"], status="retired")      # not in post
    client = app.test_client()
    login(client, trainer)
    response = client.post("/exams/new", data=settings())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    exam_id = int(re.search(r"/exams/(\d+)/paper", response.headers["Location"]).group(1))
    client.post(f"/exams/{exam_id}/paper", data={
        "mode": "rules", "qtype": ["single", "multiple", "truefalse"], "category": ["", "", ""],
        "difficulty": ["", "", ""], "count": ["20", "10", "10"], "points": ["2", "3", "3"]})
    with app.app_context():
        exam = db.session.get(Exam, exam_id)
        assert exam.total_points == 100 and (exam.pass_mark, exam.excellent_mark) == (60, 90)
    client.post(f"/exams/{exam_id}/audience", data={"departments": [str(town["root"].id)], "categories": ["staff"]})
    overview = client.get(f"/exams/{exam_id}").get_data(as_text=True)
    assert "publish-problems" not in overview and 'name="confirmed"' in overview
    # Publishing cannot be undone: without the ticked confirmation nothing is published.
    unconfirmed = client.post(f"/exams/{exam_id}/publish", follow_redirects=True).get_data(as_text=True)
    assert "发布后不能撤销" in unconfirmed
    with app.app_context():
        assert not db.session.get(Exam, exam_id).is_published
    client.post(f"/exams/{exam_id}/publish", data={"confirmed": "y"})
    with app.app_context():
        exam = db.session.get(Exam, exam_id)
        assert exam.is_published and len(exam.pool_snapshot) == 49
        people = set(db.session.scalars(select(ExamCandidate.user_id).where(ExamCandidate.exam_id == exam_id)))
    assert people == {p.id for p in staff} | {trainer.id}


def test_publish_refuses_naming_the_short_rule(app, make, town):
    make.bank({"single": 5})
    trainer = make.user(role="trainer", department=town["law"])
    exam = make.exam(trainer, [make.user()], rules=[("single", 3, 10)], publish=False)
    client = app.test_client()
    login(client, trainer)
    client.post(f"/exams/{exam.id}/paper", data={"mode": "rules", "qtype": ["single", "truefalse"],
                                                 "category": ["", ""], "difficulty": ["", ""],
                                                 "count": ["5", "2"], "points": ["10", "25"]})
    page = client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert "第2条规则" in page and "判断题" in page  # the short rule, named in the page's language
    client.post(f"/exams/{exam.id}/publish", data={"confirmed": "y"})
    with app.app_context():
        assert not db.session.get(Exam, exam.id).is_published


def test_published_paper_cannot_change(app, make):
    make.bank()
    trainer = make.user(role="trainer")
    exam = make.exam(trainer, [make.user()])
    client = app.test_client()
    login(client, trainer)
    client.post(f"/exams/{exam.id}/paper", data={"mode": "rules", "qtype": ["single"], "category": [""],
                                                 "difficulty": [""], "count": ["1"], "points": ["100"]})
    with app.app_context():
        assert db.session.get(Exam, exam.id).question_count == 6


def test_trainers_cannot_manage_other_trainers_exams(app, make):
    make.bank()
    owner, other = make.user(role="trainer"), make.user(role="trainer")
    exam = make.exam(owner, [make.user()])
    client = app.test_client()
    login(client, other)
    for url in (f"/exams/{exam.id}", f"/exams/{exam.id}/candidates", f"/exams/{exam.id}/paper"):
        assert client.get(url).status_code == 403
    assert client.post(f"/exams/{exam.id}/regrade").status_code == 403
    cadre = app.test_client()
    login(cadre, make.user())
    assert cadre.get("/exams").status_code == 403


def _take(app, client, exam, *, correct=True):
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    with app.app_context():
        keys = {q.id: q.answer for q in db.session.scalars(select(Question))}
    for seq, q in enumerate(body["questions"], start=1):
        key = keys[q["id"]]
        answer = [alts[0] for alts in key] if q["type"] == "fill" else key
        if not correct:
            answer = _wrong(q, key)
        client.put(f"/api/attempts/{body['attempt_id']}/answers/{q['id']}", json={"answer": answer, "seq": seq})
    return client.post(f"/api/attempts/{body['attempt_id']}/submit").get_json(), body


def _wrong(question, key):
    if question["type"] == "single":
        return next(o["key"] for o in question["options"] if o["key"] != key)
    if question["type"] == "multiple":
        return [next(o["key"] for o in question["options"] if o["key"] not in key)]
    if question["type"] == "truefalse":
        return not key
    return ["错"] * question["blanks"]


def test_regrade_after_fixing_a_wrong_key(app, make):
    question = make.question("truefalse", answer=False)
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], fixed=[(question, 100)])
    client = app.test_client()
    login(client, cadre)
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    client.put(f"/api/attempts/{body['attempt_id']}/answers/{question.id}", json={"answer": True, "seq": 1})
    assert client.post(f"/api/attempts/{body['attempt_id']}/submit").get_json()["score"] == 0
    with app.app_context():
        db.session.get(Question, question.id).answer = True
        db.session.commit()
    manager = app.test_client()
    login(manager, trainer)
    page = manager.get(f"/exams/{exam.id}/candidates").get_data(as_text=True)
    # The regrade control follows the results, not before them.
    assert page.index('id="candidates"') < page.index('id="regrade"')
    manager.post(f"/exams/{exam.id}/regrade")
    with app.app_context():
        assert db.session.get(Attempt, body["attempt_id"]).score == 100
        from trainingapp.accounts.audit import AuditEvent
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "exam.regrade"))


def test_candidate_changes_need_a_reason_and_are_recorded(app, make):
    make.bank()
    trainer, cadre, late = make.user(role="trainer"), make.user(), make.user(login="late01")
    exam = make.exam(trainer, [cadre])
    client = app.test_client()
    login(client, trainer)
    client.post(f"/exams/{exam.id}/candidates", data={"action": "exempt", "person": cadre.id, "reason": ""})
    client.post(f"/exams/{exam.id}/candidates", data={"action": "exempt", "person": cadre.id,
                                                      "reason": "距退休不足两年"})
    client.post(f"/exams/{exam.id}/candidates", data={"action": "add", "login": "late01", "reason": "新调入"})
    with app.app_context():
        rows = {c.user_id: c for c in db.session.scalars(select(ExamCandidate))}
        assert rows[cadre.id].exempt_reason == "距退休不足两年" and late.id in rows
        changes = db.session.scalars(select(CandidateChange).order_by(CandidateChange.id)).all()
        assert [(c.action, c.reason) for c in changes] == [("exempt", "距退休不足两年"), ("add", "新调入")]
    cadre_client = app.test_client()
    login(cadre_client, cadre)
    assert cadre_client.post(f"/api/exams/{exam.id}/attempts").get_json()["code"] == "exempt"


def test_extra_time_moves_the_running_deadline_and_extra_attempt_allows_one_more(app, make):
    make.bank()
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], attempts_allowed=1)
    client = app.test_client()
    login(client, cadre)
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    manager = app.test_client()
    login(manager, trainer)
    manager.post(f"/exams/{exam.id}/candidates", data={"action": "extra_time", "person": cadre.id,
                                                       "minutes": "15", "reason": "设备故障"})
    later = client.get(f"/api/attempts/{body['attempt_id']}").get_json()
    from datetime import datetime
    assert datetime.fromisoformat(later["deadline"]) - datetime.fromisoformat(body["deadline"]) == timedelta(minutes=15)
    client.post(f"/api/attempts/{body['attempt_id']}/submit")
    assert client.post(f"/api/exams/{exam.id}/attempts").get_json()["code"] == "no_attempts_left"
    manager.post(f"/exams/{exam.id}/candidates", data={"action": "extra_attempt", "person": cadre.id,
                                                       "reason": "重考"})
    assert client.post(f"/api/exams/{exam.id}/attempts").status_code == 201


def test_candidate_keeps_the_department_of_publication(app, make, town):
    make.bank()
    trainer = make.user(role="trainer")
    mover = make.user(department=town["law"])
    exam = make.exam(trainer, [mover])
    with app.app_context():
        db.session.get(User, mover.id).department_id = town["fire"].id
        db.session.commit()
        candidate = db.session.scalar(select(ExamCandidate).where(ExamCandidate.exam_id == exam.id))
        assert candidate.department_id == town["law"].id


def test_makeup_is_for_those_who_did_not_pass(app, make):
    make.bank()
    trainer = make.user(role="trainer")
    good, bad, absent = make.user(name="通过者"), make.user(name="未通过"), make.user(name="缺考者")
    main = make.exam(trainer, [good, bad, absent])
    for person, correct in ((good, True), (bad, False)):
        client = app.test_client()
        login(client, person)
        _take(app, client, main, correct=correct)
    makeup = make.exam(trainer, [], publish=False, makeup_of_id=main.id)
    from trainingapp.exams import authoring
    with app.app_context():
        exam = db.session.get(Exam, makeup.id)
        exam.audience_added = []
        people = {p.id for p in authoring.audience_people(exam)}
    assert people == {bad.id, absent.id}


def test_a_candidates_tab_without_finished_attempts_offers_no_regrade(app, make):
    trainer = make.user(role="trainer")
    exam = make.exam(trainer, [make.user()], fixed=[(make.question("truefalse"), 100)])
    manager = app.test_client()
    login(manager, trainer)
    page = manager.get(f"/exams/{exam.id}/candidates").get_data(as_text=True)
    assert 'id="candidates"' in page and "/regrade" not in page


def test_results_page_lists_status_scores_and_attempts(app, make):
    make.bank()
    trainer = make.user(role="trainer")
    done, waiting = make.user(login="done01"), make.user(login="wait01")
    exam = make.exam(trainer, [done, waiting])
    client = app.test_client()
    login(client, done)
    result, body = _take(app, client, exam)
    manager = app.test_client()
    login(manager, trainer)
    page = manager.get(f"/exams/{exam.id}/candidates").get_data(as_text=True)
    assert re.search(r'data-user="done01".*?data-status="submitted"', page, re.S)
    assert re.search(r'data-user="wait01".*?data-status="not_started"', page, re.S)
    assert manager.get(f"/exams/{exam.id}/attempts/{body['attempt_id']}").status_code == 200

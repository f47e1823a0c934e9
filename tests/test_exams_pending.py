"""A result that waits for marking (待阅卷) as the cadre and the trainer see it: the objective part,
no pass/fail band, no certificate until marking completes, then the result and its documents."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import login
from tests.pending_marks import mark, paper, take
from trainingapp.platform.extensions import db


@pytest.fixture
def sitting(app, make):
    """A cadre who answered two true/false questions right (40) and the short answer: pending."""
    root = make.department("共和镇")
    trainer = make.user(role="trainer", department=root)
    cadre = make.user(login="pending_cadre", name="王五", department=root)
    exam = make.exam(trainer, [cadre], fixed=paper(app, make), shuffle_questions=False, title="宪法考试",
                     lasts=timedelta(days=1), review_policy="after_submit", protect_questions=False)
    client = app.test_client()
    login(client, cadre)
    return {"exam": exam, "cadre": cadre, "trainer": trainer, "client": client, "app": app}


def submit_through_api(client, exam, *, right: int) -> dict:
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    for seq, question in enumerate(body["questions"], start=1):
        answer = (seq <= right) if question["type"] == "truefalse" else "公正、公开；过罚相当。"
        assert client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                          json={"answer": answer, "seq": seq}).status_code == 200
    result = client.post(f"/api/attempts/{body['attempt_id']}/submit").get_json()
    return {"attempt_id": body["attempt_id"], "result": result}


def test_submit_returns_the_objective_part_and_no_band(sitting):
    done = submit_through_api(sitting["client"], sitting["exam"], right=2)
    result = done["result"]
    assert result["awaiting_marks"] is True and result["objective_score"] == 40
    assert result["score"] is None and result["passed"] is None and result["excellent"] is None
    attempt = sitting["client"].get(f"/api/attempts/{done['attempt_id']}").get_json()
    assert attempt["result"]["awaiting_marks"] is True
    short = [q for q in attempt["review"]["questions"] if q["type"] == "short"]
    assert short and short[0]["awaiting_marks"] is True and short[0]["score"] is None
    listed = sitting["client"].get("/api/exams").get_json()["exams"]
    assert listed[0]["result"] == {"score": None, "total": 100.0, "passed": None, "excellent": None,
                                   "awaiting_marks": True}


def test_result_page_says_objective_score_and_pending_without_a_band(sitting):
    done = submit_through_api(sitting["client"], sitting["exam"], right=2)
    page = sitting["client"].get(f"/my/attempts/{done['attempt_id']}/result").get_data(as_text=True)
    assert "客观题得分 40 分，主观题待阅卷，成绩待定。" in page
    assert 'id="result-band"' not in page and "不合格" not in page
    assert 'data-pending-answer=' in page  # the short answer in the review: awaiting marks, not "0 points, wrong"
    mine = sitting["client"].get("/my/exams").get_data(as_text=True)
    assert 'data-band="pending"' in mine and "不合格" not in mine
    rules = sitting["client"].get(f"/my/exams/{sitting['exam'].id}").get_data(as_text=True)
    assert 'data-pending="1"' in rules and "不合格" not in rules
    learning = sitting["client"].get(f"/learning?year={sitting['exam'].year}").get_data(as_text=True)
    row = re.search(rf'<tr data-exam-id="{sitting["exam"].id}">(.*?)</tr>', learning, re.S).group(1)
    assert 'data-band="pending"' in row and "不合格" not in row


def test_no_certificate_or_proof_while_pending_and_both_once_marked(sitting):
    app, client, exam = sitting["app"], sitting["client"], sitting["exam"]
    done = submit_through_api(client, exam, right=2)
    page = client.get(f"/my/attempts/{done['attempt_id']}/result").get_data(as_text=True)
    assert 'id="documents-pending"' in page and 'id="download-certificate"' not in page
    assert 'id="download-proof"' not in page
    for kind in ("certificate", "proof"):
        refused = client.post(f"/my/exams/{exam.id}/{kind}")
        assert refused.status_code == 302 and refused.mimetype != "application/pdf"
    assert valid_documents(app, sitting["cadre"].id) == []
    assert mark(app, done["attempt_id"], 30) == 70  # marking completes: a pass
    page = client.get(f"/my/attempts/{done['attempt_id']}/result").get_data(as_text=True)
    assert 'id="documents-pending"' not in page and 'id="download-certificate"' in page
    assert 'id="result-band"' in page and 'id="result-pending"' not in page
    issued = client.post(f"/my/exams/{exam.id}/certificate")
    assert issued.status_code == 200 and issued.mimetype == "application/pdf"
    assert [(d.kind, d.facts["score"], d.facts["band"]) for d in valid_documents(app, sitting["cadre"].id)] == [
        ("certificate", 70, "pass")]


def test_a_remark_revokes_the_certificate_it_made_untrue(sitting):
    app, client, exam = sitting["app"], sitting["client"], sitting["exam"]
    done = submit_through_api(client, exam, right=2)
    mark(app, done["attempt_id"], 30)
    assert client.post(f"/my/exams/{exam.id}/certificate").status_code == 200
    mark(app, done["attempt_id"], 10)  # remarked: 50, a fail
    assert valid_documents(app, sitting["cadre"].id) == []
    page = client.get(f"/my/attempts/{done['attempt_id']}/result").get_data(as_text=True)
    assert 'id="download-certificate"' not in page and 'id="download-proof"' in page


def test_a_certificate_held_stays_while_a_new_attempt_awaits_marks(sitting):
    """A pass (certified), then a second attempt awaiting marks: nothing new is issued, the one held is
    left alone until marking completes, and refreshed then."""
    app, client, exam = sitting["app"], sitting["client"], sitting["exam"]
    first = take(app, sitting["cadre"], exam, right=3, short=None)  # 60: a pass, known at once
    assert client.post(f"/my/exams/{exam.id}/certificate").status_code == 200
    second = take(app, sitting["cadre"], exam, right=3)
    assert [d.facts["score"] for d in valid_documents(app, sitting["cadre"].id)] == [60]
    page = client.get(f"/my/attempts/{second}/result").get_data(as_text=True)
    assert 'id="documents-pending"' in page
    assert client.post(f"/my/exams/{exam.id}/certificate").status_code == 302
    mark(app, second, 35)  # 95: best counts; the certificate held no longer tells the truth
    documents = valid_documents(app, sitting["cadre"].id)
    assert [(d.facts["score"], d.facts["band"]) for d in documents] == [(95, "excellent")]
    assert first != second


def test_trainer_sees_pending_attempts_with_their_objective_part(app, as_role, sitting):
    exam = sitting["exam"]
    done = submit_through_api(sitting["client"], exam, right=2)
    trainer = app.test_client()
    login(trainer, sitting["trainer"])
    overview = trainer.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert 'id="awaiting-marks" data-count="1"' in overview
    candidates = trainer.get(f"/exams/{exam.id}/candidates").get_data(as_text=True)
    row = re.search(r'<tr data-user="pending_cadre"[^>]*>(.*?)</tr>', candidates, re.S).group(1)
    assert f'data-pending-attempt="{done["attempt_id"]}"' in row and 'data-band="pending"' in row
    assert "不合格" not in row
    detail = trainer.get(f"/exams/{exam.id}/attempts/{done['attempt_id']}").get_data(as_text=True)
    assert 'id="attempt-pending"' in detail and "客观题 40 分" in detail
    mark(app, done["attempt_id"], 30)
    overview = trainer.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert 'id="awaiting-marks"' not in overview
    candidates = trainer.get(f"/exams/{exam.id}/candidates").get_data(as_text=True)
    row = re.search(r'<tr data-user="pending_cadre"[^>]*>(.*?)</tr>', candidates, re.S).group(1)
    assert "70" in row and 'data-band="pending"' not in row


def test_key_correction_preview_leaves_a_pending_attempt_unscored(app, sitting):
    """Correcting a key previews the score change of a marked attempt (objective part plus its marks)
    and none for an attempt awaiting marks."""
    from trainingapp.accounts.models import User
    from trainingapp.exams.key_correction import preview_correction
    from trainingapp.questionbank.models import Question
    exam = sitting["exam"]
    pending = submit_through_api(sitting["client"], exam, right=2)["attempt_id"]
    other = sitting["app"].test_client()
    marked_person = _second_candidate(app, sitting)
    login(other, marked_person)
    marked = submit_through_api(other, exam, right=2)["attempt_id"]
    mark(app, marked, 30)  # 70
    with app.app_context():
        first_tf = db.session.scalar(select(Question).where(Question.qtype == "truefalse").order_by(Question.id))
        preview = preview_correction(db.session.get(User, sitting["trainer"].id), first_tf, "错")
        changes = {c.attempt_id: (c.old_score, c.new_score) for effect in preview.exams for c in effect.changes}
    assert pending not in changes
    assert changes[marked] == (70, 50)  # the first question was answered "true": now wrong, marks kept


def _second_candidate(app, sitting):
    from trainingapp.accounts.models import User
    from trainingapp.exams import authoring
    from trainingapp.exams.models import Exam
    with app.app_context():
        person = User(login="marked_cadre", name="赵六", department_id=sitting["cadre"].department_id,
                      category="staff", role="cadre", status="active")
        from tests.conftest import PASSWORD
        person.set_password(PASSWORD, must_change=False)
        db.session.add(person)
        db.session.commit()
        authoring.add_candidate(db.session.get(User, sitting["trainer"].id), db.session.get(Exam, sitting["exam"].id),
                                person, "补录")
        db.session.refresh(person)
        db.session.expunge(person)
        return person


def valid_documents(app, user_id):
    from trainingapp.exams.models import Certificate
    with app.app_context():
        found = db.session.scalars(select(Certificate).where(Certificate.user_id == user_id,
                                                             Certificate.revoked_at.is_(None))
                                   .order_by(Certificate.id)).all()
        db.session.expunge_all()
        return found

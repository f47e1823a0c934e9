"""My learning: a year of courses and credits, sessions attended and exams, for the person,
an admin and the person's liaison (and nobody else)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.conftest import login
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.questionbank.models import Question
from trainingapp.training.courses.models import Course, CourseCompletion, Material

T0 = datetime(2026, 4, 1, 2, 0)


def english(client):
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def record(app, make):
    """A cadre of 执法一中队 (under 综合行政执法办) with a year of learning behind them."""
    root = make.department("共和镇")
    office = make.department("综合行政执法办", parent=root)
    team = make.department("执法一中队", parent=office)
    other = make.department("司法所", parent=root)
    cadre = make.user(role="cadre", department=team, name="王海")
    make.bank({"truefalse": 3})
    trainer = make.user(role="trainer", department=other)
    clock.freeze(T0)
    passed = make.exam(trainer, [cadre], rules=[("truefalse", 2, 50)], title="上半年学法考试", review_policy="score")
    secret = make.exam(trainer, [cadre], rules=[("truefalse", 2, 50)], title="保密考试", review_policy="never")
    client = app.test_client()
    login(client, cadre)
    for exam in (passed, secret):
        body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
        for seq, question in enumerate(body["questions"], start=1):
            with app.app_context():
                key = db.session.get(Question, question["id"]).answer
            client.put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}", json={"answer": key, "seq": seq})
        client.post(f"/api/attempts/{body['attempt_id']}/submit")
    with app.app_context():
        for title, credits, when in [("宪法学习", 1.5, datetime(2026, 3, 1)), ("民法典学习", 2, datetime(2026, 5, 1)),
                                     ("旧课程", 3, datetime(2025, 6, 1))]:
            course = Course(title=title, credits=credits, is_published=True, published_at=when)
            course.materials.append(Material(position=0, title="第一讲", kind="text", body_markdown="正文", minutes=1))
            db.session.add(course)
            db.session.flush()
            db.session.add(CourseCompletion(user_id=cadre.id, course_id=course.id, completed_at=when, credits=credits))
        _add_sessions(cadre.id, root.id)
        db.session.commit()
        db.session.remove()
    return {"cadre": cadre, "office": office, "other": other, "client": english(client)}


def _add_sessions(user_id, department_id):
    try:
        from trainingapp.training.sessions.models import Attendance, TrainingSession
    except ImportError:
        return
    for title, start, hours, status in [("民法典专题讲座", datetime(2026, 3, 10, 1), 2, "present"),
                                        ("安全生产培训", datetime(2026, 6, 10, 1), 3, "late"),
                                        ("缺席的培训", datetime(2026, 7, 10, 1), 4, "absent"),
                                        ("去年的培训", datetime(2025, 7, 10, 1), 5, "present")]:
        session = TrainingSession(title=title, kind="lecture", department_id=department_id, starts_at=start,
                                  ends_at=start + timedelta(hours=hours), hours=hours)
        db.session.add(session)
        db.session.flush()
        db.session.add(Attendance(session_id=session.id, user_id=user_id, status=status, source="manual"))


def sessions_exist():
    try:
        import trainingapp.training.sessions.models  # noqa: F401
    except ImportError:
        return False
    return True


def section(page, name):
    return page.split(f'id="{name}"', 1)[1].split("</section>", 1)[0]


def test_my_learning_shows_the_year(record):
    page = record["client"].get("/learning?year=2026").get_data(as_text=True)
    assert 'id="credits-total">3.5<' in page
    courses = section(page, "courses-title")
    assert "宪法学习" in courses and "民法典学习" in courses and "旧课程" not in courses
    exams = section(page, "exams-title")
    assert "上半年学法考试" in exams and "100 / 100" in exams and "Excellent" in exams
    assert "保密考试" in exams and "not shown" in exams  # the review policy hides it from the candidate
    if sessions_exist():
        sessions = section(page, "sessions-title")
        assert "民法典专题讲座" in sessions and "安全生产培训" in sessions
        assert "缺席的培训" not in sessions and "去年的培训" not in sessions
        assert '<td class="text-end fw-semibold">5</td>' in sessions

    last_year = record["client"].get("/learning?year=2025").get_data(as_text=True)
    assert 'id="credits-total">3<' in last_year and "旧课程" in last_year
    assert "No exam in 2025." in last_year


def test_the_exam_state_and_the_persons_part_are_separate_columns(app, make, record):
    # Both exams are open and taken: "open" (the exam) is not what the person did ("taken, 1 attempt").
    page = record["client"].get("/learning?year=2026").get_data(as_text=True)
    exams = section(page, "exams-title")
    assert exams.count('data-window="open"') == 2 and exams.count('data-participation="taken"') == 2
    assert "Exam state" in exams and "Taken (1 attempts made)" in exams
    clock.advance(timedelta(days=2))  # both windows closed (and the session with them: sign in again)
    client = english(app.test_client())
    login(client, record["cadre"])
    exams = section(client.get("/learning?year=2026").get_data(as_text=True), "exams-title")
    assert exams.count('data-window="closed"') == 2 and exams.count('data-participation="taken"') == 2


def test_an_admin_sees_anyones_learning(app, record, as_role):
    admin = english(as_role("admin"))
    page = admin.get(f"/learning/{record['cadre'].id}?year=2026").get_data(as_text=True)
    assert "Learning of 王海" in page and 'id="credits-total">3.5<' in page
    assert "保密考试" in page and "not shown" not in section(page, "exams-title")


def test_the_liaison_of_the_persons_department_may_look_and_others_may_not(app, make, record, as_role):
    own = as_role("liaison", department=record["office"])
    assert own.get(f"/learning/{record['cadre'].id}").status_code == 200
    elsewhere = as_role("liaison", department=record["other"])
    assert elsewhere.get(f"/learning/{record['cadre'].id}").status_code == 403
    assert as_role("trainer").get(f"/learning/{record['cadre'].id}").status_code == 403
    assert as_role("cadre", department=record["office"]).get(f"/learning/{record['cadre'].id}").status_code == 403
    assert as_role("admin").get("/learning/999999").status_code == 404


def test_an_empty_year_says_what_to_do(as_role):
    client = english(as_role("cadre"))
    page = client.get("/learning").get_data(as_text=True)
    assert "Choose a course to study" in page and "Exams published for you appear under My exams." in page
    assert 'id="credits-total">0<' in page

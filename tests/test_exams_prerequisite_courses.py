"""An exam can require listed courses: starting is refused, and the rules page names them, until done."""
from tests.conftest import login
from trainingapp.exams.models import Exam
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.training.courses.models import Course, CourseCompletion


def test_required_course_must_be_completed_before_starting(app, make):
    make.bank()
    trainer, cadre = make.user(role="trainer"), make.user()
    with app.app_context():
        course = Course(title="行政处罚法要点", credits=1, is_published=True, published_at=clock.now())
        db.session.add(course)
        db.session.commit()
        course_id = course.id
    exam = make.exam(trainer, [cadre], required_course_ids=[course_id])
    client = app.test_client()
    login(client, cadre)
    refused = client.post(f"/api/exams/{exam.id}/attempts")
    assert refused.status_code == 403 and refused.get_json()["code"] == "prerequisites"
    assert "行政处罚法要点" in refused.get_json()["error"]
    assert "行政处罚法要点" in client.get(f"/my/exams/{exam.id}").get_data(as_text=True)
    with app.app_context():
        db.session.add(CourseCompletion(user_id=cadre.id, course_id=course_id, completed_at=clock.now(), credits=1))
        db.session.commit()
    assert client.post(f"/api/exams/{exam.id}/attempts").status_code == 201


def test_trainer_chooses_required_courses_in_the_settings(app, make):
    trainer = make.user(role="trainer")
    with app.app_context():
        course = Course(title="宪法学习", credits=1, is_published=True, published_at=clock.now())
        db.session.add(course)
        db.session.commit()
        course_id = course.id
    make.bank()
    exam = make.exam(trainer, [make.user()], publish=False)
    client = app.test_client()
    login(client, trainer)
    page = client.get(f"/exams/{exam.id}/settings").get_data(as_text=True)
    assert "宪法学习" in page
    from tests.test_exams_authoring import settings
    client.post(f"/exams/{exam.id}/settings", data={**settings(), "required_course_ids": [str(course_id)]})
    with app.app_context():
        assert db.session.get(Exam, exam.id).required_course_ids == [course_id]

"""A small town with one of everything a page can be opened on, for the tests that walk every
page of the app (hostile query values, cache headers)."""
import re
from datetime import date, timedelta

from tests.conftest import login


def small_town(app, make):
    """A small town with one of everything a page can be opened on: ({role: person},
    {path parameter name: a value that opens a real object})."""
    from trainingapp.platform import clock
    from trainingapp.platform.extensions import db
    from trainingapp.training.courses.models import Course, Material
    from trainingapp.training.outreach.models import OutreachEvent, ResponsibilityItem
    from trainingapp.training.sessions.models import TrainingSession

    town = make.department("共和镇")
    office = make.department("司法所", parent=town)
    people = {"admin": make.user(role="admin", department=town), "trainer": make.user(role="trainer"),
              "liaison": make.user(role="liaison", department=office), "cadre": make.user(department=office)}
    make.bank()
    exam = make.exam(people["trainer"], [people["cadre"]])
    taker = app.test_client()
    login(taker, people["cadre"])
    attempt = taker.post(f"/api/exams/{exam.id}/attempts").get_json()["attempt_id"]
    with app.app_context():
        moment = clock.now()
        course = Course(title="宪法", category="宪法", credits=1, audience=[], is_published=True, published_at=moment)
        course.materials.append(Material(position=0, title="第一讲", kind="text", body_markdown="宪法", minutes=1))
        session = TrainingSession(title="培训", department_id=office.id, starts_at=moment, hours=2,
                                  ends_at=moment + timedelta(hours=2))
        event = OutreachEvent(title="宣传", kind="lecture", held_on=date.today(), department_id=office.id)
        item = ResponsibilityItem(department_id=office.id, year=moment.year, law="《宪法》", planned_events=2)
        db.session.add_all([course, session, event, item])
        db.session.commit()
        values = {"exam_id": exam.id, "attempt_id": attempt, "course_id": course.id,
                  "material_id": course.materials[0].id, "session_id": session.id, "event_id": event.id,
                  "item_id": item.id, "department_id": office.id, "person_id": people["cadre"].id,
                  "user_id": people["cadre"].id, "question_id": 1, "file_id": 999999, "token": "no-such-token",
                  "fmt": "xlsx", "name": "cadre", "filename": "cadre-home.png"}
        from trainingapp.questionbank.models import Question
        values["question_id"] = db.session.scalar(db.select(Question.id).limit(1))
        from trainingapp.laws.models import Article, Law, LawVersion
        law = Law(title="示例规定", short_title="示例")
        version = LawVersion(law=law, issued_on=date(2026, 1, 1), effective_on=date(2026, 1, 1))
        version.articles.append(Article(number=1, suffix=0, position=0, text="为了示例，制定本规定。"))
        db.session.add(law)
        db.session.commit()
        values.update(law_id=law.id, version_id=version.id, article_id=version.articles[0].id,
                      number=1, round_="first")
        db.session.remove()
    return people, values


def fill_path(rule, values) -> str:
    """The rule's path with each <converter:name> replaced by the town's value for that name."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)

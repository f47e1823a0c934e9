"""Every home page is a to-do list: each role's figures against a hand count on a small town with a
two-level department tree (a liaison sees only their subtree), every link on each home page opens
for that role, and the page's statements do not grow with the data."""
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import event, select, update

from tests.conftest import login
from tests.test_reports_exam import answer_k_right
from trainingapp.accounts.audit import AuditEvent
from trainingapp.exams.models import Attempt
from trainingapp.platform import clock
from trainingapp.platform.extensions import db


class _Links(HTMLParser):
    """The href of every link and the action of every form of a page."""

    def __init__(self):
        super().__init__()
        self.links, self.forms = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "form":
            self.forms.append(attrs.get("action"))


def _links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def _figure(html: str, css_class: str, exam_id: int) -> int:
    """The number shown in the link of class `css_class` on the row of exam `exam_id`."""
    rows = re.findall(rf'<tr data-exam-id="{exam_id}">(.*?)</tr>', html, re.S)
    assert rows, f"no row for exam {exam_id}"
    found = [int(n) for row in rows for n in re.findall(rf'class="{css_class}[^"]*"[^>]*>(\d+)<', row)]
    assert len(found) == 1, f"{len(found)} {css_class} on the rows of exam {exam_id}"
    return found[0]


@pytest.fixture
def town(app, make):
    """镇 > 办A > 村A1, and 办B. Six cadres (two per department), one exam open for all of them:
    a1 and v1 (村A1) and b1 submitted, a2 is in the middle of an attempt, the rest have not started.
    The liaison of 办A covers 办A and 村A1; the admin everything."""
    root = make.department("镇")
    office_a = make.department("办A", root)
    village = make.department("村A1", office_a)
    office_b = make.department("办B", root)
    people = {"a1": make.user(department=office_a), "a2": make.user(department=office_a),
              "v1": make.user(department=village), "v2": make.user(department=village, must_change=True),
              "b1": make.user(department=office_b), "b2": make.user(department=office_b, must_change=True)}
    staff = {"admin": make.user(role="admin", department=root), "trainer": make.user(role="trainer", department=root),
             "liaison": make.user(role="liaison", department=office_a),
             "other": make.user(role="trainer", department=root)}
    questions = [make.question("truefalse", answer=bool(i % 2)) for i in range(10)]
    exam = make.exam(staff["trainer"], list(people.values()), fixed=[(q, 10) for q in questions],
                     shuffle_questions=False, title="年度学法考试")
    for key, right in (("a1", 9), ("v1", 5), ("b1", 7)):
        answer_k_right(app, people[key], exam, right)
    taker = app.test_client()
    login(taker, people["a2"])
    running = taker.post(f"/api/exams/{exam.id}/attempts").get_json()["attempt_id"]
    # A draft that cannot be published yet (nobody is a candidate) and one of another trainer.
    draft = make.exam(staff["trainer"], [], fixed=[(q, 10) for q in questions], publish=False, title="补充考试",
                      opens_in=timedelta(days=3))
    make.exam(staff["other"], [people["a1"]], fixed=[(q, 10) for q in questions], publish=False, title="别人的草稿",
              opens_in=timedelta(days=3))
    return dict(people=people, staff=staff, exam=exam, draft=draft, running=running,
                departments=dict(root=root, office_a=office_a, village=village, office_b=office_b))


def _must_change(html: str) -> int:
    """The figure of people who have not chosen their own password yet."""
    return int(re.search(r'class="fig-must-change"[^>]*>[^<]*?: (\d+)<', html).group(1))


def _home(app, person):
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert login(client, person).status_code == 302
    response = client.get("/")
    assert response.status_code == 200, response.data[:500]
    return client, response.get_data(as_text=True)


def _every_link_opens(client, html):
    """Every link of the page that stays on the site answers 200 for this person."""
    checked = 0
    for href in _links(html).links:
        if href.startswith(("http", "#", "mailto:")) or "/logout" in href or href.startswith("/static"):
            continue
        response = client.get(href)
        assert response.status_code == 200, (href, response.status_code)
        checked += 1
    return checked


def test_liaison_sees_required_taken_and_not_taken_of_their_subtree(app, town):
    client, html = _home(app, town["staff"]["liaison"])
    exam = town["exam"]
    # By hand: 办A and 村A1 have a1, a2, v1, v2; a1 and v1 submitted; a2 is still answering.
    assert _figure(html, "fig-required", exam.id) == 4
    assert _figure(html, "fig-taken", exam.id) == 2
    assert _figure(html, "fig-absent", exam.id) == 2
    # The same figures as the report's own list of those who have not taken it.
    absent = client.get(f"/reports/exams/{exam.id}/people?only=absent").get_data(as_text=True)
    assert sum(absent.count(town["people"][key].login) for key in ("a2", "v2")) >= 2
    assert town["people"]["b2"].login not in absent
    # v2 must still choose a password; b2 (办B) is outside the subtree.
    assert _must_change(html) == 1
    listed = client.get("/people?must_change=1").get_data(as_text=True)
    assert town["people"]["v2"].login in listed and town["people"]["a1"].login not in listed
    # The reminder posts to the notifications' route, with a CSRF token.
    assert f'action="/notifications/remind/{exam.id}"' in html and 'name="csrf_token"' in html
    assert _every_link_opens(client, html) >= 4


def test_liaison_sees_who_has_no_email_address_in_their_subtree(app, town):
    with app.app_context():
        for person in (town["people"]["a1"], town["staff"]["liaison"], town["people"]["b1"]):
            db.session.get(type(person), person.id).email = f"{person.login}@example.org"
        db.session.commit()
    client, html = _home(app, town["staff"]["liaison"])
    # By hand: the subtree's active people are a1, a2, v1, v2 and the liaison; a1 and the liaison
    # have addresses (b1 is outside the subtree).
    figure = int(re.search(r'class="fig-no-email"[^>]*>[^<]*?: (\d+)<', html).group(1))
    assert figure == 3
    listed = client.get("/people?no_email=1").get_data(as_text=True)
    assert all(town["people"][key].login in listed for key in ("a2", "v1", "v2"))
    assert town["people"]["a1"].login not in listed and town["people"]["b2"].login not in listed


def test_the_liaisons_not_taken_equals_the_follow_up_list(app, town):
    client, html = _home(app, town["staff"]["liaison"])
    exam = town["exam"]
    followup = client.get(f"/reports/exams/{exam.id}/followup").get_data(as_text=True)
    listed = sum(1 for person in town["people"].values() if person.login in followup)
    # The follow-up list also holds those who failed (none here: the pass mark of the factory is 60
    # of 100 and v1 scored 50): they are 已参考, not 未参考.
    failed = 1
    assert _figure(html, "fig-absent", exam.id) == listed - failed


def test_admin_sees_the_whole_tree_and_the_last_days_imports_and_exports(app, town):
    with app.app_context():
        old = AuditEvent(action="roster.import", at=clock.now() - timedelta(days=30), details={})
        db.session.add_all([AuditEvent(action="roster.import", details={}), old,
                            AuditEvent(action="report.export", details={}),
                            AuditEvent(action="report.export", details={})])
        db.session.commit()
    client, html = _home(app, town["staff"]["admin"])
    exam = town["exam"]
    assert (_figure(html, "fig-required", exam.id), _figure(html, "fig-taken", exam.id),
            _figure(html, "fig-absent", exam.id)) == (6, 3, 3)
    assert _must_change(html) == 2
    counts = dict(re.findall(r'data-action="([a-z.]+)">(\d+)<', html))
    assert counts == {"roster.import": "1", "questions.import": "0", "attendance.import": "0",
                      "report.export": "2", "questions.export": "0"}
    # The admin also sees every trainer's running exams and drafts.
    assert _figure(html, "fig-started", exam.id) == 4
    assert "别人的草稿" in html
    assert _every_link_opens(client, html) >= 10


def test_trainer_sees_running_exams_drafts_marking_and_todays_sessions(app, town, make):
    from trainingapp.training.sessions.models import TrainingSession
    trainer = town["staff"]["trainer"]
    exam = town["exam"]
    with app.app_context():
        moment = clock.now()
        db.session.add_all([
            TrainingSession(title="今日培训", department_id=town["departments"]["root"].id, trainer_id=trainer.id,
                            starts_at=moment, ends_at=moment + timedelta(hours=1), hours=1),
            TrainingSession(title="别人的培训", department_id=town["departments"]["root"].id, starts_at=moment,
                            ends_at=moment + timedelta(hours=1), hours=1),
            TrainingSession(title="下周培训", department_id=town["departments"]["root"].id, trainer_id=trainer.id,
                            starts_at=moment + timedelta(days=7), ends_at=moment + timedelta(days=7, hours=1),
                            hours=1)])
        # One finished attempt waits for the marks of its subjective answers.
        db.session.execute(update(Attempt).where(
            Attempt.exam_id == exam.id, Attempt.user_id == town["people"]["b1"].id).values(awaiting_marks=True,
                                                                                            score=None))
        db.session.commit()
    client, html = _home(app, trainer)
    # By hand: six candidates; a1, v1, b1, a2 started; a1, v1, b1 submitted; a2 in progress.
    assert (_figure(html, "fig-candidates", exam.id), _figure(html, "fig-started", exam.id),
            _figure(html, "fig-submitted", exam.id), _figure(html, "fig-in-progress", exam.id)) == (6, 4, 3, 1)
    assert re.search(r'class="fig-marking">(\d+)<', html).group(1) == "1"
    drafts = html.split('id="draft-exams"')[1].split("</div>")[0]
    assert "补充考试" in drafts and "draft-missing" in drafts and "别人的草稿" not in html
    assert "今日培训" in html and "别人的培训" not in html and "下周培训" not in html
    assert 'id="roster-heading"' not in html  # participation by department is the liaisons' and admins'
    assert _every_link_opens(client, html) >= 8


def test_cadre_sees_the_open_exam_with_deadline_attempts_left_and_time_left(app, town):
    client, html = _home(app, town["people"]["a2"])
    assert "年度学法考试" in html
    assert "Started: about 30 minutes left" in html or "Started: about 29 minutes left" in html
    assert f'/exams/attempts/{town["running"]}' in html or f'/attempts/{town["running"]}' in html
    _every_link_opens(client, html)
    client, html = _home(app, town["people"]["b1"])
    # One attempt of three submitted: two left; the best so far shown (the review policy shows scores).
    assert "Attempts left: 2." in html and "Best so far: 70 of 100." in html
    assert _every_link_opens(client, html) >= 3


def test_cadre_sees_missing_prerequisites_and_todays_session(app, make):
    from trainingapp.exams.models import Exam
    from trainingapp.training.sessions.models import TrainingSession
    office = make.department()
    cadre = make.user(department=office)
    trainer = make.user(role="trainer")
    questions = [make.question("truefalse") for _ in range(2)]
    exam = make.exam(trainer, [cadre], fixed=[(q, 50) for q in questions], title="要学分的考试")
    with app.app_context():
        db.session.execute(update(Exam).where(Exam.id == exam.id).values(required_credits=4))
        moment = clock.now()
        db.session.add(TrainingSession(title="今天的法治讲座", department_id=office.id, starts_at=moment,
                                       ends_at=moment + timedelta(hours=1), hours=1, expected_added=[cadre.id]))
        db.session.commit()
    client, html = _home(app, cadre)
    assert "Before you can start:" in html and "4 more study credits" in html
    assert f"/exams/{exam.id}/rules" in html or "rules" in html
    todo = html.split('id="todo"')[1].split("</section>")[0]
    assert "今天的法治讲座" in todo and 'href="/checkin"' in todo
    assert _every_link_opens(client, html) >= 3
    from trainingapp.training.sessions.models import Attendance
    with app.app_context():
        session_id = db.session.scalar(select(TrainingSession.id).where(TrainingSession.title == "今天的法治讲座"))
        db.session.add(Attendance(session_id=session_id, user_id=cadre.id, status="late", source="manual"))
        db.session.commit()
    todo = client.get("/").get_data(as_text=True).split('id="todo"')[1].split("</section>")[0]
    assert "Checked in" in todo and 'href="/checkin"' not in todo


def test_empty_home_pages_say_what_to_do_next(app, make):
    town = make.department()
    pages = {"cadre": ('id="todo-empty"',),
             "trainer": ('id="running-empty"', 'id="drafts-empty"', "Create your first exam"),
             "liaison": ('id="roster-empty"',), "admin": ('id="roster-empty"', 'id="drafts-empty"')}
    for role, expected in pages.items():
        client, html = _home(app, make.user(role=role, department=town))
        for text in expected:
            assert text in html, (role, text)
        _every_link_opens(client, html)


def _statements(app, client):
    client.get("/")
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_home_page_statements_do_not_grow_with_people_departments_or_attempts(app, make):
    root = make.department()
    admin = make.user(role="admin", department=root)
    trainer = make.user(role="trainer", department=root)
    liaison = make.user(role="liaison", department=root)
    questions = [make.question("truefalse", answer=bool(i % 2)) for i in range(10)]
    measured = []
    people = []
    for departments in (2, 8):
        for _ in range(departments):
            parent = make.department(parent=root)
            people += [make.user(department=make.department(parent=parent)) for _person in range(2)]
        exam = make.exam(trainer, people, fixed=[(q, 10) for q in questions], shuffle_questions=False)
        for person in people[-3:]:
            answer_k_right(app, person, exam, 6)
        counts = []
        for person in (admin, trainer, liaison):
            client = app.test_client()
            login(client, person)
            counts.append(_statements(app, client))
        measured.append(counts)
        with app.app_context():  # the next round starts again from one open exam
            from trainingapp.exams.models import Exam
            db.session.execute(update(Exam).where(Exam.id == exam.id).values(closes_at=clock.now()))
            db.session.commit()
    assert measured[0] == measured[1], measured


def _finished_exams(app, person) -> int:
    from sqlalchemy import func
    with app.app_context():
        return db.session.scalar(select(func.count(func.distinct(Attempt.exam_id))).where(
            Attempt.user_id == person.id, Attempt.status != "in_progress"))


def test_cadre_home_statements_do_not_grow_with_finished_exams(app, make):
    office = make.department()
    cadre = make.user(department=office)
    trainer = make.user(role="trainer")
    questions = [make.question("truefalse", answer=bool(i % 2)) for i in range(10)]
    client = app.test_client()
    login(client, cadre)
    measured = []
    for finished in (3, 6):  # the home page shows the latest three results
        while finished > _finished_exams(app, cadre):
            exam = make.exam(trainer, [cadre], fixed=[(q, 10) for q in questions], shuffle_questions=False,
                             attempts_allowed=1)
            answer_k_right(app, cadre, exam, 8)
        measured.append(_statements(app, client))
    assert measured[0] == measured[1], measured

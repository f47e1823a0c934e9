"""The exam report reads its data once: the page's statements do not grow with the number
of departments or levels, the exam row is read once, and closing overdue attempts is a step
of its own before the report is built (building never writes)."""
import re
from datetime import timedelta

from sqlalchemy import event, select

from tests.conftest import login
from tests.test_reports_exam import answer_k_right
from trainingapp.exams.models import Attempt
from trainingapp.platform import clock
from trainingapp.platform.extensions import db

EXAM_ROW = re.compile(r"^SELECT exam\.id\b.*\bFROM exam\b", re.S)


def _statements(app, client, url):
    client.get(url)  # the first page of a process also checks the demo passwords, once
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.data[:500]
    return statements


def _town(make, sections, levels):
    """A town with `sections` offices, each `levels` deep, one candidate at the bottom of each;
    an exam everybody takes and its make-up."""
    root = make.department()
    people = []
    for _section in range(sections):
        parent = root
        for _level in range(levels):
            parent = make.department(parent=parent)
        people.append(make.user(department=parent))
    questions = [make.question("truefalse", answer=bool(i % 2)) for i in range(10)]
    trainer = make.user(role="trainer", department=root)
    exam = make.exam(trainer, people, fixed=[(q, 10) for q in questions], shuffle_questions=False)
    make.exam(trainer, people[:1], fixed=[(q, 10) for q in questions], makeup_of_id=exam.id)
    return root, exam, people


def _kinds(statements):
    return [s.split()[0] for s in statements]


def test_exam_report_statements_do_not_grow_with_departments(app, make, as_role):
    measured = []
    for sections, levels in ((2, 1), (12, 3)):
        root, exam, people = _town(make, sections, levels)
        for k, person in enumerate(people):
            answer_k_right(app, person, exam, k % 11)
        client = as_role("admin")
        whole = _statements(app, client, f"/reports/exams/{exam.id}")
        subtree = _statements(app, client, f"/reports/exams/{exam.id}?root={root.id}")
        liaison = as_role("liaison", department=root)
        scoped = _statements(app, liaison, f"/reports/exams/{exam.id}")
        measured.append((whole, subtree, scoped))
        for statements in (whole, subtree, scoped):
            # The exam with its make-up in one read; the tree in one read.
            assert sum(1 for s in statements if EXAM_ROW.match(s)) == 1, statements
            assert sum(1 for s in statements if "FROM department" in s) == 1, statements
            assert all(s.startswith("SELECT") for s in statements), statements  # nothing overdue: no write
    (small, large) = measured
    for few, many in zip(small, large):
        assert _kinds(few) == _kinds(many), many
        assert len(few) == len(many)


def test_overdue_attempts_are_closed_before_the_report_is_built(app, make, as_role):
    from trainingapp.exams.models import Exam
    from trainingapp.reports import exam_report
    _root, exam, people = _town(make, 2, 1)
    client = app.test_client()
    login(client, people[0])
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    try:
        clock.freeze(clock.now() + timedelta(hours=2))  # past the 30 minutes and the grace period
        with app.app_context():
            report = exam_report.build(db.session.get(Exam, exam.id), denominator="participants")
            assert report.total.participants == 0  # building reads only
            assert db.session.get(Attempt, body["attempt_id"]).status == "in_progress"
        page = as_role("admin").get(f"/reports/exams/{exam.id}")
        assert page.status_code == 200
        with app.app_context():
            status = db.session.scalar(select(Attempt.status).where(Attempt.id == body["attempt_id"]))
            assert status == "auto_submitted"
            report = exam_report.build(db.session.get(Exam, exam.id), denominator="participants")
            assert report.total.participants == 1  # the abandoned attempt counts as submitted
    finally:
        clock.reset()


def test_the_sessions_behind_a_figure_count_from_one_read_of_the_attendance(app, make, as_role):
    from datetime import datetime

    from sqlalchemy import insert

    from trainingapp.training.sessions.models import Attendance, TrainingSession
    town = make.department()
    people = [make.user(department=town) for _ in range(5)]
    trainer = make.user(role="trainer", department=town)
    statuses = [["present", "late", "walk_in", "leave", "absent"], ["leave", "absent", "present", "present", "late"]]
    with app.app_context():
        sessions = [TrainingSession(title=f"培训{n}", kind="class", department_id=town.id, trainer_id=trainer.id,
                                    starts_at=datetime(2022, n + 1, 10, 1, 0), ends_at=datetime(2022, n + 1, 10, 4, 0),
                                    mode="offline", hours=3, place="会议室") for n in range(3)]
        db.session.add_all(sessions)
        db.session.flush()
        db.session.execute(insert(Attendance), [
            {"session_id": session.id, "user_id": person.id, "status": status, "source": "manual",
             "leave_reason": "病假" if status == "leave" else "", "recorded_at": session.starts_at}
            for session, row in zip(sessions, statuses) for person, status in zip(people, row)])
        db.session.commit()
    client = as_role("admin")
    url = "/reports/training/sessions?year=2022"
    page = client.get(url).get_data(as_text=True)
    cells = re.findall(r"<td>(\d+)</td><td>(\d+)</td></tr>", page)
    assert cells == [("3", "3"), ("3", "3"), ("0", "0")]  # present, late and walk-ins; the third had nobody
    statements = _statements(app, client, url)
    assert not any("FROM attendance" in s and "WHERE ? = attendance.session_id" in s for s in statements)

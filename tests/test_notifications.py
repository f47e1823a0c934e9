"""Notifications: each event notifies each person once; the bell; opting out of e-mail; the
liaison's reminder; webhook addresses."""
from datetime import datetime, timedelta

import pytest
from conftest import login
from sqlalchemy import event, select, update

from trainingapp.accounts.models import User
from trainingapp.notifications import webhooks
from trainingapp.notifications.models import DepartmentWebhook, Notification, OutboxMessage
from trainingapp.platform import clock
from trainingapp.platform.extensions import db


def _set_email(app, person, email):
    with app.app_context():
        db.session.execute(update(User).where(User.id == person.id).values(email=email))
        db.session.commit()


def _notes(app, **where):
    with app.app_context():
        query = select(Notification.user_id, Notification.kind, Notification.title, Notification.body)
        for key, value in where.items():
            query = query.where(getattr(Notification, key) == value)
        return db.session.execute(query.order_by(Notification.user_id)).all()


def _outbox(app):
    with app.app_context():
        return db.session.execute(select(OutboxMessage.channel, OutboxMessage.recipient, OutboxMessage.body,
                                         OutboxMessage.idempotency_key).order_by(OutboxMessage.id)).all()


@pytest.fixture
def mail_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")


def test_publication_notifies_each_candidate_once(app, make, mail_on):
    make.bank()
    trainer = make.user(role="trainer")
    a, b = make.user(), make.user()
    _set_email(app, a, "a@example.org")
    exam = make.exam(trainer, [a, b], title="宪法考试")
    rows = _notes(app, kind="exam_published")
    assert [r.user_id for r in rows] == sorted([a.id, b.id])
    assert all("宪法考试" in r.title and "宪法考试" in r.body for r in rows)
    from trainingapp.exams import authoring
    from trainingapp.exams.models import Exam
    with app.app_context():
        assert authoring.announce_publication(db.session.get(Exam, exam.id), [a.id, b.id]) == 0
        db.session.commit()
    assert len(_notes(app, kind="exam_published")) == 2
    assert [(c, r) for c, r, _b, _k in _outbox(app)] == [("email", "a@example.org")]  # b has no address


def test_candidate_added_after_publication_is_notified_once(app, make, as_role):
    make.bank()
    admin = as_role("admin")
    a, late = make.user(), make.user()
    exam = make.exam(admin.user, [a])
    from trainingapp.exams import authoring
    from trainingapp.exams.models import Exam
    with app.app_context():
        for _ in range(2):
            authoring.add_candidate(db.session.get(User, admin.user.id), db.session.get(Exam, exam.id),
                                    db.session.get(User, late.id), "补录")
    assert [r.user_id for r in _notes(app, kind="exam_published")] == sorted([a.id, late.id])


def test_makeup_publication_is_a_makeup_notification(app, make):
    make.bank()
    trainer = make.user(role="trainer")
    a = make.user()
    main = make.exam(trainer, [a], title="主考")
    make.exam(trainer, [a], title="主考补考", makeup_of_id=main.id)
    rows = _notes(app, kind="makeup")
    assert [r.user_id for r in rows] == [a.id] and "主考补考" in rows[0].title


def test_result_ready_once_per_attempt(app, make):
    make.bank()
    trainer = make.user(role="trainer")
    a = make.user()
    exam = make.exam(trainer, [a], title="结果考试")
    from trainingapp.exams import finalising, starting
    with app.app_context():
        person = db.session.get(User, a.id)
        attempt, _created = starting.start_attempt(person, exam.id)
        finalising.submit_attempt(person, attempt.id)
        finalising.submit_attempt(person, attempt.id)  # twice: the same result
    rows = _notes(app, kind="result_ready")
    assert [r.user_id for r in rows] == [a.id] and "结果考试" in rows[0].title


def test_mock_exam_results_are_not_announced(app, make):
    make.bank()
    trainer = make.user(role="trainer")
    a = make.user()
    exam = make.exam(trainer, [a], is_mock=True)
    from trainingapp.exams import finalising, starting
    with app.app_context():
        person = db.session.get(User, a.id)
        attempt, _created = starting.start_attempt(person, exam.id)
        finalising.submit_attempt(person, attempt.id)
    assert _notes(app, kind="result_ready") == []


def test_reminders_schedule_closing_exams_once_and_only_the_not_started(app, make, runner):
    make.bank()
    trainer = make.user(role="trainer")
    a, b, started = make.user(), make.user(), make.user()
    exam = make.exam(trainer, [a, b, started], lasts=timedelta(hours=20), title="将截止考试")
    make.exam(trainer, [a], lasts=timedelta(days=3), title="远未截止")  # closes in 3 days: no reminder yet
    from trainingapp.exams import starting
    with app.app_context():
        starting.start_attempt(db.session.get(User, started.id), exam.id)
    for _ in range(2):
        result = runner.invoke(args=["reminders", "schedule"])
        assert result.exit_code == 0, result.output
    rows = _notes(app, kind="exam_closing")
    assert [r.user_id for r in rows] == sorted([a.id, b.id])
    assert all("将截止考试" in r.title for r in rows)


def test_reminders_schedule_tells_who_is_expected_at_tomorrows_session(app, make, runner):
    from trainingapp.platform.clock import to_utc
    from trainingapp.training.sessions.models import TrainingSession
    office = make.department("司法所")
    a, b, other = make.user(department=office), make.user(department=office), make.user()
    clock.freeze(datetime(2026, 12, 7, 2, 0))  # 10:00 in Shanghai
    with app.app_context():
        tomorrow = to_utc(datetime(2026, 12, 8, 9, 0))
        db.session.add(TrainingSession(title="明日普法培训", department_id=office.id, starts_at=tomorrow,
                                       ends_at=tomorrow + timedelta(hours=2), place="三楼会议室",
                                       audience=[{"department_id": office.id, "categories": []}]))
        later = to_utc(datetime(2026, 12, 10, 9, 0))
        db.session.add(TrainingSession(title="后天培训", department_id=office.id, starts_at=later,
                                       ends_at=later + timedelta(hours=2), expected_added=[other.id]))
        db.session.commit()
    for _ in range(2):
        assert runner.invoke(args=["reminders", "schedule"]).exit_code == 0
    rows = _notes(app, kind="session_tomorrow")
    assert [r.user_id for r in rows] == sorted([a.id, b.id])
    assert "三楼会议室" in rows[0].body and "2026-12-08 09:00" in rows[0].body


# --- the bell ---------------------------------------------------------------------------------

def _notify(app, person, n, key="test"):
    from trainingapp.notifications import messages, services
    with app.app_context():
        for i in range(n):
            services.notify([person.id], "reminder", messages.liaison_reminder(f"考试{i}", clock.now()),
                            key=f"{key}{i}", link="/my/exams")
        db.session.commit()


def test_bell_shows_the_unread_count_with_one_indexed_count(app, make, as_role):
    cadre = as_role("cadre")
    _notify(app, cadre.user, 2)
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        page = cadre.get("/my/exams").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert 'id="bell-count">2<' in page
    touching = [s for s in statements if "notification" in s]
    assert len(touching) == 1 and "count(" in touching[0].lower()


@pytest.mark.parametrize("role", ["cadre", "trainer", "liaison", "admin"])
def test_every_role_has_the_bell(as_role, role):
    page = as_role(role).get("/").get_data(as_text=True)
    assert 'id="bell"' in page and 'data-unread="0"' in page


def test_list_mark_one_and_all_read_and_only_ones_own(app, make, as_role):
    cadre = as_role("cadre")
    other = make.user()
    _notify(app, cadre.user, 3)
    _notify(app, other, 1, key="other")
    page = cadre.get("/notifications/").get_data(as_text=True)
    assert page.count('data-read="0"') == 3
    with app.app_context():
        mine = db.session.scalars(select(Notification.id).where(Notification.user_id == cadre.user.id)).all()
        theirs = db.session.scalar(select(Notification.id).where(Notification.user_id == other.id))
    assert cadre.post(f"/notifications/{theirs}/read").status_code == 404
    response = cadre.post(f"/notifications/{mine[0]}/read", data={"open": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/my/exams")
    assert 'id="bell-count">2<' in cadre.get("/notifications/").get_data(as_text=True)
    cadre.post("/notifications/read-all")
    page = cadre.get("/notifications/").get_data(as_text=True)
    assert 'data-unread="0"' in page and page.count('data-read="1"') == 3
    assert len(_notes(app, user_id=other.id)) == 1
    with app.app_context():
        assert db.session.scalar(select(Notification.read_at).where(Notification.user_id == other.id)) is None


# --- e-mail opt-out ---------------------------------------------------------------------------

def test_opting_out_stops_emails_but_not_the_bell(app, make, as_role, mail_on):
    make.bank()
    cadre = as_role("cadre")
    keen = make.user()
    _set_email(app, cadre.user, "quiet@example.org")
    _set_email(app, keen, "keen@example.org")
    assert "quiet@example.org" in cadre.get("/notifications/settings").get_data(as_text=True)
    cadre.post("/notifications/settings", data={"email_off": "y"})
    trainer = make.user(role="trainer")
    make.exam(trainer, [cadre.user, keen])
    assert {r.user_id for r in _notes(app, kind="exam_published")} == {cadre.user.id, keen.id}
    assert [(c, r) for c, r, _b, _k in _outbox(app)] == [("email", "keen@example.org")]
    cadre.post("/notifications/settings", data={})  # unticked: e-mails on again
    make.exam(trainer, [cadre.user])
    assert ("email", "quiet@example.org") in [(c, r) for c, r, _b, _k in _outbox(app)]


def test_no_email_is_queued_without_a_mail_server(app, make):
    make.bank()
    a = make.user()
    _set_email(app, a, "a@example.org")
    make.exam(make.user(role="trainer"), [a])
    assert _notes(app, kind="exam_published") and _outbox(app) == []


# --- the department's group robot gets one message per event ---------------------------------

def test_one_group_message_per_event_and_department(app, make):
    make.bank()
    office, village, quiet = make.department("司法所"), make.department("某村"), make.department("无机器人")
    with app.app_context():
        db.session.add(DepartmentWebhook(department_id=office.id, kind="wecom",
                                         url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1"))
        db.session.add(DepartmentWebhook(department_id=village.id, kind="dingtalk", secret="SECabc",
                                         url="https://oapi.dingtalk.com/robot/send?access_token=t1"))
        db.session.commit()
    people = [make.user(department=office), make.user(department=office), make.user(department=village),
              make.user(department=quiet)]
    make.exam(make.user(role="trainer"), people, title="群通知考试")
    queued = _outbox(app)
    assert sorted((c, r) for c, r, _b, _k in queued) == [("dingtalk", str(village.id)), ("wecom", str(office.id))]
    for _c, _r, body, key in queued:
        assert "群通知考试" in body and key in body
        assert not any(p.name in body for p in people)  # a group message names no one


# --- the liaison's reminder -------------------------------------------------------------------

def test_liaison_reminds_their_subtree_once_a_day(app, make, as_role):
    make.bank()
    town = make.department("共和镇")
    office = make.department("司法所", parent=town)
    elsewhere = make.department("别镇")
    liaison = as_role("liaison", department=town)
    a, b, taken = make.user(department=town), make.user(department=office), make.user(department=office)
    outsider = make.user(department=elsewhere)
    exam = make.exam(make.user(role="trainer"), [a, b, taken, outsider], title="提醒考试", lasts=timedelta(days=3))
    from trainingapp.exams import finalising, starting
    with app.app_context():
        person = db.session.get(User, taken.id)
        attempt, _created = starting.start_attempt(person, exam.id)
        finalising.submit_attempt(person, attempt.id)
    page = liaison.get(f"/reports/exams/{exam.id}/followup").get_data(as_text=True)
    assert f'action="/notifications/remind/{exam.id}"' in page
    response = liaison.post(f"/notifications/remind/{exam.id}")
    assert response.status_code == 302 and f"/reports/exams/{exam.id}/followup" in response.headers["Location"]
    assert [r.user_id for r in _notes(app, kind="reminder")] == sorted([a.id, b.id])
    liaison.post(f"/notifications/remind/{exam.id}")
    assert len(_notes(app, kind="reminder")) == 2  # the same day: skipped
    from trainingapp.accounts.audit import AuditEvent
    with app.app_context():
        counted = [(e.details["reminded"], e.details["skipped"]) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "notifications.remind").order_by(AuditEvent.id))]
    assert counted == [(2, 0), (0, 2)]
    clock.advance(timedelta(days=1))
    again = app.test_client()  # the idle session ended overnight
    login(again, liaison.user)
    again.post(f"/notifications/remind/{exam.id}")
    assert len(_notes(app, kind="reminder")) == 4
    assert outsider.id not in {r.user_id for r in _notes(app, kind="reminder")}
    assert as_role("cadre").post(f"/notifications/remind/{exam.id}").status_code == 403


def test_reminder_counts_reminded_and_skipped(app, make):
    make.bank()
    town = make.department("镇")
    a, b = make.user(department=town), make.user(department=town)
    exam = make.exam(make.user(role="trainer"), [a, b])
    from trainingapp.exams.models import Exam
    from trainingapp.reports import reminding
    with app.app_context():
        liaison = make.user(role="liaison", department=town)
        scope = {town.id}
        first = reminding.remind_not_taken(liaison, db.session.get(Exam, exam.id), root_id=town.id, scope=scope)
        second = reminding.remind_not_taken(liaison, db.session.get(Exam, exam.id), root_id=town.id, scope=scope)
    assert first == (2, 0) and second == (0, 2)


def test_no_reminder_for_a_closed_exam(app, make, as_role):
    make.bank()
    liaison = as_role("liaison")
    a = make.user(department=liaison.user.department_id)
    exam = make.exam(make.user(role="trainer"), [a], lasts=timedelta(hours=1))
    clock.advance(timedelta(hours=2))
    liaison.post(f"/notifications/remind/{exam.id}")
    assert _notes(app, kind="reminder") == []


# --- webhook addresses ------------------------------------------------------------------------

@pytest.mark.parametrize("kind,url", [
    ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"),
    ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=abc123"),
    ("dingtalk", "https://oapi.dingtalk.com:443/robot/send?access_token=abc123"),
])
def test_robot_addresses_accepted(kind, url):
    assert webhooks.url_problem(kind, url) is None


@pytest.mark.parametrize("kind,url", [
    ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),  # not https
    ("wecom", "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=k"),
    ("wecom", "https://127.0.0.1/cgi-bin/webhook/send?key=k"),
    ("wecom", "https://169.254.169.254/latest/meta-data?key=k"),
    ("wecom", "https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=k"),
    ("wecom", "https://user:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
    ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/other?key=k"),
    ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"),  # no key
    ("wecom", "https://oapi.dingtalk.com/robot/send?access_token=t"),  # the other service
    ("dingtalk", "https://oapi.dingtalk.com/robot/send?key=t"),
    ("dingtalk", "file:///etc/passwd"),
    ("slack", "https://hooks.slack.com/x"),
])
def test_robot_addresses_refused(kind, url):
    assert webhooks.url_problem(kind, url) is not None


def test_admin_sets_and_removes_a_webhook_others_cannot(app, make, as_role):
    admin = as_role("admin")
    office = make.department("司法所")
    bad = admin.post("/notifications/webhooks", data={"department_id": office.id, "kind": "wecom",
                                                      "url": "http://10.0.0.5/cgi-bin/webhook/send?key=x"},
                     follow_redirects=True)
    assert bad.status_code == 200
    with app.app_context():
        assert db.session.get(DepartmentWebhook, office.id) is None
    admin.post("/notifications/webhooks", data={"department_id": office.id, "kind": "dingtalk", "secret": "SECxyz",
                                                "url": "https://oapi.dingtalk.com/robot/send?access_token=tok123456"})
    with app.app_context():
        hook = db.session.get(DepartmentWebhook, office.id)
        assert (hook.kind, hook.secret) == ("dingtalk", "SECxyz")
    page = admin.get("/notifications/webhooks").get_data(as_text=True)
    assert "tok123456" not in page and "SECxyz" not in page  # shown shortened, the secret never
    for role in ("liaison", "trainer", "cadre"):
        assert as_role(role).get("/notifications/webhooks").status_code == 403
    admin.post(f"/notifications/webhooks/{office.id}/delete")
    with app.app_context():
        assert db.session.get(DepartmentWebhook, office.id) is None

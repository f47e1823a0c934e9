"""Sending the outbox: e-mail to a local SMTP server, robot JSON to a local HTTP server (with
钉钉's signature), retries with back-off, the failed state, a crash between sending and marking,
--dry-run."""
import base64
import hashlib
import hmac
import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
from notification_helpers import RobotServer, SmtpInbox, free_port
from sqlalchemy import select, update

from trainingapp.accounts.models import User
from trainingapp.notifications.models import DepartmentWebhook, OutboxMessage
from trainingapp.platform import clock
from trainingapp.platform.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def _with_email(app, make, department=None, email=None):
    person = make.user(department=department)
    with app.app_context():
        address = email or f"{person.login}@example.org"
        db.session.execute(update(User).where(User.id == person.id).values(email=address))
        db.session.commit()
    return person


def _rows(app):
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _send(runner, *args):
    result = runner.invoke(args=["notifications", "send", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def smtp(app, monkeypatch):
    with SmtpInbox() as inbox:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", inbox.port)
        monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "xuefa@example.org")
        monkeypatch.setitem(app.config, "PUBLIC_URL", "https://xuefa.example.gov.cn")
        yield inbox


@pytest.fixture
def robots(app, monkeypatch):
    with RobotServer() as server:
        monkeypatch.setitem(app.config, "ROBOT_BASE_URLS", {"wecom": server.base, "dingtalk": server.base})
        yield server


def test_email_reaches_the_local_smtp_server_with_chinese_text_and_the_key(app, make, runner, smtp):
    make.bank()
    a, b = _with_email(app, make), _with_email(app, make)
    make.user()  # no address: no e-mail
    exam = make.exam(make.user(role="trainer"), [a, b], title="民法典学习考试")
    assert "sent 2" in _send(runner)
    expected = sorted([[f"{a.login}@example.org"], [f"{b.login}@example.org"]])
    assert sorted(rcpt for rcpt, _m in smtp.messages) == expected
    for _rcpt, message in smtp.messages:
        assert "民法典学习考试" in message["Subject"]
        text = message.get_content()
        assert "民法典学习考试" in text and f"https://xuefa.example.gov.cn/my/exams/{exam.id}" in text
        assert message["From"] == "xuefa@example.org"
        assert message["Message-ID"].startswith(f"<email.published.{exam.id}.")
    assert {row.state for row in _rows(app)} == {"sent"}
    assert "sent 0" in _send(runner)  # nothing twice
    assert len(smtp.messages) == 2


def test_robots_receive_their_documented_json_and_dingtalk_is_signed(app, make, runner, robots):
    make.bank()
    office, village = make.department("司法所"), make.department("某村")
    with app.app_context():
        db.session.add(DepartmentWebhook(department_id=office.id, kind="wecom",
                                         url=f"{robots.base}/cgi-bin/webhook/send?key=wecom-key"))
        db.session.add(DepartmentWebhook(department_id=village.id, kind="dingtalk", secret="SECtestsecret",
                                         url=f"{robots.base}/robot/send?access_token=ding-token"))
        db.session.commit()
    people = [make.user(department=office), make.user(department=office), make.user(department=village)]
    make.exam(make.user(role="trainer"), people, title="宪法宣传周考试")
    _send(runner)
    assert len(robots.requests) == 2  # one per department, not per person
    wecom = next(r for r in robots.requests if r["path"] == "/cgi-bin/webhook/send")
    assert wecom["query"]["key"] == ["wecom-key"]
    assert wecom["json"]["msgtype"] == "markdown" and set(wecom["json"]) == {"msgtype", "markdown"}
    assert "宪法宣传周考试" in wecom["json"]["markdown"]["content"]
    assert "#wecom:published:" in wecom["json"]["markdown"]["content"]
    ding = next(r for r in robots.requests if r["path"] == "/robot/send")
    assert ding["query"]["access_token"] == ["ding-token"]
    assert ding["json"]["msgtype"] == "markdown" and "宪法宣传周考试" in ding["json"]["markdown"]["title"]
    assert "宪法宣传周考试" in ding["json"]["markdown"]["text"]
    timestamp = ding["query"]["timestamp"][0]
    expected = base64.b64encode(hmac.new(b"SECtestsecret", f"{timestamp}\nSECtestsecret".encode(),
                                         hashlib.sha256).digest()).decode()
    raw_sign = ding["raw_query"].split("sign=")[1].split("&")[0]
    assert unquote_plus(raw_sign) == expected
    assert {row.state for row in _rows(app)} == {"sent"}


def _publish_to_a_robot(app, make, runner, monkeypatch, server, kind, path):
    """A department whose robot is the local `server`, an exam published to one of its people,
    and one sending run."""
    monkeypatch.setitem(app.config, "ROBOT_BASE_URLS", {"wecom": server.base, "dingtalk": server.base})
    make.bank()
    office = make.department()
    with app.app_context():
        db.session.add(DepartmentWebhook(department_id=office.id, kind=kind, url=f"{server.base}{path}"))
        db.session.commit()
    make.exam(make.user(role="trainer"), [make.user(department=office)])
    _send(runner)


def test_a_robot_error_code_is_a_failure_to_retry(app, make, runner, monkeypatch):
    with RobotServer(answer={"errcode": 310000, "errmsg": "sign not match"}) as server:
        _publish_to_a_robot(app, make, runner, monkeypatch, server, "dingtalk", "/robot/send?access_token=t")
    (row,) = _rows(app)
    assert row.state == "queued" and row.attempts == 1 and "310000" in row.last_error


def test_a_robot_address_that_redirects_is_not_followed(app, make, runner, monkeypatch):
    # A checked robot address that answers with a redirect must not lead the server elsewhere.
    with RobotServer() as elsewhere, RobotServer(redirect_to=f"{elsewhere.base}/internal") as server:
        _publish_to_a_robot(app, make, runner, monkeypatch, server, "wecom", "/cgi-bin/webhook/send?key=k")
        assert len(server.requests) == 1 and elsewhere.requests == []
    (row,) = _rows(app)
    assert row.state == "queued" and row.attempts == 1 and "307" in row.last_error


def test_refused_connection_backs_off_then_fails_and_an_admin_retries(app, make, runner, as_role, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens: connection refused
    monkeypatch.setitem(app.config, "NOTIFY_MAX_TRIES", 3)
    monkeypatch.setitem(app.config, "NOTIFY_BACKOFF_SECONDS", 60)
    make.bank()
    a = _with_email(app, make)
    clock.freeze(clock.now())
    make.exam(make.user(role="trainer"), [a])
    start = clock.now()
    assert "to retry 1" in _send(runner)
    (row,) = _rows(app)
    assert (row.state, row.attempts, row.next_try_at) == ("queued", 1, start + timedelta(seconds=60))
    assert "Refused" in row.last_error or "refused" in row.last_error
    assert "sent 0, to retry 0" in _send(runner)  # not due yet: not tried
    clock.advance(timedelta(seconds=60))
    _send(runner)
    (row,) = _rows(app)
    assert (row.state, row.attempts, row.next_try_at) == ("queued", 2, clock.now() + timedelta(seconds=120))
    clock.advance(timedelta(seconds=120))
    assert "failed 1" in _send(runner)
    (row,) = _rows(app)
    assert (row.state, row.attempts) == ("failed", 3)
    clock.advance(timedelta(days=1))
    _send(runner)
    assert _rows(app)[0].attempts == 3  # failed stays failed
    admin = as_role("admin")
    page = admin.get("/notifications/outbox").get_data(as_text=True)
    assert f'data-id="{row.id}" data-state="failed"' in page
    assert as_role("liaison").get("/notifications/outbox").status_code == 403
    admin.post(f"/notifications/outbox/{row.id}/retry")
    (row,) = _rows(app)
    assert (row.state, row.attempts) == ("queued", 0)
    with SmtpInbox() as inbox:
        monkeypatch.setitem(app.config, "MAIL_PORT", inbox.port)
        assert "sent 1" in _send(runner)
    assert len(inbox.messages) == 1


CHILD = textwrap.dedent("""
    import sys
    from trainingapp import create_app
    from trainingapp.notifications import sending
    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "TESTING": True,
                      "ROBOT_BASE_URLS": {"wecom": sys.argv[2], "dingtalk": sys.argv[2]}})
    with app.app_context():
        sending.send_due()
    print("marked")
""")


def test_a_crash_between_send_and_mark_resends_the_same_key(app, make, runner, monkeypatch):
    """A real sender process is killed (SIGKILL) once the robot has the message and before it
    can mark it sent: the message goes again after the lease, with the same key."""
    child = {}

    def kill_the_sender(server):
        if len(server.requests) == 1:
            os.kill(child["process"].pid, signal.SIGKILL)
            child["process"].wait(timeout=30)
            return False  # the sender is gone: nobody to answer

    with RobotServer(on_request=kill_the_sender) as server:
        monkeypatch.setitem(app.config, "ROBOT_BASE_URLS", {"wecom": server.base, "dingtalk": server.base})
        make.bank()
        office = make.department()
        with app.app_context():
            db.session.add(DepartmentWebhook(department_id=office.id, kind="wecom",
                                             url=f"{server.base}/cgi-bin/webhook/send?key=k"))
            db.session.commit()
        make.exam(make.user(role="trainer"), [make.user(department=office)], title="崩溃测试")
        child["process"] = subprocess.Popen(
            [sys.executable, "-c", CHILD, app.config["SQLALCHEMY_DATABASE_URI"], server.base], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
        out, _err = child["process"].communicate(timeout=120)
        assert child["process"].returncode == -signal.SIGKILL and b"marked" not in out
        (row,) = _rows(app)
        assert (row.state, row.attempts, row.sent_at) == ("queued", 1, None)
        assert "sent 0" in _send(runner)  # leased: not sent again at once
        clock.advance(timedelta(seconds=app.config["NOTIFY_LEASE_SECONDS"] + 1))
        assert "sent 1" in _send(runner)
    first, second = (r["json"]["markdown"]["content"] for r in server.requests)
    assert first == second and f"#{row.idempotency_key}" in first
    assert len(server.requests) == 2
    assert _rows(app)[0].state == "sent"


def test_dry_run_prints_and_sends_nothing(app, make, runner, smtp):
    make.bank()
    a = _with_email(app, make)
    make.exam(make.user(role="trainer"), [a], title="试运行考试")
    output = _send(runner, "--dry-run")
    assert f"{a.login}@example.org" in output and "1 message(s) would be sent" in output
    assert smtp.messages == []
    (row,) = _rows(app)
    assert (row.state, row.attempts) == ("queued", 0)


def test_limit_bounds_one_run(app, make, runner, smtp):
    make.bank()
    people = [_with_email(app, make) for _ in range(3)]
    make.exam(make.user(role="trainer"), people)
    assert "sent 2" in _send(runner, "--limit", "2")
    assert "sent 1" in _send(runner)
    assert len(smtp.messages) == 3

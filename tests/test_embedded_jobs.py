"""The embedded server's scheduled jobs (web/scheduled.py): `python run.py` has no cron, so it runs
every job of docs/deploy.md's cron table itself: robot messages and e-mails leave the outbox,
a law version becomes current on its day, one backup a day is kept for 30 days, and a failing
job stops none of the others."""
from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path

from notification_helpers import RobotServer
from sqlalchemy import select

from trainingapp.laws.services import today
from trainingapp.notifications.models import DepartmentWebhook, OutboxMessage
from trainingapp.platform.extensions import db
from trainingapp.web import scheduled

ROOT = Path(__file__).resolve().parent.parent


def _job(app, name):
    return next(job for job in scheduled.jobs_of(app) if job.name == name)


def test_every_cron_job_of_the_deploy_guide_has_an_embedded_job(app):
    cron = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8").split("## 6. Scheduled jobs")[1].split("```")[1]
    commands = set(re.findall(r"flask --app run (\w+(?: \w+)?)", cron))
    assert commands == {"exams finalize", "exams prepare", "laws activate", "notifications send",
                        "reminders schedule", "backup"}
    names = {job.name for job in scheduled.jobs_of(app)}
    assert names == {"finalize", "prepare", "laws", "notifications", "reminders", "backup"}
    # As often as the cron table runs them (the daily ones hourly: each does its day's work once).
    every = {job.name: job.every for job in scheduled.jobs_of(app)}
    assert every["finalize"] == every["notifications"] == 60 and every["prepare"] == 300
    assert every["reminders"] == every["laws"] == every["backup"] == 3600


def test_a_job_runs_at_once_then_when_its_interval_is_over():
    jobs = [scheduled.Job("often", 60, lambda: None), scheduled.Job("hourly", 3600, lambda: None)]
    assert [j.name for j in scheduled.due(jobs, {}, 100.0)] == ["often", "hourly"]
    last = {"often": 100.0, "hourly": 100.0}
    assert scheduled.due(jobs, last, 159.0) == []
    assert [j.name for j in scheduled.due(jobs, last, 160.0)] == ["often"]
    assert [j.name for j in scheduled.due(jobs, last, 3700.0)] == ["often", "hourly"]


def test_a_failing_job_is_logged_and_the_others_still_run(app, caplog):
    ran = []

    def broken():
        raise RuntimeError("database briefly unreachable")

    jobs = [scheduled.Job("broken", 60, broken), scheduled.Job("fine", 60, lambda: ran.append(1) or "done")]
    last: dict[str, float] = {}
    scheduled.run_due(app, jobs, last, 10.0)
    assert ran == [1] and last == {"broken": 10.0, "fine": 10.0}
    assert "'broken' failed" in caplog.text and "database briefly unreachable" in caplog.text
    scheduled.run_due(app, jobs, last, 70.0)  # its next turn comes as for any other job
    assert ran == [1, 1] and last["broken"] == 70.0


def test_robot_messages_leave_the_outbox_without_cron(app, make, monkeypatch):
    with RobotServer() as robots:
        monkeypatch.setitem(app.config, "ROBOT_BASE_URLS", {"wecom": robots.base, "dingtalk": robots.base})
        make.bank()
        office = make.department("司法所")
        with app.app_context():
            db.session.add(DepartmentWebhook(department_id=office.id, kind="wecom",
                                             url=f"{robots.base}/cgi-bin/webhook/send?key=wecom-key"))
            db.session.commit()
        make.exam(make.user(role="trainer"), [make.user(department=office)], title="宪法宣传周考试")
        outcome = scheduled.run_job(app, _job(app, "notifications"))
        assert outcome["sent"] == 1
        assert "宪法宣传周考试" in robots.requests[0]["json"]["markdown"]["content"]
    with app.app_context():
        assert {row.state for row in db.session.scalars(select(OutboxMessage))} == {"sent"}


def test_one_backup_a_day_kept_thirty_days(app, make, tmp_path, monkeypatch):
    make.user(name="备份里的人")
    folder = tmp_path / "backups"
    monkeypatch.setitem(app.config, "EMBEDDED_BACKUP_FOLDER", str(folder))
    with app.app_context():
        day = today()  # the platform's day, as the job counts it
        sqlite = db.engine.dialect.name == "sqlite"
    suffix = "sqlite3" if sqlite else "dump"
    old = folder / f"trainingapp-{(day - timedelta(days=30)).isoformat()}.{suffix}"
    kept = folder / f"trainingapp-{(day - timedelta(days=29)).isoformat()}.{suffix}"
    folder.mkdir()
    old.write_bytes(b"an old backup")
    kept.write_bytes(b"a recent backup")
    (folder / "notes.txt").write_text("not ours")
    written = scheduled.run_job(app, _job(app, "backup"))
    assert written == folder / f"trainingapp-{day.isoformat()}.{suffix}"
    assert written.stat().st_mode & 0o777 == 0o600
    if sqlite:  # a whole database, restorable with `flask --app run restore`
        with sqlite3.connect(written) as copy:
            assert ("备份里的人",) in copy.execute("select name from user").fetchall()
    else:
        assert written.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    assert scheduled.run_job(app, _job(app, "backup")) is None  # once a day
    assert not old.exists() and kept.exists() and (folder / "notes.txt").exists()


def test_no_backup_job_when_the_days_are_zero(app, monkeypatch):
    monkeypatch.setitem(app.config, "EMBEDDED_BACKUP_DAYS", 0)
    assert "backup" not in {job.name for job in scheduled.jobs_of(app)}

"""The embedded default, `python run.py` (waitress + SQLite): a town's whole staff at once,
and overdue attempts closed without a cron job."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import run
from trainingapp.exams.models import Attempt
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.web import scheduled

ROOT = Path(__file__).resolve().parent.parent


def finalize_due(app) -> int:
    """One pass of the embedded server's job that closes overdue attempts."""
    return scheduled.run_job(app, next(job for job in scheduled.jobs_of(app) if job.name == "finalize"))


def test_run_py_serves_a_town_not_a_hundred_browsers():
    settings = run.waitress_settings()
    assert settings["connection_limit"] >= 3000  # 1,500 browsers, one or two connections each
    assert settings["backlog"] >= 2048
    assert settings["asyncore_use_poll"] is True  # select() cannot watch descriptors above 1023
    assert 60 <= settings["channel_timeout"] <= 120
    assert settings["threads"] == 16


def test_run_py_gives_every_thread_a_database_connection():
    from trainingapp.platform.config import Config
    configured = Config.SQLALCHEMY_ENGINE_OPTIONS["pool_size"]
    for threads in (4, 16, 40):
        options = run.app_settings(threads)["SQLALCHEMY_ENGINE_OPTIONS"]
        assert options["pool_size"] == max(threads, configured)
        assert options["max_overflow"] == Config.SQLALCHEMY_ENGINE_OPTIONS["max_overflow"]


def test_run_py_raises_the_open_file_limit_up_to_the_hard_limit():
    script = ("import resource, run\n"
              "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
              "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))\n"
              "wanted = run.CONNECTION_LIMIT + run.SPARE_FILES\n"
              "got = run.raise_open_file_limit(wanted)\n"
              "expected = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)\n"
              "print(got == expected == resource.getrlimit(resource.RLIMIT_NOFILE)[0], got)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True"), result.stdout


def test_run_py_refuses_zero_threads():
    result = subprocess.run([sys.executable, "run.py", "--threads", "0"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "--threads must be at least 1 (got 0)" in result.stderr


def _keep_alive_browsers(port: int, browsers: int = 150, rounds: int = 2) -> list:
    """`browsers` keep-alive connections to 127.0.0.1:`port`, each with a GET /healthz in flight at
    once, `rounds` times over the same connections; the (status, Connection header) answers."""
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(browsers)]
    answers = []
    try:
        for _round in range(rounds):
            for connection in connections:
                connection.request("GET", "/healthz")
            for connection in connections:
                response = connection.getresponse()
                response.read()
                answers.append((response.status, response.getheader("Connection")))
    finally:
        for connection in connections:
            connection.close()
    return answers


def test_150_keep_alive_browsers_are_all_answered(app):
    """The review's probe: 150 keep-alive clients, each with a request in flight at once, on a real
    waitress with run.py's settings (waitress's default of 100 connections left 50 unanswered)."""
    from waitress.server import create_server
    server = create_server(app, host="127.0.0.1", port=0, **run.waitress_settings())
    threading.Thread(target=server.run, daemon=True).start()
    try:
        # The second round reuses every connection: none was closed behind the client's back.
        assert _keep_alive_browsers(server.effective_port) == [(200, None)] * 300
    finally:
        server.close()


def _overdue_attempt(factory, *, minutes_ago: float, duration: int = 30) -> int:
    """An attempt started `minutes_ago` (clock moved back) on a `duration`-minute exam; its id."""
    from trainingapp.accounts.models import User
    from trainingapp.exams import starting
    real = clock.now()
    clock.freeze(real - timedelta(minutes=minutes_ago))
    try:
        factory.bank()
        trainer, cadre = factory.user(role="trainer"), factory.user()
        exam = factory.exam(trainer, [cadre], duration=duration, grace_seconds=60)
        with factory.app.app_context():
            attempt, _created = starting.start_attempt(db.session.get(User, cadre.id), exam.id)
            attempt_id = attempt.id
            db.session.remove()
    finally:
        clock.reset()
    return attempt_id


def _status(app, attempt_id: int) -> tuple[str, str | None]:
    with app.app_context():
        row = db.session.execute(select(Attempt.status, Attempt.finish_reason).where(Attempt.id == attempt_id)).one()
        db.session.remove()
    return tuple(row)


def test_the_background_pass_closes_only_attempts_past_deadline_and_grace(app, make):
    overdue = _overdue_attempt(make, minutes_ago=32)      # deadline 2 min ago, grace 1 min: over
    in_grace = _overdue_attempt(make, minutes_ago=30.5)   # deadline 30 s ago: still in its grace
    running = _overdue_attempt(make, minutes_ago=10)
    assert finalize_due(app) == 1
    assert _status(app, overdue) == ("auto_submitted", "deadline")
    assert _status(app, in_grace)[0] == "in_progress"
    assert _status(app, running)[0] == "in_progress"
    clock.freeze(clock.now() + timedelta(minutes=1))
    assert finalize_due(app) == 1  # the next pass, a minute on, closes the one that was in its grace
    assert _status(app, in_grace) == ("auto_submitted", "deadline")
    assert _status(app, running)[0] == "in_progress"


def _wait_until_listening(port: int, process, seconds: float = 60) -> None:
    """Return once 127.0.0.1:`port` accepts a connection (run.py closes overdue attempts before it
    starts serving, so the finaliser's work can be seen before the port is open)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(sys.platform != "linux", reason="starts run.py as a child process on loopback")
def test_python_run_py_closes_overdue_attempts_without_cron(tmp_path):
    """`python run.py` on an instance holding an attempt abandoned three hours ago (30-minute exam):
    with no cron and no page opened, the embedded server closes and grades it on its own and makes
    the day's backup; and it answers 150 keep-alive browsers at once."""
    from flask_migrate import upgrade

    from tests.conftest import Factory
    from trainingapp import create_app
    from trainingapp.platform.database import sqlite_uri
    instance = tmp_path / "instance"
    instance.mkdir()
    town = create_app({"SQLALCHEMY_DATABASE_URI": sqlite_uri(str(instance)), "SECRET_KEY": "embedded-test",
                       "TESTING": True})
    with town.app_context():
        upgrade()
        db.session.remove()
    abandoned = _overdue_attempt(Factory(town), minutes_ago=180)
    assert _status(town, abandoned)[0] == "in_progress"
    with town.app_context():
        db.engine.dispose()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL", "FLASK_APP")}
    env.update({"INSTANCE_PATH": str(instance), "PYTHONUNBUFFERED": "1"})
    log = (tmp_path / "run.log").open("wb")
    server = subprocess.Popen([sys.executable, "run.py", "--no-demo", "--host", "127.0.0.1", "--port", str(port)],  # noqa: S603
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        status = ("in_progress", None)
        for _ in range(240):  # at most a minute: the first pass runs as the server starts
            status = _status(town, abandoned)
            if status[0] != "in_progress" or server.poll() is not None:
                break
            time.sleep(0.25)
        assert server.poll() is None, (tmp_path / "run.log").read_text()
        assert status == ("auto_submitted", "deadline"), (tmp_path / "run.log").read_text()
        # The other cron jobs run too, the day's backup among them (web/scheduled.py).
        for _ in range(240):
            if list((instance / "backups").glob("trainingapp-*.sqlite3")):
                break
            time.sleep(0.25)
        assert len(list((instance / "backups").glob("trainingapp-*.sqlite3"))) == 1, (tmp_path / "run.log").read_text()
        # And run.py serves with its settings: 150 browsers at once, not waitress's 100.
        _wait_until_listening(port, server)
        assert _keep_alive_browsers(port) == [(200, None)] * 300
        with town.app_context():
            graded = db.session.get(Attempt, abandoned)
            assert graded.score is not None and graded.submitted_at == graded.deadline_at
            db.session.remove()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        with town.app_context():
            db.engine.dispose()

"""Kill a gunicorn worker while candidates save answers: every acknowledged answer is stored.

Runs the real app under gunicorn (three workers) against the suite's database, talks to it
over HTTP with CSRF tokens like a browser, and SIGKILLs a worker in the middle of the saves.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import select

from trainingapp.platform.extensions import db

ROOT = Path(__file__).resolve().parent.parent


class Browser:
    """A tiny cookie-keeping HTTP client with the CSRF token of the last page."""

    def __init__(self, base):
        self.base, self.token = base, None
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def request(self, method, path, body=None, form=None):
        headers = {}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["X-CSRFToken"] = self.token
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        for attempt in range(6):  # a request a killed worker dropped is sent again, like a browser retry
            try:
                with self.opener.open(request, timeout=10) as response:
                    return response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode()
            except OSError:
                if attempt == 5:
                    raise
                time.sleep(0.2)

    def sign_in(self, login, password):
        _status, page = self.request("GET", "/login")
        self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, page = self.request("POST", "/login", form={"login": login, "password": password,
                                                            "csrf_token": self.token})
        return status == 200 and 'name="password"' not in page  # urllib followed the redirect home


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="several workers need the PostgreSQL run")
def test_acknowledged_answers_survive_a_killed_worker(app, make, tmp_path):
    make.bank({"truefalse": 30})
    trainer = make.user(role="trainer")
    people = [make.user(password="worker-kill-9") for _ in range(6)]
    exam = make.exam(trainer, people, rules=[("truefalse", 30, 3)])
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "kill-test",
           "INSTANCE_PATH": str(tmp_path / "instance"), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "3", "-b", f"127.0.0.1:{port}",
                               "--graceful-timeout", "1", "trainingapp:create_app()"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        acknowledged = {}
        lock = threading.Lock()

        def candidate(person):
            browser = Browser(base)
            assert browser.sign_in(person.login, "worker-kill-9")
            _status, page = browser.request("GET", "/my/exams")  # a fresh token: sign-in started a new session
            browser.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            status, body = browser.request("POST", f"/api/exams/{exam.id}/attempts")
            attempt = json.loads(body)
            for seq, question in enumerate(attempt["questions"] * 2, start=1):
                value = bool(seq % 3)
                url = f"/api/attempts/{attempt['attempt_id']}/answers/{question['id']}"
                status, _ = browser.request("PUT", url, body={"answer": value, "seq": seq})
                if status == 200:
                    with lock:
                        acknowledged[(attempt["attempt_id"], question["id"])] = value

        threads = [threading.Thread(target=candidate, args=(p,)) for p in people]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        assert children, "no gunicorn workers found"
        os.kill(int(children[0]), signal.SIGKILL)
        for thread in threads:
            thread.join(timeout=120)
        assert acknowledged
        from trainingapp.exams.models import Answer
        with app.app_context():
            stored = {(a, q): r for a, q, r in db.session.execute(
                select(Answer.attempt_id, Answer.question_id, Answer.response))}
        lost = {key: value for key, value in acknowledged.items() if stored.get(key) != value}
        assert lost == {}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

"""`python run.py`: the demo only for the quick start on this computer, never served to the network
with its published password, a real first start that creates one administrator, and the demo
warning on every page while demo accounts keep the published password.

run.main runs in a subprocess on a fresh instance folder, with waitress.serve replaced by a line
that says it was reached, so a start that is not refused returns instead of serving.
"""
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import login
from trainingapp import create_app
from trainingapp.accounts.models import User
from trainingapp.platform import clock
from trainingapp.platform.extensions import db
from trainingapp.web.demo import DEMO_PASSWORD, load_accounts_demo
from trainingapp.web.first_start import forget, is_loopback, serving_refusal, should_load_demo

ROOT = Path(__file__).resolve().parent.parent
EVERYWHERE = "0.0.0.0"  # noqa: S104 - the address a town serves its network on; only tested here, never bound
SCRIPT = ("import sys, run, waitress\n"
          "waitress.serve = lambda app, **k: print('SERVING ON', k['host'])\n"
          "run.main(sys.argv[1:])\n")


def start(instance: Path, *argv, database_url=None):
    """`python run.py ARGV` on this instance folder, stdin not a terminal (as under systemd)."""
    env = {"INSTANCE_PATH": str(instance), "PATH": "/usr/bin:/bin", "HOME": str(instance.parent)}
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, "-c", SCRIPT, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=env, stdin=subprocess.DEVNULL)


def people(instance: Path) -> list[User]:
    application = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'trainingapp.sqlite3'}",
                              "TESTING": True, "SECRET_KEY": "k"})
    with application.app_context():
        found = list(db.session.scalars(select(User).order_by(User.id)))
        db.session.expunge_all()
        db.session.remove()
        db.engine.dispose()
    return found


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True),
                                            ("::1", True), ("[::1]", True), (EVERYWHERE, False), ("::", False),
                                            ("192.168.1.20", False), ("10.0.0.5", False), ("exam.town", False)])
def test_only_this_computer_counts_as_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_the_demo_is_loaded_only_for_the_quick_start_or_when_asked():
    quick = {"embedded": True, "demo": False, "no_demo": False, "load_demo_setting": False}
    assert should_load_demo(host="127.0.0.1", **quick)
    assert not should_load_demo(host=EVERYWHERE, **quick)
    assert not should_load_demo(host="192.168.1.20", **quick)
    assert not should_load_demo(host="127.0.0.1", **{**quick, "no_demo": True})
    assert should_load_demo(host=EVERYWHERE, **{**quick, "demo": True})
    assert not should_load_demo(host="127.0.0.1", **{**quick, "embedded": False})  # DATABASE_URL: a real install
    assert should_load_demo(host="127.0.0.1", **{**quick, "embedded": False, "load_demo_setting": True})
    assert not should_load_demo(host=EVERYWHERE, **{**quick, "embedded": False, "load_demo_setting": True})


def test_the_refusal_says_what_to_do():
    message = serving_refusal(EVERYWHERE, ["admin", "cadre"])
    assert f"Refusing to serve {EVERYWHERE}" in message and "admin, cadre" in message and DEMO_PASSWORD in message
    assert f"python run.py --host {EVERYWHERE} --no-demo" in message and "change the password" in message
    assert serving_refusal("127.0.0.1", ["admin"]) is None
    assert serving_refusal(EVERYWHERE, []) is None


def test_the_demo_is_never_served_to_the_network_with_its_published_password(tmp_path):
    """The finding as reproduced: a town following the README with --host 0.0.0.0."""
    instance = tmp_path / "instance"
    refused = start(instance, "--host", EVERYWHERE, "--demo")
    assert refused.returncode == 2, refused.stderr
    assert "SERVING ON" not in refused.stdout
    assert f"Refusing to serve {EVERYWHERE}" in refused.stderr and "admin" in refused.stderr
    # The same demo database on a LAN address is refused too; on this computer it is served.
    lan = start(instance, "--host", "192.168.1.20")
    assert lan.returncode == 2 and "SERVING ON" not in lan.stdout
    local = start(instance)
    assert local.returncode == 0, local.stderr
    assert "SERVING ON 127.0.0.1" in local.stdout and DEMO_PASSWORD in local.stdout


def test_a_first_start_for_the_network_creates_one_administrator_and_no_demo(tmp_path):
    instance = tmp_path / "instance"
    first = start(instance, "--host", EVERYWHERE)
    assert first.returncode == 0, first.stderr
    assert f"SERVING ON {EVERYWHERE}" in first.stdout and DEMO_PASSWORD not in first.stdout
    password = re.search(r"Administrator account created: login admin, password (\S+) \(shown only this once",
                         first.stdout).group(1)
    [admin] = people(instance)
    assert (admin.login, admin.role, admin.must_change_password) == ("admin", "admin", True)
    # The printed password signs in, and leads straight to the password change.
    application = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'trainingapp.sqlite3'}",
                              "TESTING": True, "SECRET_KEY": "k", "WTF_CSRF_ENABLED": False})
    client = application.test_client()
    assert login(client, "admin", password).status_code == 302
    assert "/account/password" in client.get("/").headers["Location"]
    with application.app_context():
        db.engine.dispose()
    # A later start creates nobody and prints no password.
    again = start(instance, "--host", EVERYWHERE)
    assert again.returncode == 0, again.stderr
    assert "Administrator account created" not in again.stdout and password not in again.stdout
    assert [person.login for person in people(instance)] == ["admin"]


def test_no_demo_on_this_computer_is_a_real_first_start_too(tmp_path):
    instance = tmp_path / "instance"
    first = start(instance, "--no-demo")
    assert first.returncode == 0, first.stderr
    assert "Administrator account created: login admin" in first.stdout and DEMO_PASSWORD not in first.stdout
    assert [person.login for person in people(instance)] == ["admin"]


def test_on_a_terminal_the_first_start_asks_for_the_administrator(tmp_path):
    """Through a real pseudo-terminal: a refused password is explained and asked again; the
    administrator's own password is not printed and need not be changed."""
    import os
    import pty
    import select
    instance = tmp_path / "instance"
    env = {"INSTANCE_PATH": str(instance), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    pid, terminal = pty.fork()
    if pid == 0:  # the child: run.py on the terminal
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-c", SCRIPT, "--no-demo"], env)  # noqa: S606 - our own script
    transcript, everything = b"", b""

    def expect(text):
        nonlocal transcript, everything
        while text.encode() not in transcript:
            ready, _, _ = select.select([terminal], [], [], 600)
            assert ready, transcript.decode(errors="replace")
            try:
                read = os.read(terminal, 4096)
            except OSError:  # the child ended
                break
            transcript, everything = transcript + read, everything + read
        assert text.encode() in transcript, transcript.decode(errors="replace")
        before, _, after = transcript.partition(text.encode())
        transcript = after

    def answer(line):
        os.write(terminal, line.encode() + b"\n")

    try:
        for password in ("short", "Gongheban-2027!"):  # the first is refused and asked again
            expect("Administrator login [admin]: ")
            answer("Chief")
            expect("Password (at least 8 characters): ")
            answer(password)
            expect("Repeat for confirmation: ")
            answer(password)
        expect("Administrator account created: login chief")
        expect("SERVING ON 127.0.0.1")
    finally:
        os.waitpid(pid, 0)
        os.close(terminal)
    assert "密码不能少于8个字符" in everything.decode(errors="replace")  # why "short" was refused
    assert b"Gongheban-2027!" not in everything  # neither echoed nor printed
    [chief] = people(instance)
    assert (chief.login, chief.role, chief.must_change_password) == ("chief", "admin", False)


def _banner(client):
    page = client.get("/login").get_data(as_text=True)
    return 'id="demo-warning"' in page and "演示数据" in page


def test_every_page_warns_while_demo_accounts_keep_the_published_password(app, client):
    with app.app_context():
        load_accounts_demo()
        db.session.commit()
        demo_ids = {person.login: person.id for person in db.session.scalars(select(User))}
    assert _banner(client)  # before sign-in
    admin = app.test_client()
    assert login(admin, "admin", DEMO_PASSWORD).status_code == 302
    forget(app)  # asked afresh inside a request that holds its own transaction open while it renders
    home = admin.get("/").get_data(as_text=True)
    assert 'id="demo-warning"' in home
    admin.post("/language/en", data={"next": "/"})
    assert "Demo data: the demo accounts use the published password" in admin.get("/").get_data(as_text=True)

    # The administrator resets every other demo account and changes their own password.
    for name, person_id in demo_ids.items():
        if name not in ("admin", "cadre99"):
            assert admin.post(f"/people/{person_id}/reset-password").status_code == 200, name
    changed = admin.post("/account/password", data={"current": DEMO_PASSWORD, "new": "Gongheban-2027!",
                                                    "confirm": "Gongheban-2027!"})
    assert changed.status_code == 302
    clock.advance(timedelta(minutes=1))  # past the per-process cache of the answer
    assert not _banner(app.test_client())


def test_no_warning_without_demo_accounts(client, make):
    make.user(login="admin", role="admin")  # a real administrator who happens to be called admin
    assert not _banner(client)

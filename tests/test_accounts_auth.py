"""Signing in, passwords, sessions and language."""
from sqlalchemy import select

from tests.conftest import PASSWORD, login
from trainingapp.accounts.audit import AuditEvent
from trainingapp.accounts.models import User
from trainingapp.extensions import db


def test_wrong_password_is_refused_without_saying_which_part(client, make):
    person = make.user()
    response = login(client, person, "wrong-password-1", follow=True)
    assert "/login" in response.request.path
    text = response.get_data(as_text=True)
    assert "账号或密码错误" in text or "Wrong login or password" in text


def test_unknown_login_gets_the_same_message(client):
    text = login(client, "nobody", "whatever-12", follow=True).get_data(as_text=True)
    assert "账号或密码错误" in text or "Wrong login or password" in text


def test_inactive_people_cannot_sign_in(client, make):
    for status in ("retired", "transferred", "disabled"):
        person = make.user(status=status)
        assert login(client, person).status_code == 200  # the form again, not a redirect


def test_login_is_case_insensitive_and_trimmed(client, make):
    make.user(login="zhangsan")
    assert login(client, " ZhangSan ").status_code == 302


def test_sign_in_is_audited(app, client, make):
    person = make.user()
    login(client, person)
    login(app.test_client(), person, "bad-password-9")
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["login.success", "login.failure"]


def test_initial_password_must_be_changed_first(client, make):
    person = make.user(must_change=True)
    response = login(client, person)
    assert response.headers["Location"].endswith("/account/password")
    assert client.get("/").headers["Location"].endswith("/account/password")
    assert client.get("/people").status_code == 302
    response = client.post("/account/password", data={"current": PASSWORD, "new": "a-much-better-pw",
                                                       "confirm": "a-much-better-pw"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_password_rules_are_enforced(client, make):
    person = make.user(login="wanghai")
    login(client, person)
    for new in ("short1", "wanghai", "12345678", "password1"):
        response = client.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new})
        assert response.status_code == 200, new
    response = client.post("/account/password", data={"current": "not-it-at-all", "new": "valid-pass-99",
                                                       "confirm": "valid-pass-99"})
    assert response.status_code == 200


def test_password_change_ends_other_sessions(app, make):
    person = make.user()
    phone, desk = app.test_client(), app.test_client()
    login(phone, person)
    login(desk, person)
    assert desk.get("/").status_code == 200
    phone.post("/account/password", data={"current": PASSWORD, "new": "new-secret-77", "confirm": "new-secret-77"})
    assert phone.get("/").status_code == 200
    assert desk.get("/").status_code == 302


def test_logout_needs_post_and_ends_session(client, make):
    login(client, make.user())
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_role_change_ends_the_persons_sessions(app, as_role, make):
    admin = as_role("admin")
    person = make.user(role="trainer")
    session = app.test_client()
    login(session, person)
    response = admin.post(f"/people/{person.id}", data={
        "login": person.login, "name": person.name, "department_id": person.department_id,
        "category": "staff", "post": "", "role": "cadre", "status": "active"})
    assert response.status_code == 302
    assert session.get("/").status_code == 302


def test_language_choice_is_remembered_on_the_account(app, client, make):
    person = make.user()
    login(client, person)
    client.post("/language/en", data={"next": "/"})
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, person.id).language == "en"
    other = app.test_client()
    login(other, person)
    assert "Welcome" in other.get("/").get_data(as_text=True)


def test_language_choice_before_sign_in_uses_a_cookie(client):
    client.post("/language/en", data={"next": "/login"})
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    client.post("/language/zh", data={"next": "/login"})
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_next_parameter_cannot_leave_the_site(client, make):
    person = make.user()
    response = client.post("/login", data={"login": person.login, "password": PASSWORD,
                                           "next": "//evil.example/"})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login", data={"login": person.login, "password": PASSWORD, "next": "/account"})
    assert response.headers["Location"] == "/account"


def test_strong_hash_is_used_outside_tests(app):
    from trainingapp.config import Config
    assert Config.PASSWORD_HASH_METHOD.startswith("scrypt")
    assert Config.INITIAL_PASSWORD_HASH_METHOD.startswith("scrypt")

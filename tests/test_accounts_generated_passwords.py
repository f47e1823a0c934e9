"""Generated initial passwords: enough entropy for a fast hash, which only they get.

A roster of 50,000 new people gets 50,000 generated passwords; a slow hash each would take
most of an hour. They are random (≥ 64 bits) and must be changed at first sign-in, so they are
stored with one salted PBKDF2 round; a password someone chose keeps the strong methods.
"""
import io
import re

import pandas as pd
import pytest
from sqlalchemy import select

from tests.conftest import login
from trainingapp.accounts.models import User
from trainingapp.accounts.passwords import (
    _ALPHABET,
    GENERATED_HASH_METHOD,
    GENERATED_LENGTH,
    generate_password,
    generated_entropy_bits,
)
from trainingapp.platform.extensions import db
from trainingapp.platform.tabular import to_xlsx

FAST = GENERATED_HASH_METHOD + "$"  # "pbkdf2:sha256:1$<salt>$<hash>"


def test_generated_passwords_carry_at_least_64_bits():
    assert GENERATED_LENGTH == 12
    assert generated_entropy_bits() >= 64
    assert generated_entropy_bits(10) < 64  # the old length did not
    passwords = [generate_password() for _ in range(2000)]
    assert len(set(passwords)) == len(passwords)
    for password in passwords:
        assert len(password) == GENERATED_LENGTH
        assert any(c.isdigit() for c in password) and any(c.isalpha() for c in password)
        assert not set(password) & set("0O1lI")  # nothing to misread on paper
    assert set("".join(passwords)) == set(_ALPHABET)  # every character of the alphabet turns up


def _hash_of(app, login_name):
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.login == login_name))


@pytest.fixture
def admin(app, make):
    root = make.department("共和镇")
    make.department("司法所", root)
    person = make.user(login="boss", role="admin", department=root)
    client = app.test_client()
    login(client, person)
    return client


def _import(client, rows):
    header = ["姓名", "账号", "部门", "人员类别", "初始密码"]
    content = to_xlsx({"花名册": pd.DataFrame(rows, columns=header)})
    response = client.post("/roster/import", data={"file": (io.BytesIO(content), "r.xlsx")},
                           content_type="multipart/form-data")
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    confirm = re.search(r'action="(/roster/import/[^"]+/confirm)"', preview).group(1)
    done = client.post(confirm).get_data(as_text=True)
    link = re.search(r'href="(/downloads/[^"]+)"', done)
    return pd.read_excel(io.BytesIO(client.get(link.group(1)).data), dtype=str) if link else None


def test_only_generated_passwords_get_the_fast_hash(app, admin, monkeypatch):
    monkeypatch.setitem(app.config, "INITIAL_PASSWORD_HASH_METHOD", "scrypt:16384:8:1")
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "argon2id:9216:4:1")
    sheet = _import(admin, [["张三", "13800000001", "司法所", "在编", ""],
                            ["李四", "13800000002", "司法所", "在编", "Chosen-pass-2026"]])
    assert list(sheet["账号"]) == ["13800000001"]  # only the generated one is handed out
    assert _hash_of(app, "13800000001").startswith(FAST)
    assert _hash_of(app, "13800000002").startswith("scrypt:16384:8:1$")  # chosen by someone: slow

    generated = sheet.loc[0, "初始密码"]
    client = app.test_client()
    assert login(client, "13800000001", generated).status_code == 302
    assert _hash_of(app, "13800000001").startswith(FAST)  # not rehashed: it is about to change
    assert client.get("/my/exams").status_code == 302  # must change it first
    response = client.post("/account/password", data={"current": generated, "new": "My-own-choice-2026",
                                                      "confirm": "My-own-choice-2026"})
    assert response.status_code == 302
    assert _hash_of(app, "13800000001").startswith("$argon2id$")  # the person's own: strong
    assert login(app.test_client(), "13800000001", "My-own-choice-2026").status_code == 302


def test_reset_and_new_people_get_fast_hashes_that_still_verify(app, make):
    from trainingapp.accounts import services
    root = make.department("共和镇")
    actor = make.user(role="admin", department=root)
    person = make.user(department=root)
    with app.app_context():
        boss = db.session.get(User, actor.id)
        created, password = services.save_person(boss, None, login="13900000009", name="新人",
                                                  department_id=root.id, category="staff", post="",
                                                  role="cadre", status="active")
        assert created.password_hash.startswith(FAST) and created.must_change_password
        assert created.check_password(password) and not created.check_password(password + "x")
    with app.app_context():
        boss = db.session.get(User, actor.id)
        reset = services.reset_password(boss, db.session.get(User, person.id))
        stored = db.session.get(User, person.id)
        assert stored.password_hash.startswith(FAST) and stored.check_password(reset)


def test_roster_updates_end_sessions_only_for_a_new_role_or_status(app, admin, make):
    with app.app_context():
        department = db.session.scalar(select(User.department_id).where(User.login == "boss"))
    keeps = make.user(login="13800000005", department=department, post="科员")
    moves = make.user(login="13800000006", department=department)
    header = ["姓名", "账号", "部门", "人员类别", "职务", "状态"]
    content = to_xlsx({"花名册": pd.DataFrame([[keeps.name, keeps.login, "共和镇", "在编", "所长", "在岗"],
                                               [moves.name, moves.login, "共和镇", "在编", "", "调离"]],
                                              columns=header)})
    response = admin.post("/roster/import", data={"file": (io.BytesIO(content), "r.xlsx")},
                          content_type="multipart/form-data")
    preview = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-count="update">2<' in preview
    admin.post(re.search(r'action="(/roster/import/[^"]+/confirm)"', preview).group(1))
    with app.app_context():
        kept, moved = db.session.get(User, keeps.id), db.session.get(User, moves.id)
        assert (kept.post, kept.status, kept.session_version) == ("所长", "active", 1)
        assert (moved.status, moved.session_version) == ("transferred", 2)

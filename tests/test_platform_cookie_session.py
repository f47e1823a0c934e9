"""The session cookie's serializer is made once per key, and a key change still does what Flask's does."""
from tests.conftest import login


def _signed_in(app, make):
    person = make.user()
    client = app.test_client()
    login(client, person)
    assert client.get("/my/exams").status_code == 200
    return client


def test_a_rotated_key_with_the_old_one_as_fallback_keeps_people_signed_in(app, make):
    client = _signed_in(app, make)
    cookie = client.get_cookie("session").value
    old = app.secret_key
    try:
        app.config["SECRET_KEY"] = "rotated-" + old
        app.config["SECRET_KEY_FALLBACKS"] = [old]
        kept = app.test_client()
        kept.set_cookie("session", cookie)
        assert kept.get("/my/exams").status_code == 200  # the old cookie verifies with the fallback
        app.config["SECRET_KEY_FALLBACKS"] = []
        dropped = app.test_client()
        dropped.set_cookie("session", cookie)
        assert dropped.get("/my/exams").status_code == 302  # fallback gone: signed out
    finally:
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = old, []


def test_a_cookie_signed_with_another_key_is_not_accepted(app, make):
    client = _signed_in(app, make)
    cookie = client.get_cookie("session").value
    old = app.secret_key
    try:
        app.config["SECRET_KEY"] = "another-key-entirely"
        stranger = app.test_client()
        stranger.set_cookie("session", cookie)
        assert stranger.get("/my/exams").status_code == 302  # to the sign-in form
    finally:
        app.config["SECRET_KEY"] = old
    stranger = app.test_client()
    stranger.set_cookie("session", cookie)
    assert stranger.get("/my/exams").status_code == 200

"""The policy table is what enforces access: undecided routes stop the app, and the navigation follows the table.

tests/test_security_policy.py checks every route's answer for every role; these tests check
the mechanism around it (fail closed, the start-up refusal, the navigation derived from it).
"""
from __future__ import annotations

import re

import pytest

from tests.conftest import login
from trainingapp import create_app
from trainingapp.web import access
from trainingapp.web.pages import NAV
from trainingapp.web.policy import ADMIN, POLICY, PUBLIC, SIGNED_IN, TRAINER, admits, may_open

ROLES = ["cadre", "trainer", "liaison", "admin"]


def test_the_decisions_admit_whom_they_name():
    assert all(admits(PUBLIC, role) for role in [None, *ROLES])
    assert not admits(SIGNED_IN, None) and all(admits(SIGNED_IN, role) for role in ROLES)
    assert [role for role in [None, *ROLES] if admits(TRAINER, role)] == ["trainer", "admin"]
    assert [role for role in [None, *ROLES] if admits(ADMIN, role)] == ["admin"]
    assert not any(may_open("no.such_endpoint", role) for role in [None, *ROLES])


def test_a_route_without_a_decision_stops_the_app_and_is_refused_to_everyone(app, make):
    other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "TESTING": True,
                        "SECRET_KEY": "undecided", "WTF_CSRF_ENABLED": False})
    ran = []
    other.add_url_rule("/undecided", "undecided", lambda: ran.append(1) or "reached")
    with pytest.raises(RuntimeError, match="undecided"):
        access.refuse_undecided_routes(other)
    client = other.test_client()
    assert client.get("/undecided").status_code == 404  # not the sign-in form: nobody decided
    assert login(client, make.user(role="admin")).status_code == 302
    assert client.get("/undecided").status_code == 404
    assert ran == []


def test_views_that_check_the_person_themselves_may_not_be_decided_by_role(app, monkeypatch):
    access.refuse_undecided_routes(app)
    monkeypatch.setitem(POLICY, "exams.api.save_answer", (TRAINER, "a role the check could not see"))
    with pytest.raises(RuntimeError, match="exams.api.save_answer"):
        access.refuse_undecided_routes(app)


def test_every_navigation_entry_names_a_decided_endpoint():
    for _label, endpoint, highlights, _group, _hint in NAV:
        assert endpoint in POLICY and set(highlights) <= set(POLICY), endpoint


@pytest.mark.parametrize("role", ROLES)
def test_the_navigation_shows_each_role_what_the_policy_lets_it_open(app, make, role):
    client = app.test_client()
    assert login(client, make.user(role=role)).status_code == 302
    page = client.get("/").get_data(as_text=True)
    menu = page[page.index('<ul class="navbar-nav me-auto">'):page.index('<ul class="navbar-nav">')]
    shown = re.findall(r'href="([^"#]+)"', menu)
    with app.test_request_context():
        from flask import url_for
        expected = [url_for(endpoint) for _label, endpoint, *_rest in NAV if may_open(endpoint, role)]
    assert sorted(shown) == sorted(expected)
    assert all(client.get(url).status_code == 200 for url in shown)

"""Walk every URL rule for every role and check the answer against the declared policy table."""
import re

import pytest

from tests.conftest import login
from trainingapp.web.policy import POLICY, PUBLIC, SIGNED_IN

ROLES = ["anonymous", "cadre", "trainer", "liaison", "admin"]
NOT_FORBIDDEN = {200, 201, 204, 302, 303, 400, 404, 405, 409, 413, 422, 429}


def test_every_endpoint_has_a_decision(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(POLICY) == set(), "add these endpoints to trainingapp/policy.py"
    assert set(POLICY) - endpoints == set(), "these policy entries name no endpoint"


def _url(rule):
    def value(match):
        name = match.group(1).split(":")[-1]
        converter = match.group(1).split(":")[0] if ":" in match.group(1) else "string"
        if converter == "int":
            return "999999"
        if name == "fmt":
            return "xlsx"
        if name == "code":
            return "zh"
        if name == "filename":
            return "css/app.css"
        return "no-such-token"
    return re.sub(r"<([^>]+)>", value, rule.rule)


def _requests(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "accounts.logout", r.rule)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, _url(rule)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_answer_the_policy_declares(app, make, role):
    client = app.test_client()
    if role != "anonymous":
        person = make.user(role=role)
        assert login(client, person).status_code == 302
    failures = []
    for endpoint, method, url in _requests(app):
        who, _scope = POLICY[endpoint]
        response = client.open(url, method=method, json={} if method in ("PUT", "POST") and url.startswith("/api")
                               else None, data=None if url.startswith("/api") else {})
        status = response.status_code
        if role == "anonymous":
            if who == PUBLIC:
                ok = status not in (401, 403) and "/login?next" not in response.headers.get("Location", "")
            else:
                ok = status == 401 or (status == 302 and "/login" in response.headers.get("Location", ""))
        elif who in (PUBLIC, SIGNED_IN) or role in who:
            ok = status in NOT_FORBIDDEN and "/login?next" not in response.headers.get("Location", "")
        else:
            ok = status == 403
        if not ok:
            failures.append(f"{role} {method} {url} ({endpoint}): {status}")
    assert failures == []

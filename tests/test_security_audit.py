"""The audit log records security events and only admins read it; nothing edits it."""
from sqlalchemy import select

from tests.conftest import login
from trainingapp.accounts.audit import AuditEvent
from trainingapp.platform.extensions import db


def test_admin_filters_the_audit_log(app, as_role, make):
    person = make.user(login="auditee")
    login(app.test_client(), person)
    login(app.test_client(), "auditee", "wrong-password-1")
    admin = as_role("admin")
    page = admin.get("/audit?action=login.failure").get_data(as_text=True)
    assert "login.failure" in page and "login.success</td>" not in page
    page = admin.get("/audit?who=auditee").get_data(as_text=True)
    assert page.count("<td>auditee</td>") >= 2
    assert admin.get("/audit?since=not-a-date").status_code == 400


def test_only_admins_read_it_and_no_route_changes_it(app, as_role):
    for role in ("cadre", "trainer", "liaison"):
        assert as_role(role).get("/audit").status_code == 403
    admin = as_role("admin")
    assert admin.post("/audit").status_code == 405
    rules = [r for r in app.url_map.iter_rules() if "audit" in r.rule]
    assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)


def test_role_and_status_changes_and_resets_are_recorded(app, as_role, make):
    person = make.user(login="changed01")
    admin = as_role("admin")
    admin.post(f"/people/{person.id}", data={"login": "changed01", "name": person.name,
                                            "department_id": person.department_id, "category": "staff",
                                            "post": "", "role": "trainer", "status": "retired"})
    admin.post(f"/people/{person.id}/reset-password")
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject == "changed01")))
    assert {"user.role", "user.status", "password.reset"} <= actions

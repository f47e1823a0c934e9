"""Per-object permission checks.

Who may call an endpoint at all is declared once, in web/policy.py, and enforced before
every view (web/access.py); views that take an object id ask `ensure_*` below before
reading or writing that object.
"""
from __future__ import annotations

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select

from ..platform.extensions import db
from .models import Department, User
from .tree import DepartmentTree

STAFF = ("admin", "trainer")


def department_tree() -> DepartmentTree:
    """The tree, read once per request."""
    if "department_tree" not in g:
        rows = db.session.execute(
            select(Department.id, Department.name, Department.parent_id)
            .order_by(Department.position, Department.name)
        ).all()
        g.department_tree = DepartmentTree.from_rows(rows)
    return g.department_tree


def forget_department_tree() -> None:
    """Call after changing departments within a request."""
    g.pop("department_tree", None)


def managed_department_ids(user) -> set[int] | None:
    """Departments this person manages: None means all (admin); a liaison their subtree."""
    if user.role == "admin":
        return None
    if user.role == "liaison":
        return department_tree().subtree(user.department_id)
    return set()


def can_manage_department(user, department_id: int) -> bool:
    scope = managed_department_ids(user)
    return scope is None or department_id in scope


def can_manage_user(manager, person: User) -> bool:
    """Admins manage everyone; liaisons manage cadres and liaisons in their subtree."""
    if manager.role == "admin":
        return True
    if manager.role == "liaison":
        return person.role in ("cadre", "liaison") and can_manage_department(manager, person.department_id)
    return False


def ensure_can_manage_user(person: User | None) -> User:
    """404 for an unknown person, 403 for one outside the caller's scope."""
    if person is None:
        abort(404)
    if not can_manage_user(current_user, person):
        abort(403)
    return person


def ensure_can_manage_department(department_id: int) -> None:
    if not can_manage_department(current_user, department_id):
        abort(403)

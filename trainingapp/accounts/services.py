"""Use cases of accounts and departments: one public function per action, one commit each."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from flask import current_app
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..platform.clock import now
from ..platform.errors import DomainError
from ..platform.extensions import db
from . import audit, hashing, throttle
from .emails import normalise_email
from .models import Department, LoginThrottle, User
from .passwords import GENERATED_HASH_METHOD, generate_password, password_problems
from .roster import ExistingPerson, RosterPlan, plan_roster
from .tree import DepartmentTree

# --- passwords and sign-in -------------------------------------------------------------

def _hash(password: str, *, initial: bool) -> str:
    method = current_app.config["INITIAL_PASSWORD_HASH_METHOD" if initial else "PASSWORD_HASH_METHOD"]
    return hashing.hash_password(password, method)


def _hash_generated(password: str) -> str:
    """The hash of a password from `generate_password`: fast, salted (see passwords.GENERATED_HASH_METHOD).
    Never for a password a person chose or typed."""
    return hashing.hash_password(password, current_app.config.get("GENERATED_PASSWORD_HASH_METHOD",
                                                                  GENERATED_HASH_METHOD))


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the person, or None with the moment (naive UTC) before
    which this login's password will not be checked again (None: try again at once)."""

    user: User | None
    wait_until: datetime | None = None
    #: True when the attempt was refused unchecked, because of a delay still running.
    unchecked: bool = False


def login_policy() -> throttle.Policy:
    config = current_app.config
    return throttle.Policy(free=int(config["LOGIN_FREE_FAILURES"]),
                           first=timedelta(seconds=int(config["LOGIN_DELAY_SECONDS"])),
                           cap=timedelta(seconds=int(config["LOGIN_DELAY_MAX_SECONDS"])))


def _count_failure(login: str, moment: datetime, policy: throttle.Policy, *, address_over_budget: bool) -> int:
    """Add one failure to the login's count in one statement (parallel failures are all counted);
    returns the new count. A count idle past policy.memory starts again; an address over its
    budget skips the free failures. Rows forgotten (idle past policy.memory, no delay running)
    are deleted on the way, so logins typed once by a sprayer do not pile up."""
    table = LoginThrottle.__table__
    db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.last_failed_at < moment - policy.memory, LoginThrottle.login != login,
        (LoginThrottle.blocked_until.is_(None)) | (LoginThrottle.blocked_until < moment)))
    first = policy.free if address_over_budget else 1
    counted = case((table.c.last_failed_at < moment - policy.memory, 1), else_=table.c.failures + 1)
    if address_over_budget:
        counted = case((counted < policy.free, policy.free), else_=counted)
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    statement = insert.values(login=login, failures=first, last_failed_at=moment).on_conflict_do_update(
        index_elements=[table.c.login], set_={"failures": counted, "last_failed_at": moment}
    ).returning(table.c.failures)
    return db.session.execute(statement).scalar_one()


def _record_failure(login: str, user, moment, policy, *, address_over_budget: bool = False, action="login.failure"):
    """Count a wrong password for the login, start or double its delay, audit it; returns the
    end of the delay it now has (None: none yet). The caller commits."""
    failures = _count_failure(login, moment, policy, address_over_budget=address_over_budget)
    wait = throttle.delay(failures, policy)
    until = moment + wait if wait is not None else None
    db.session.execute(update(LoginThrottle).where(LoginThrottle.login == login).values(blocked_until=until))
    audit.record(action, actor=user, subject=login, failures=failures,
                 **({"address_over_budget": True} if address_over_budget else {}))
    if until is not None:
        audit.record("login.lockout", actor=user, subject=login, failures=failures,
                     until=until.isoformat(timespec="seconds"))
    return until


def _delayed_until(login: str, moment):
    """The end of the login's running delay, or None."""
    until = db.session.scalar(select(LoginThrottle.blocked_until).where(LoginThrottle.login == login))
    return until if until is not None and until > moment else None


def authenticate(login: str, password: str, *, address_over_budget: bool = False) -> SignIn:
    """Sign-in with throttling (accounts/throttle.py); audit-logged either way.

    A login in its delay is refused without checking the password. Otherwise the password is
    checked (against a dummy hash for an unknown login, so both cost the same); a failure is
    counted and may start or double the delay; a success forgets the login's failures.
    """
    login = (login or "").strip().lower()[:64]
    moment, policy = now(), login_policy()
    blocked_until = db.session.scalar(select(LoginThrottle.blocked_until).where(LoginThrottle.login == login))
    if blocked_until is not None and blocked_until > moment:
        audit.record("login.delayed", subject=login, until=blocked_until.isoformat(timespec="seconds"))
        db.session.commit()
        return SignIn(None, blocked_until, unchecked=True)
    user = db.session.scalar(select(User).where(User.login == login))
    strong = current_app.config["PASSWORD_HASH_METHOD"]
    if user is None:
        # The same work as for a real person (finding 10): the answer's timing must not tell
        # whether the login exists.
        hashing.verify_password(hashing.dummy_hash(strong), password)
    if user is None or not user.check_password(password) or not user.is_active:
        if user is not None and not hashing.is_current(user.password_hash, strong):
            # A generated password's hash is checked at once: every failure costs one check of
            # the strong method, or a quick answer would tell that a freshly imported login exists.
            hashing.verify_password(hashing.dummy_hash(strong), password)
        until = _record_failure(login, user, moment, policy, address_over_budget=address_over_budget)
        db.session.commit()
        return SignIn(None, until)
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.login == login))
    audit.record("login.success", actor=user, subject=login)
    db.session.commit()
    return SignIn(user)


def login_delay(person: User) -> LoginThrottle | None:
    """The person's failed sign-ins still remembered, for their page (None when there are none)."""
    return db.session.get(LoginThrottle, person.login)


def clear_login_delay(actor: User, person: User) -> None:
    """Forget the person's failed sign-ins: the delay ends now (an administrator's decision)."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.login == person.login))
    audit.record("login.delay_cleared", actor=actor, subject=person.login)
    db.session.commit()


def end_sessions(user: User) -> None:
    """Sign this person out everywhere (their session cookies all carry the old version)."""
    user.session_version += 1
    audit.record("logout", actor=user, subject=user.login)
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """Check the current password and the rules, store the new one, end other sessions.

    The current password is guessed at here as at sign-in (an open session on a shared PC), so
    the same throttle applies: a wrong one is counted for the login, and during its delay the
    password is not checked."""
    moment = now()
    until = _delayed_until(user.login, moment)
    if until is None and not user.check_password(current):
        until = _record_failure(user.login, user, moment, login_policy(), action="password.change_failure")
        db.session.commit()
        if until is None:
            raise DomainError(_l("The current password is wrong."))
    if until is not None:
        raise DomainError(_l("Too many wrong passwords: the current password is checked again after %(time)s.",
                             time=format_datetime(until, "HH:mm")))
    problems = password_problems(new, user.login, user.name)
    if problems:
        raise DomainError(_l("The new password %(problems)s.", problems="; ".join(problems)))
    if user.check_password(new):
        raise DomainError(_l("The new password must differ from the current one."))
    user.password_hash = _hash(new, initial=False)
    user.must_change_password = False
    user.session_version += 1
    audit.record("password.change", actor=user, subject=user.login)
    db.session.commit()


def reset_password(actor: User, person: User) -> str:
    """Give the person a new random password to change at next login; returns it (shown once)."""
    password = generate_password()
    person.password_hash = _hash_generated(password)
    person.must_change_password = True
    person.session_version += 1
    # The new password must work at once: a delay earned by wrong guesses at the old one ends.
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.login == person.login))
    audit.record("password.reset", actor=actor, subject=person.login)
    db.session.commit()
    return password


def create_administrator(login: str, *, name: str = "管理员", password: str | None = None,
                         own_password: bool = False) -> tuple[User, str]:
    """A new administrator in the first top-level department (one is made if none exists) and
    their password: `password`, or a generated one. Unless `own_password` (typed by that person
    themselves), it must be changed at first sign-in. Raises DomainError for a login that exists
    or a password the rules refuse."""
    login = login.strip().lower()
    if not login:
        raise DomainError(_l("Enter a login name."))
    if db.session.scalar(select(User.id).where(User.login == login)):
        raise DomainError(_l("%(login)s already exists.", login=login))
    if password is not None:
        problems = password_problems(password, login, name)
        if problems:
            raise DomainError(_l("The password %(problems)s.", problems="; ".join(problems)))
    department = db.session.scalar(select(Department).where(Department.parent_id.is_(None))
                                   .order_by(Department.position, Department.id))
    if department is None:
        department = Department(name="本单位")
        db.session.add(department)
        db.session.flush()
    person = User(login=login, name=name, department_id=department.id, category="staff", role="admin")
    if password is None:
        password = generate_password()
        person.password_hash, person.must_change_password = _hash_generated(password), True
    else:
        person.set_password(password, must_change=not own_password)
    db.session.add(person)
    db.session.flush()
    audit.record("admin.create", subject=login)
    db.session.commit()
    return person, password


def set_language(user: User | None, language: str) -> None:
    if user is not None and getattr(user, "is_authenticated", False):
        user.language = language
        db.session.commit()


# --- people ----------------------------------------------------------------------------

def save_person(actor: User, person: User | None, *, login: str, name: str, department_id: int, category: str,
                post: str, role: str, status: str, email: str | None = None) -> tuple[User, str | None]:
    """Create (person None) or update a person; a new person gets a random initial password.

    Returns the person and the initial password to show once (None for updates).
    """
    login = login.strip().lower()
    email, problem = normalise_email(email)
    if problem:
        raise DomainError(problem)
    clash = db.session.scalar(select(User.id).where(User.login == login))
    if clash is not None and (person is None or clash != person.id):
        raise DomainError(_l("The login %(login)s is already taken.", login=login))
    if person is not None and person.id == actor.id and (role != person.role or status != person.status):
        raise DomainError(_l("You cannot change your own role or status."))
    password = None
    if person is None:
        person = User(login=login)
        password = generate_password()
        person.password_hash = _hash_generated(password)
        person.must_change_password = True
        db.session.add(person)
        audit.record("user.create", actor=actor, subject=login, role=role)
    else:
        if role != person.role:
            audit.record("user.role", actor=actor, subject=login, old=person.role, new=role)
        if status != person.status:
            audit.record("user.status", actor=actor, subject=login, old=person.status, new=status)
        if role != person.role or status != person.status:
            person.session_version += 1  # a new role or a deactivation takes effect at once
    person.login, person.name, person.department_id = login, name.strip(), department_id
    person.category, person.post, person.role, person.status = category, post.strip(), role, status
    person.email = email
    db.session.commit()
    return person, password


# --- departments -------------------------------------------------------------------------

def _same_parent(parent_id: int | None):
    return Department.parent_id.is_(None) if parent_id is None else Department.parent_id == parent_id


def _sibling_clash(name: str, parent_id: int | None, exclude: int | None = None) -> bool:
    query = select(Department.id).where(Department.name == name, _same_parent(parent_id))
    if exclude is not None:
        query = query.where(Department.id != exclude)
    return db.session.scalar(query) is not None


def create_department(actor: User, name: str, parent_id: int | None, code: str | None = None) -> Department:
    """A new department, its name unique among its siblings."""
    name = name.strip()
    if _sibling_clash(name, parent_id):
        raise DomainError(_l("There is already a department called %(name)s here.", name=name))
    position = db.session.scalar(select(func.count(Department.id)).where(_same_parent(parent_id)))
    department = Department(name=name, parent_id=parent_id, code=(code or "").strip() or None,
                            position=position or 0)
    db.session.add(department)
    audit.record("department.create", actor=actor, subject=name)
    db.session.commit()
    return department


def update_department(actor: User, department: Department, tree: DepartmentTree, *, name: str,
                      parent_id: int | None, code: str | None) -> None:
    """Rename and/or move; never into its own subtree, never beside a namesake."""
    name = name.strip()
    if parent_id is not None and parent_id in tree.subtree(department.id):
        raise DomainError(_l("A department cannot move into itself or one of its own sub-departments."))
    if _sibling_clash(name, parent_id, exclude=department.id):
        raise DomainError(_l("There is already a department called %(name)s there.", name=name))
    if parent_id != department.parent_id:
        audit.record("department.move", actor=actor, subject=department.name,
                     old=department.parent_id, new=parent_id)
    department.name, department.parent_id, department.code = name, parent_id, (code or "").strip() or None
    db.session.commit()


def delete_department(actor: User, department: Department) -> None:
    """Delete an empty leaf department; refuse with the reason otherwise."""
    people = db.session.scalar(select(func.count(User.id)).where(User.department_id == department.id))
    if people:
        raise DomainError(_l("%(name)s still has %(n)s people; move them first.",
                             name=department.name, n=people))
    if department.children:
        raise DomainError(_l("%(name)s still has sub-departments; move or delete them first.",
                             name=department.name))
    audit.record("department.delete", actor=actor, subject=department.name)
    db.session.delete(department)
    db.session.commit()


# --- roster import -----------------------------------------------------------------------

def _existing_people() -> dict[str, ExistingPerson]:
    rows = db.session.execute(select(User.id, User.login, User.name, User.department_id, User.category,
                                     User.post, User.role, User.status, User.email)).all()
    return {r.login: ExistingPerson(*r) for r in rows}


def preview_roster(actor: User, frame: pd.DataFrame, tree: DepartmentTree, scope: set[int] | None) -> RosterPlan:
    """What importing this table would do, with every problem; changes nothing."""
    return plan_roster(frame, tree, _existing_people(), scope=scope,
                       may_assign_roles=actor.role == "admin", actor_login=actor.login)


def import_roster(actor: User, frame: pd.DataFrame, tree: DepartmentTree, scope: set[int] | None,
                  *, filename: str = "") -> tuple[RosterPlan, list[tuple[str, str, str]]]:
    """Apply a roster table in one transaction, or nothing when any row has an error.

    Returns the plan and the generated credentials (name, login, password) of new people
    whose file gave no initial password, to be handed out once.
    """
    plan = preview_roster(actor, frame, tree, scope)
    if not plan.ok:
        return plan, []
    generated = []
    hashes: dict[str, str] = {}  # one hash per distinct initial password: a file often gives one
    try:
        stamp = now()
        new_people = []
        for entry in plan.creates:
            password = entry.password
            if password is None:
                password = generate_password()
                generated.append((entry.name, entry.login, password))
                hashed = _hash_generated(password)
            else:
                hashed = hashes.get(password) or hashes.setdefault(password, _hash(password, initial=True))
            new_people.append(dict(login=entry.login, name=entry.name, department_id=entry.department_id,
                                   category=entry.category, post=entry.post, role=entry.role,
                                   status=entry.status, email=entry.email, password_hash=hashed,
                                   must_change_password=True, session_version=1, created_at=stamp, updated_at=stamp))
        if new_people:
            db.session.execute(User.__table__.insert(), new_people)
        _apply_updates(plan.updates, stamp)
        audit.record("roster.import", actor=actor, subject=filename, created=len(plan.creates),
                     updated=len(plan.updates), unchanged=len(plan.unchanged))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return plan, generated


def _apply_updates(updates, stamp) -> None:
    """The changes of existing people: one executemany per set of changed fields, not a statement per person."""
    batches: dict[tuple[str, ...], list[dict]] = {}
    for entry, changes in updates:
        fields = tuple(sorted(changes))
        batches.setdefault(fields, []).append({"b_login": entry.login, "b_updated_at": stamp,
                                               **{f"b_{field}": new for field, (_old, new) in changes.items()}})
    table = User.__table__
    for fields, rows in batches.items():
        values = {field: bindparam(f"b_{field}") for field in fields}
        values["updated_at"] = bindparam("b_updated_at")
        if "role" in fields or "status" in fields:
            values["session_version"] = table.c.session_version + 1  # a new role or status ends every session
        db.session.execute(update(table).where(table.c.login == bindparam("b_login")).values(**values), rows)

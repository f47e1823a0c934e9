"""The rules a signed-in session must pass on every request, written once.

A session names a person and the session version it was signed with. It may go on while the
stored version is the same (signing out everywhere, a password reset, a new role or status bump
it), the person is active, and no password change is due; otherwise the request is refused as
signed out (401) or sent to the password change (403).

Two forms of the same rule:
- `refusal` checks a person already loaded (Flask-Login's user loader, the password-change
  gate), or the stored fields read alongside something else (`stored_session`);
- `session_criteria` is the rule as SQL, for a statement that must check the person itself
  (the exam's one-statement autosave).

The exam start and the autosave do not load the person through Flask-Login: they read the
person's stored fields in the first statement they run anyway. Their views say so with
`@checks_person_itself`, and the before-request hooks then leave the person unloaded.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam

from .models import User


@dataclass(frozen=True)
class Refusal:
    """Why a session may not go on: `code` is stable for the API, `message` for people."""

    code: str
    status: int
    message: object


SIGNED_OUT = Refusal("unauthenticated", 401, _l("Sign in first."))
PASSWORD_CHANGE = Refusal("password_change", 403, _l("Change your password first."))


def refusal(claimed_version: int, session_version: int, status: str, must_change_password: bool) -> Refusal | None:
    """None when a session signed with `claimed_version` may go on, given the person as stored."""
    if session_version != claimed_version or status != "active":
        return SIGNED_OUT
    if must_change_password:
        return PASSWORD_CHANGE
    return None


def refusal_of(person, claimed_version: int) -> Refusal | None:
    """`refusal` for a loaded person (None: nobody by that id)."""
    if person is None:
        return SIGNED_OUT
    return refusal(claimed_version, person.session_version, person.status, person.must_change_password)


def stored_session(people=User.__table__) -> tuple:
    """The person's columns `refusal` reads, labelled for `row_refusal`, to add to a statement
    that reads the person with something else."""
    return (people.c.session_version.label("person_session_version"), people.c.status.label("person_status"),
            people.c.must_change_password.label("person_must_change_password"))


def row_refusal(row, claimed_version: int) -> Refusal | None:
    """`refusal` for a row read with the `stored_session` columns."""
    return refusal(claimed_version, row.person_session_version, row.person_status, row.person_must_change_password)


def session_criteria(people=User.__table__, claimed_version=None):
    """The rule as SQL (true exactly when `refusal` gives None), the claimed version bound as
    `session_version` unless given."""
    if claimed_version is None:
        claimed_version = bindparam("session_version", type_=people.c.session_version.type)
    return and_(people.c.session_version == claimed_version, people.c.status == "active",
                people.c.must_change_password.is_(False))


# --- the session's person, unverified -------------------------------------------------------

@dataclass(frozen=True)
class SessionPerson:
    """Who the session cookie names, unverified: the view must compare both with the database."""

    id: int
    session_version: int


def session_person() -> SessionPerson | None:
    """The person and session version the signed session names, without a database read."""
    user_id, _sep, version = str(session.get("_user_id") or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    return SessionPerson(int(user_id), int(version))


def checks_person_itself(view=None, *, notes_activity: bool = True):
    """Marks a view that checks the session's person itself (with `session_person` and one of
    the rules above, in the first statement it runs anyway): loading the person first is a
    fifth of an autosave's cost. The view refuses a bad session as any API call would.

    `notes_activity=False`: the request does not re-sign the session cookie to note activity
    (accounts.views._note_activity). For an exam's start: the whole hall presses it in the
    same seconds, most with a cookie signed minutes before (re-signing it was a sixteenth of a
    start), and a running attempt keeps its person signed in; the first autosave notes it."""
    def mark(function):
        function.checks_person_itself = True
        function.notes_activity = notes_activity
        return function
    return mark if view is None else mark(view)


def view_checks_person_itself() -> bool:
    """Whether the request's view is marked with `checks_person_itself`."""
    return getattr(_view(), "checks_person_itself", False)


def view_notes_activity() -> bool:
    """Whether the request counts as activity in the session cookie (see `checks_person_itself`)."""
    return getattr(_view(), "notes_activity", True)


def _view():
    return current_app.view_functions.get(request.endpoint) if request.endpoint else None

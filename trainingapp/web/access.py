"""Enforcing web/policy.py: one check before every view, and a refusal to start without a decision.

The check answers as the view decorators it replaces did: nobody signed in goes to the
sign-in form with `next` (the API gets 401 JSON, see accounts.views.unauthorized), a signed-in
person of another role gets 403. Object scope (a liaison's subtree, one's own attempts) stays
in the views.
"""
from __future__ import annotations

from flask import Flask, abort, request
from flask_login import current_user
from flask_login.config import EXEMPT_METHODS

from ..accounts.session_rules import session_person, view_checks_person_itself
from ..platform.extensions import login_manager
from .policy import POLICY, PUBLIC, SIGNED_IN, admits


def init_app(app: Flask) -> None:
    """Call once every route is registered: the check runs after every other before-request hook
    (timeouts, password change, rate limits), where the decorators used to run."""
    refuse_undecided_routes(app)
    app.before_request(enforce_policy)


def undecided_endpoints(app: Flask) -> set[str]:
    """Endpoints of the app's URL rules that the table does not name."""
    return {rule.endpoint for rule in app.url_map.iter_rules()} - set(POLICY)


def refuse_undecided_routes(app: Flask) -> None:
    """A route nobody decided on stops the app at creation, not in production."""
    missing = undecided_endpoints(app)
    if missing:
        raise RuntimeError(f"No access decision in trainingapp/web/policy.py for: {', '.join(sorted(missing))}")
    # These views are not given the loaded person (the exam's hot path), so the check below can
    # only see that a session names someone: a role decision would go unenforced.
    decided_by_role = {endpoint for endpoint, view in app.view_functions.items()
                       if getattr(view, "checks_person_itself", False) and POLICY[endpoint][0] != SIGNED_IN}
    if decided_by_role:
        raise RuntimeError(f"Views that check the person themselves must be {SIGNED_IN!r}: "
                           f"{', '.join(sorted(decided_by_role))}")


def enforce_policy():
    """Before-request hook: apply the table's decision for the request's endpoint."""
    if request.url_rule is None or request.method in EXEMPT_METHODS:
        return None  # no such route (Flask answers 404/405), or a preflight no view answers
    entry = POLICY.get(request.endpoint)
    if entry is None:
        abort(404)  # fail closed: a route added after start-up without a decision
    who = entry[0]
    if who == PUBLIC:
        return None
    if view_checks_person_itself():
        # The view checks session version, status and password change in its first statement;
        # loading the person here would add a fifth to an autosave's cost.
        return None if session_person() is not None else login_manager.unauthorized()
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not admits(who, current_user.role):
        abort(403)
    return None

"""Sign-in, sign-out, password change and language choice."""
import math

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from limits import parse as parse_limit
from sqlalchemy import select

from ..platform import errors, signals
from ..platform.clock import now
from ..platform.database import commit_keeping_loaded
from ..platform.endpoints import SESSIONLESS
from ..platform.errors import DomainError, flash_refusal
from ..platform.extensions import db, limiter, login_manager
from ..platform.params import safe_next
from . import bp, services
from .forms import ChangePasswordForm, LoginForm
from .models import User
from .session_rules import (
    PASSWORD_CHANGE,
    SIGNED_OUT,
    refusal_of,
    session_person,
    view_checks_person_itself,
    view_notes_activity,
)

#: Endpoints a person who must change their password can still reach.
OPEN_DURING_PASSWORD_CHANGE = SESSIONLESS | {"accounts.change_password", "accounts.logout", "accounts.set_language"}

login_manager.login_view = "accounts.login"
login_manager.login_message = None
login_manager.session_protection = "basic"


@login_manager.unauthorized_handler
def unauthorized():
    """The API answers 401 JSON; pages send people to the sign-in form."""
    if request.path.startswith("/api/"):
        return {"error": str(SIGNED_OUT.message), "code": SIGNED_OUT.code}, SIGNED_OUT.status
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


@login_manager.user_loader
def load_user(token: str):
    """The person behind a session, only while the session's version is current."""
    user_id, _sep, version = token.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if db.session.get_bind().dialect.name == "sqlite":
        # End this short read at once (keeping the loaded person): on SQLite every transaction
        # holds the write lock, and the person lookup must not keep it through the whole request.
        commit_keeping_loaded(db.session)
    if refusal_of(user, int(version)) is SIGNED_OUT:
        return None
    return user




@bp.before_app_request
def end_idle_sessions():
    """Idle (default 2 h) and absolute (12 h) timeouts, except while an exam is in progress."""
    moment = now().timestamp()
    if view_checks_person_itself() and not _timed_out(moment):
        # The view checks the person itself; a session within its timeouts only needs the
        # request counted as activity. A timed-out one takes the full check below, which keeps
        # it only for someone in the middle of an exam.
        if session_person() is not None and view_notes_activity():
            _note_activity(moment)
        return None
    if not current_user.is_authenticated or request.endpoint in SESSIONLESS:
        return None
    if _timed_out(moment) and not any(signals.answers(signals.keep_signed_in, person=current_user)):
        logout_user()
        session.clear()
        if request.path.startswith("/api/"):
            return {"error": _("Your session has ended; sign in again."), "code": "unauthenticated"}, 401
        flash(_("You were signed out after a period without activity. Sign in again."), "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    _note_activity(moment)
    return None


def _timed_out(moment: float) -> bool:
    """Idle too long, or signed in too long ago (from the signed session alone)."""
    seen, signed_in = session.get("seen_at", moment), session.get("signed_in_at", moment)
    return (moment - seen > current_app.config["IDLE_TIMEOUT"].total_seconds()
            or moment - signed_in > current_app.config["ABSOLUTE_TIMEOUT"].total_seconds())


def _note_activity(moment: float) -> None:
    # Re-sign the cookie at most once a minute: the exam autosave must not pay for it on every call.
    if moment - session.get("seen_at", 0) >= 60:
        session["seen_at"] = moment
    session.setdefault("signed_in_at", moment)


@bp.before_app_request
def require_password_change():
    if view_checks_person_itself():
        return None  # the view refuses a person who must change the password first
    if (current_user.is_authenticated and request.endpoint not in OPEN_DURING_PASSWORD_CHANGE
            and refusal_of(current_user, current_user.session_version) is PASSWORD_CHANGE):
        if request.path.startswith("/api/"):
            return {"error": str(PASSWORD_CHANGE.message)}, PASSWORD_CHANGE.status
        return redirect(url_for("accounts.change_password"))
    return None


def _address() -> str:
    return get_remote_address() or ""


def _address_over_budget() -> bool:
    """Whether this address has used up its budget of failed sign-ins (across every login)."""
    budget = parse_limit(current_app.config["LOGIN_FAILURES_PER_ADDRESS"])
    return not limiter.limiter.test(budget, "login-failures", _address())


def _spend_address_budget() -> None:
    limiter.limiter.hit(parse_limit(current_app.config["LOGIN_FAILURES_PER_ADDRESS"]), "login-failures", _address())


def _wait_message(until) -> str:
    minutes = max(1, math.ceil((until - now()).total_seconds() / 60))
    return _("Too many wrong passwords for this login. Its password is not checked again before %(time)s "
             "(in %(minutes)s min); then the right password signs in. An administrator can also clear this "
             "on the person's page.", time=format_datetime(until, "HH:mm"), minutes=minutes)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign-in, throttled per login (a doubling delay, see accounts/throttle.py) and, for failures
    only, per address: successes are never limited, so a whole hall behind one address gets in."""
    if current_user.is_authenticated:
        return redirect(url_for("home"))
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        result = services.authenticate(form.login.data, form.password.data,
                                       address_over_budget=_address_over_budget())
        if result.user is None:
            if not result.unchecked:
                _spend_address_budget()
            if result.wait_until is not None:
                flash(_wait_message(result.wait_until), "danger")
                return render_template("accounts/login.html", form=form), 429
            flash(_("Wrong login or password, or the account is not active."), "danger")
        else:
            user = result.user
            session.clear()  # a fresh session at sign-in: nothing carried over (fixation)
            login_user(user)
            session["signed_in_at"] = session["seen_at"] = now().timestamp()
            if user.must_change_password:
                flash(_("Welcome! Please choose your own password before you go on."), "info")
                return redirect(url_for("accounts.change_password"))
            return redirect(safe_next(form.next.data, url_for("home")))
    return render_template("accounts/login.html", form=form)


@bp.errorhandler(429)
def too_many_sign_ins(error):
    """A request throttled on the sign-in page gets the form again with the reason; any other
    of this blueprint's 429s gets the app's page."""
    if request.endpoint != "accounts.login" or errors.wants_json():
        return errors.too_many(error)
    flash(errors.too_many_message(), "danger")
    return render_template("accounts/login.html", form=LoginForm()), 429


@bp.route("/logout", methods=["POST"])
def logout():
    services.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data)
        except DomainError as error:
            flash_refusal(error)
        else:
            login_user(current_user._get_current_object())  # the session version moved on: keep this session only
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/language/<code>", methods=["POST"])
def set_language(code):
    if code not in current_app.config["LANGUAGES"]:
        code = current_app.config["BABEL_DEFAULT_LOCALE"]
    services.set_language(current_user, code)
    response = redirect(safe_next(request.form.get("next"), url_for("home")))
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.route("/account")
def profile():
    person = db.session.scalar(select(User).where(User.id == current_user.id))
    return render_template("accounts/profile.html", person=person)

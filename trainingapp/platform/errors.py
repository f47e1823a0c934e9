"""Friendly error pages, JSON errors for the API, and the one domain error with its handler."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import BadRequest, HTTPException

from .extensions import db
from .params import safe_next


class DomainError(Exception):
    """A refusal with a message for people (text or a lazy translation), shown as it is.

    Services raise it; a view either lets it through to the one handler (the message is
    flashed and the person is sent back) or catches it to show the form again with the
    message. `back` and `category` are set by the web side (`returning_to`, `refuse`), never
    by services, which do not know pages.
    """

    #: Where the handler sends the person; None: the page they came from, else home.
    back: str | None = None
    category: str = "danger"

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        # Translated when shown, not when raised: a lazy message follows the reader's language.
        return str(self.message)


def flash_refusal(error: Exception) -> None:
    """Show a refusal on the next page rendered, the way every page shows one."""
    flash(str(error), getattr(error, "category", "danger"))


def refuse(message, *, back: str, category: str = "danger") -> NoReturn:
    """Stop the request: flash `message` and send the person to `back`."""
    error = DomainError(message)
    error.back, error.category = back, category
    raise error


@contextmanager
def returning_to(back: str) -> Iterator[None]:
    """A DomainError raised inside sends the person to `back` (unless it names its own page)."""
    try:
        yield
    except DomainError as error:
        if error.back is None:
            error.back = back
        raise


def _came_from() -> str:
    """The page the request was sent from, when it is on this site and not this very page
    (a page refusing its own GET would send the browser round in circles); else home."""
    home = url_for("home")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return home
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    here = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
    if request.method == "GET" and path == here:
        return home
    return safe_next(path, home)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _page(status: int, title: str, message: str):
    if wants_json():
        return {"error": message}, status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def too_many_message() -> str:
    return _("Too many sign-in attempts for this login. It is locked for a while: wait 15 minutes "
             "and try again, or ask your liaison or the administrator to reset the password.")


def too_many(error):
    return _page(429, _("Too many requests"), too_many_message())


def init_app(app):
    @app.errorhandler(DomainError)
    def refused(error):
        if wants_json():
            return {"error": str(error)}, 422
        flash_refusal(error)
        return redirect(error.back or _came_from())

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return _page(400, _("The form has expired"),
                     _("The page was open too long or was opened in another window. Go back, reload "
                       "the page and try again; nothing was saved."))

    @app.errorhandler(400)
    def bad_request(error):
        # A specific message (params.refuse) is shown as it is; werkzeug's default is not ours.
        message = error.description
        if not message or message == BadRequest.description:
            message = _("The request holds a value the platform cannot use. Go back and try again.")
        return _page(400, _("Invalid request"), message)

    @app.errorhandler(403)
    def forbidden(error):
        return _page(403, _("Not allowed"), _("Your account is not allowed to open this page."))

    @app.errorhandler(404)
    def not_found(error):
        return _page(404, _("Page not found"), _("This page does not exist or has been removed."))

    # The sign-in page answers its own 429 (accounts.views.too_many_sign_ins) with this message.
    app.register_error_handler(429, too_many)

    @app.errorhandler(413)
    def too_large(error):
        return _page(413, _("File too large"), _("The file is larger than the platform accepts. "
                                                   "Split it into smaller files."))

    @app.errorhandler(OperationalError)
    def database_down(error):
        from flask import g
        from flask_login import AnonymousUserMixin
        g.database_down = True
        # Rendering must not try to load the signed-in person from the unreachable database.
        g._login_user = AnonymousUserMixin()
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001,S110 - the connection is gone; the pool replaces it later
            pass
        db.session.remove()
        message = _("The database cannot be reached right now. Your answers are kept in your browser "
                    "and sent again automatically; please try again in a minute.")
        if wants_json():
            return {"error": message, "code": "unavailable"}, 503
        # A page that needs no database (no navigation, no signed-in person).
        return render_template("errors/unavailable.html", message=message), 503

    @app.errorhandler(500)
    def server_error(error):
        return _page(500, _("Something went wrong"),
                     _("An unexpected error occurred. It has been logged; please try again."))

    @app.errorhandler(HTTPException)
    def other_http(error):
        return _page(error.code or 500, error.name, error.description or "")

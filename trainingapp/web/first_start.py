"""What `python run.py` decides before serving, and the demo warning on every page.

The demo data set signs in with a password published in README. It is loaded on its own only
for the newcomer's quick start (an empty embedded database served on this computer only), and
the platform is never served to the network while any demo account still has that password.
Every other first start is a real one: it creates an administrator.
"""
from __future__ import annotations

import ipaddress
from datetime import timedelta

import click
from flask import current_app, g
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..accounts import hashing
from ..accounts.models import User
from ..platform import clock
from ..platform.errors import DomainError
from ..platform.extensions import db
from .demo import DEMO_PASSWORD, demo_people

#: Every login the demo data set creates (the retired cadre99 cannot sign in: not counted).
DEMO_ACCOUNT_LOGINS = frozenset(login for login, *_rest in demo_people())
#: How long a process trusts its last answer to "are demo passwords in use?" before asking the
#: database again (one query of the forty demo rows; each distinct hash is verified once).
BANNER_TTL = timedelta(seconds=30)

# A stored hash either verifies the demo password or not, for ever: each distinct hash is checked
# once per process (the demo accounts share one hash), so a later check is one small query.
_verifies_demo_password: dict[str, bool] = {}


def is_loopback(host: str) -> bool:
    """True for addresses only this computer can reach (127.0.0.0/8, ::1, "localhost");
    False for 0.0.0.0, ::, a LAN address or any other name."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _published_logins(session: Session) -> list[str]:
    rows = session.execute(select(User.login, User.password_hash)
                           .where(User.login.in_(sorted(DEMO_ACCOUNT_LOGINS)), User.status == "active"))
    found = []
    for login, stored in rows:
        if stored not in _verifies_demo_password:
            _verifies_demo_password[stored] = hashing.verify_password(stored, DEMO_PASSWORD)
        if _verifies_demo_password[stored]:
            found.append(login)
    return sorted(found)


def demo_accounts_with_published_password() -> list[str]:
    """The logins of active demo accounts whose password is still the published demo password."""
    return _published_logins(db.session)


def published_demo_passwords_in_use() -> bool:
    """Whether the demo warning belongs on the page: cached per process for BANNER_TTL; False
    when the database cannot say (the error page of an outage must not fail on it)."""
    if g.get("database_down"):
        return False
    cached = current_app.extensions.get("demo_banner")
    if cached is not None and clock.now() - cached[0] < BANNER_TTL:
        return cached[1]
    try:
        # The page's own session, not a second connection: on SQLite every transaction takes the
        # writer lock, and a second one of this thread would queue behind the one its request may hold.
        in_use = bool(_published_logins(db.session))
    except SQLAlchemyError:
        return False
    current_app.extensions["demo_banner"] = (clock.now(), in_use)
    return in_use


def forget(app=None) -> None:
    """Drop this app's cached answer, so the next page asks the database (tests start clean)."""
    (app or current_app).extensions.pop("demo_banner", None)


def should_load_demo(*, host: str, embedded: bool, demo: bool, no_demo: bool, load_demo_setting: bool) -> bool:
    """Whether `python run.py` loads the demo data set into an empty database: when asked with
    --demo, or for the quick start (embedded SQLite or LOAD_DEMO) on this computer only."""
    if no_demo:
        return False
    return demo or (is_loopback(host) and (embedded or load_demo_setting))


def serving_refusal(host: str, published: list[str]) -> str | None:
    """Why the platform must not be served on `host`, or None: anything but loopback is refused
    while any demo account (`published`) still signs in with the published password."""
    if is_loopback(host) or not published:
        return None
    shown = ", ".join(published[:6]) + (f" and {len(published) - 6} more" if len(published) > 6 else "")
    return (
        f"Refusing to serve {host}: {len(published)} demo account(s) ({shown}) still sign in with the "
        f"published demo password {DEMO_PASSWORD}; anyone on the network could sign in with them.\n"
        "Do one of these:\n"
        "  - try the demo on this computer only: python run.py (it listens on 127.0.0.1);\n"
        "  - set up a real installation: move the demo database away (instance/trainingapp.sqlite3, or use\n"
        "    another INSTANCE_PATH) and start with python run.py --host " + host + " --no-demo; the first\n"
        "    start creates an administrator;\n"
        "  - or change the password of every demo account listed above (signed in as admin on this computer:\n"
        "    人员 (People) → 重置密码 (Reset password)), then start again.")


def ensure_administrator(*, interactive: bool) -> tuple[str, str | None] | None:
    """On a database without any person, create the first administrator and return (login,
    password to print once, or None when they typed their own); None when people exist already,
    so a later start never creates another. Interactive: asks for the login and the password;
    otherwise login "admin" with a generated password that must be changed at first sign-in."""
    from ..accounts import services
    if db.session.scalar(select(func.count(User.id))):
        return None
    if not interactive:
        person, password = services.create_administrator("admin")
        return person.login, password
    click.echo("First start: create the administrator account.")
    while True:
        login = click.prompt("Administrator login", default="admin")
        password = click.prompt("Password (at least 8 characters)", hide_input=True, confirmation_prompt=True)
        try:
            person, _password = services.create_administrator(login, password=password, own_password=True)
        except DomainError as error:
            db.session.rollback()
            click.echo(f"  {error}")
            continue
        return person.login, None

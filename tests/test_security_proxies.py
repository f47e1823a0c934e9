"""Forwarded client addresses are believed only from the configured proxies (TRUSTED_PROXIES).

Each test builds its own app with PROXY_COUNT=1, as deploy.md configures it behind nginx, on a
scratch database of the kind the suite runs on, and signs in through the real login form.
"""
import pytest
from sqlalchemy import select

from tests.conftest import _database_url
from trainingapp import create_app
from trainingapp.accounts.audit import AuditEvent
from trainingapp.platform.config import TestConfig
from trainingapp.platform.extensions import db, limiter


def _proxied_app(tmp_path, **config):
    settings = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    settings.update({"SQLALCHEMY_DATABASE_URI": _database_url(tmp_path, "_proxy"), "PROXY_COUNT": 1,
                     "LOGIN_FAILURES_PER_ADDRESS": "3 per minute", **config})
    application = create_app(settings)
    with application.app_context():
        db.drop_all()
        db.create_all()
        db.session.remove()
    limiter.reset()
    return application


def _failed_sign_ins(application, peer, forwarded_for):
    """One wrong sign-in per forwarded address (each with its own login name, so only the
    per-address budget can start a delay); the status codes, the addresses the audit log kept,
    and the logins whose delay started at once because their address was over its budget."""
    client = application.test_client()
    codes = []
    for n, address in enumerate(forwarded_for):
        response = client.post("/login", data={"login": f"nobody{n}", "password": "wrong-password-1"},
                               headers={"X-Forwarded-For": address}, environ_base={"REMOTE_ADDR": peer})
        codes.append(response.status_code)
    with application.app_context():
        seen = list(db.session.scalars(select(AuditEvent.address).where(AuditEvent.action == "login.failure")
                                       .order_by(AuditEvent.id)))
        delayed = set(db.session.scalars(select(AuditEvent.subject).where(AuditEvent.action == "login.lockout")))
        db.session.remove()
        db.engine.dispose()
    return codes, seen, delayed


def test_a_forged_forwarded_for_from_an_untrusted_address_is_ignored(app, tmp_path):
    """A client reaching the app port directly cannot pick the address the limiter and audit log see."""
    application = _proxied_app(tmp_path)
    codes, seen, delayed = _failed_sign_ins(application, "198.51.100.7", [f"10.9.8.{n}" for n in range(1, 6)])
    # Every try counts against the attacker's own address: past its budget of three failures,
    # each further failure delays its login at once (and is answered 429 with the delay).
    assert codes == [200, 200, 200, 429, 429]
    assert set(seen) == {"198.51.100.7"} and delayed == {"nobody3", "nobody4"}


def test_the_forwarded_for_of_a_trusted_proxy_is_the_client_address(app, tmp_path):
    """nginx on the same machine (the default TRUSTED_PROXIES): each client is counted and logged apart."""
    application = _proxied_app(tmp_path)
    clients = [f"203.0.113.{n}" for n in range(1, 6)]
    codes, seen, delayed = _failed_sign_ins(application, "127.0.0.1", clients)
    assert codes == [200] * 5
    assert seen == clients and delayed == set()


def test_a_proxy_on_another_host_is_trusted_when_configured(app, tmp_path):
    application = _proxied_app(tmp_path, TRUSTED_PROXIES="10.0.0.10, 192.168.5.0/24")
    codes, seen, _delayed = _failed_sign_ins(application, "192.168.5.20", ["203.0.113.1", "203.0.113.2"])
    assert (codes, seen) == ([200, 200], ["203.0.113.1", "203.0.113.2"])
    # ...and the machine's own loopback is no longer a proxy once the list names others.
    limiter.reset()
    codes, seen, _delayed = _failed_sign_ins(application, "127.0.0.1", ["203.0.113.9"])
    assert seen[-1] == "127.0.0.1"


def test_a_malformed_trusted_proxies_setting_stops_the_start_with_its_entry_named(tmp_path):
    with pytest.raises(ValueError, match=r"TRUSTED_PROXIES: 'nginx.local' is not an IP address or network"):
        create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
                    "PROXY_COUNT": 1, "TRUSTED_PROXIES": "127.0.0.1, nginx.local"})

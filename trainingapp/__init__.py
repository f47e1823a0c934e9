"""trainingapp: legal training and exam platform for local governments."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from .platform.config import Config
from .platform.cookie_session import CookieSessionInterface
from .platform.database import (
    bound_database_calls,
    configure_sqlite,
    normalise_url,
    ping_idle_connections,
    postgresql_engine_options,
    sqlite_engine_options,
    sqlite_uri,
)
from .platform.extensions import bootstrap, csrf, db, limiter, login_manager, mail, migrate
from .platform.json_provider import FastJSONProvider, column_json

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, CLI and error pages."""
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH", str(ROOT / "instance")),
                instance_relative_config=True, template_folder=str(ROOT / "templates"))
    app.config.from_object(Config)
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _stable_secret_key(Path(app.instance_path))
    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or sqlite_uri(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_url(uri)
    options = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_timeout": app.config["DB_POOL_TIMEOUT_SECONDS"],
               "json_serializer": column_json}
    if uri.startswith("sqlite"):
        options = sqlite_engine_options(options)
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = postgresql_engine_options(options, app.config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    if app.config.get("PROXY_COUNT"):
        from .platform.proxies import TrustedProxyFix
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, app.config["PROXY_COUNT"], app.config["TRUSTED_PROXIES"])
    _init_extensions(app)
    import_models()
    _register_blueprints(app)
    # Relationships resolved now rather than inside each worker's first request (at an exam's
    # opening minute that request is a start, and this took it tens of milliseconds).
    from sqlalchemy.orm import configure_mappers
    configure_mappers()
    from .platform import errors, i18n
    from .web import cli
    from .web import pages as web
    i18n.init_app(app)
    errors.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    from .web import access
    access.init_app(app)  # last: it needs every route, and its check must run after every other hook
    return app


def _stable_secret_key(instance: Path) -> str:
    """Generated once into instance/, so sessions survive restarts without configuration."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _init_extensions(app: Flask) -> None:
    # Chinese text as UTF-8 rather than \u escapes (a 40-question paper is half the bytes
    # to encode, compress and send), keys in the order written, encoded by orjson.
    app.json = FastJSONProvider(app)
    app.session_interface = CookieSessionInterface()
    db.init_app(app)
    seconds_left = None
    with app.app_context():
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            configure_sqlite(db.engine)
        elif db.engine.dialect.name == "postgresql":
            seconds_left = bound_database_calls(db.engine, app.config["DB_STATEMENT_TIMEOUT_MS"] / 1000,
                                                _request_deadline)
        ping_idle_connections(db.engine, app.config["DB_PING_AFTER_IDLE_SECONDS"], seconds_left)
    # Registered before any blueprint's hooks, so the budget covers them too.
    app.before_request(_start_request_budget)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    from .platform import compression
    compression.init_app(app)


#: Requests that answer within DB_REQUEST_BUDGET_SECONDS even when the database has gone silent:
#: the health check (a load balancer must learn quickly) and the exam API (a candidate's page
#: keeps the answer and retries; a request hanging for minutes helps nobody).
BUDGETED_ENDPOINTS = {"healthz"}
BUDGETED_BLUEPRINTS = {"exams.api"}


def _start_request_budget() -> None:
    from flask import current_app, g, request
    if request.endpoint in BUDGETED_ENDPOINTS or request.blueprint in BUDGETED_BLUEPRINTS:
        import time
        g.database_deadline = time.monotonic() + current_app.config["DB_REQUEST_BUDGET_SECONDS"]


def _request_deadline() -> float | None:
    """The monotonic time by which this request must be done with the database, if it has a budget."""
    from flask import g, has_request_context
    return g.get("database_deadline") if has_request_context() else None


def _register_blueprints(app: Flask) -> None:
    """Only blueprints: the hooks between domains are signals (platform/signals.py) whose
    receivers connect when their package is imported here."""
    from .accounts import bp as accounts_bp
    app.register_blueprint(accounts_bp)
    from .laws import bp as laws_bp
    app.register_blueprint(laws_bp)
    from .notifications import bp as notifications_bp
    from .notifications import views as _notification_views  # noqa: F401
    from .reports import reminding as _reminding  # noqa: F401 - adds notifications.remind_not_taken
    app.register_blueprint(notifications_bp)
    from .questionbank import bp as questionbank_bp
    app.register_blueprint(questionbank_bp)
    from .exams import bp as exams_bp
    app.register_blueprint(exams_bp)
    from .training.outreach.views import bp as outreach_bp
    from .training.sessions.views import bp as sessions_bp
    app.register_blueprint(sessions_bp)
    app.register_blueprint(outreach_bp)
    from .training.courses.views import bp as courses_bp
    from .training.learning.views import bp as learning_bp
    from .training.practice.views import bp as practice_bp
    app.register_blueprint(courses_bp)
    app.register_blueprint(practice_bp)
    app.register_blueprint(learning_bp)
    from .reports import bp as reports_bp
    app.register_blueprint(reports_bp)


def import_models() -> None:
    """Import every model module so the metadata (and Alembic) sees all tables."""
    from .accounts import audit, models  # noqa: F401
    from .exams import models as _exams  # noqa: F401
    from .laws import models as _laws  # noqa: F401
    from .notifications import models as _notifications  # noqa: F401
    from .platform import staged  # noqa: F401
    from .questionbank import models as _questionbank  # noqa: F401
    from .reports import models as _reports  # noqa: F401
    from .training.courses import models as _courses  # noqa: F401
    from .training.outreach import models as _outreach  # noqa: F401
    from .training.practice import models as _practice  # noqa: F401
    from .training.sessions import models as _sessions  # noqa: F401

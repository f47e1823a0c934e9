"""Start-up, schema, configuration and error pages of the whole platform."""
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from trainingapp.platform.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_migrations_build_exactly_the_models(tmp_path):
    """On an empty database of the same kind, the migrations build exactly the models' schema."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import _database_url
    from trainingapp import create_app
    url = _database_url(tmp_path, "_migrations")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        db.session.remove()
        db.engine.dispose()
    assert differences == []


def test_run_py_help_explains_the_options():
    result = subprocess.run([sys.executable, "run.py", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    for option in ("--host", "--port", "--no-demo"):
        assert option in result.stdout


def test_first_start_creates_instance_database_and_demo(tmp_path):
    """What `python run.py` does before serving, in a fresh instance folder."""
    script = (
        "import run, sys\n"
        "from waitress import serve\n"
        "import waitress\n"
        "waitress.serve = lambda *a, **k: None\n"
        "run.main(['--port', '5999'])\n"
    )
    env = {"INSTANCE_PATH": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert "http://127.0.0.1:5999/" in result.stdout
    assert "demo-pass-2026" in result.stdout and "liaison" in result.stdout
    assert (tmp_path / "instance" / "trainingapp.sqlite3").exists()
    assert (tmp_path / "instance" / "secret_key").exists()
    again = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                           timeout=120, env=env)
    assert again.returncode == 0, again.stderr
    assert "Demo data loaded" not in again.stdout  # loaded once only


def test_demo_logins_work(app, client):
    from tests.conftest import login
    from trainingapp.web.demo import load_demo
    with app.app_context():
        assert load_demo()
        assert not load_demo()
    for name in ("admin", "trainer", "liaison", "cadre", "cadre01", "cadre36"):
        fresh = app.test_client()
        assert login(fresh, name, "demo-pass-2026").headers["Location"] == "/", name
    assert login(app.test_client(), "cadre99", "demo-pass-2026").status_code == 200  # retired


def test_csrf_failure_page_is_friendly(app, make):
    person = make.user()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post("/login", data={"login": person.login, "password": "x"})
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "<html" in text and ("expired" in text or "过期" in text or "失效" in text)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_postgres_urls_use_psycopg3():
    from trainingapp.platform.database import normalise_url
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x") == "sqlite:///x"


def test_behind_a_proxy_the_client_address_is_used(tmp_path, monkeypatch):
    from trainingapp import create_app
    from trainingapp.web.policy import POLICY, PUBLIC
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
                      "PROXY_COUNT": 1})
    monkeypatch.setitem(POLICY, "_addr", (PUBLIC, "a probe route of this test"))  # routes without one are refused
    seen = {}

    @app.get("/_addr")
    def _addr():
        from flask import request
        seen["addr"] = request.remote_addr
        return ""
    app.test_client().get("/_addr", headers={"X-Forwarded-For": "10.1.2.3"})
    assert seen["addr"] == "10.1.2.3"


def test_sqlite_connections_are_durable_and_queue_writers(tmp_path):
    """WAL with synchronous=FULL: an acknowledged answer survives a power cut; writers wait, not fail."""
    from sqlalchemy import create_engine, text

    from trainingapp.platform.database import SQLITE_BUSY_TIMEOUT_MS, configure_sqlite
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    configure_sqlite(engine)
    with engine.connect() as conn:
        pragmas = {name: conn.execute(text(f"PRAGMA {name}")).scalar()
                   for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")}
    engine.dispose()
    assert pragmas == {"journal_mode": "wal", "synchronous": 2, "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
                       "foreign_keys": 1}


def test_connections_are_kept_open_not_reopened_per_burst(app):
    """A fixed pool: an overflow connection would be closed after each burst and reopened (a fork on PostgreSQL)."""
    with app.app_context():
        pool = db.engine.pool
        assert pool.size() == app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 15
        assert pool._max_overflow == 0

"""Backup and restore through the CLI, on whichever database the suite runs on.

The source is a scratch database built by the real migrations (as every install is), and the
restore goes into a second one of the same kind, so neither fights the test session's own
connections for locks.
"""
import os
import sqlite3
import stat
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from tests.conftest import _database_url
from trainingapp import create_app
from trainingapp.accounts.models import Department, User
from trainingapp.platform.extensions import db

ON_SQLITE = not os.environ.get("TEST_DATABASE_URL")


def _scratch(tmp_path, suffix, *logins):
    """An app on an empty scratch database built by the migrations, holding these people."""
    application = create_app({"SQLALCHEMY_DATABASE_URI": _database_url(tmp_path, suffix), "TESTING": True,
                              "SECRET_KEY": "k"})
    with application.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
        if logins:
            department = Department(name="司法所")
            db.session.add(department)
            db.session.flush()
            for login in logins:
                db.session.add(User(login=login, name=login, department_id=department.id, password_hash="x"))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return application


def _logins(application):
    with application.app_context():
        found = set(db.session.scalars(select(User.login)))
        db.session.remove()
        db.engine.dispose()
    return found


@pytest.fixture
def source(app, tmp_path):
    return _scratch(tmp_path, "_backup", "kept0001")


@pytest.fixture
def current(app, tmp_path):
    """The database a restore would replace, holding one person of its own."""
    return _scratch(tmp_path, "_restore", "current01")


def _restore(application, path):
    return application.test_cli_runner().invoke(args=["restore", str(path), "--yes"])


def test_backup_then_restore_into_another_database(source, current, tmp_path):
    target = tmp_path / "backup.dump"
    result = source.test_cli_runner().invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 0, result.output
    result = _restore(current, target)
    assert result.exit_code == 0, result.output
    assert _logins(current) == {"kept0001"}
    assert not [p for p in tmp_path.iterdir() if "before-restore" in p.name or ".partial" in p.name]


def test_backups_are_readable_by_their_owner_only(source, tmp_path):
    target = tmp_path / "backup.dump"
    target.write_text("an older file left readable by everyone")
    target.chmod(0o644)
    result = source.test_cli_runner().invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.stat().st_size > 1000


def test_a_backup_into_a_missing_folder_is_refused_clearly(source, tmp_path):
    result = source.test_cli_runner().invoke(args=["backup", "-o", str(tmp_path / "nowhere" / "b.dump")])
    assert result.exit_code == 1
    assert "does not exist" in result.output and "Traceback" not in result.output


def test_an_unrelated_sqlite_file_is_refused_and_the_database_is_unchanged(current, tmp_path):
    """The attack as the probe ran it: another program's SQLite database wiped the user table."""
    unrelated = tmp_path / "contacts.sqlite3"
    with sqlite3.connect(unrelated) as other:
        other.execute("CREATE TABLE contact (id INTEGER PRIMARY KEY, name TEXT)")
        other.execute("INSERT INTO contact (name) VALUES ('someone')")
    result = _restore(current, unrelated)
    assert result.exit_code == 1
    assert "not a backup of this platform" in result.output and "nothing was changed" in result.output
    assert _logins(current) == {"current01"}


def test_a_backup_of_an_unknown_schema_revision_is_refused(source, current, tmp_path):
    target = tmp_path / "backup.dump"
    with source.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = 'fffffffffff0'"))
        db.session.commit()
        db.session.remove()
    assert source.test_cli_runner().invoke(args=["backup", "-o", str(target)]).exit_code == 0
    result = _restore(current, target)
    assert result.exit_code == 1
    assert "schema revision fffffffffff0" in result.output and "nothing was changed" in result.output
    assert _logins(current) == {"current01"}


@pytest.mark.parametrize("content", [b"SQLite format 3\x00" + b"\x00" * 100, b"PGDMP" + b"\x01" * 200,
                                     b"this is not a backup at all\n" * 40, b""])
def test_garbage_is_refused_with_a_message_not_a_traceback(current, tmp_path, content):
    garbage = tmp_path / "garbage.dump"
    garbage.write_bytes(content)
    result = _restore(current, garbage)
    assert result.exit_code == 1
    assert "Error:" in result.output and "nothing was changed" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _logins(current) == {"current01"}


@pytest.mark.skipif(not ON_SQLITE, reason="SQLite: a writer's lock; PostgreSQL has its own failure below")
def test_a_restore_that_fails_part_way_leaves_the_current_database(source, current, tmp_path):
    """A platform still running holds the write lock: the restore gives up after a few seconds
    (sqlite3's backup would otherwise retry for ever) and the database stays as it was."""
    target = tmp_path / "backup.dump"
    assert source.test_cli_runner().invoke(args=["backup", "-o", str(target)]).exit_code == 0
    held, release = threading.Event(), threading.Event()

    def hold_the_write_lock():
        connection = sqlite3.connect(make_url(current.config["SQLALCHEMY_DATABASE_URI"]).database,
                                     isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        held.set()
        release.wait(60)
        connection.rollback()
        connection.close()

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    try:
        assert held.wait(30)
        result = _restore(current, target)
    finally:
        release.set()
        holder.join()
    assert result.exit_code == 1
    assert "the database was left as it was" in result.output
    assert _logins(current) == {"current01"}
    assert not [p for p in tmp_path.iterdir() if "before-restore" in p.name]


@pytest.mark.skipif(ON_SQLITE, reason="PostgreSQL: pg_restore failing inside its one transaction")
def test_a_pg_restore_that_fails_part_way_leaves_the_current_database(source, current, tmp_path):
    """A view someone added on the people table stops pg_restore's DROP half-way: everything it
    did before is rolled back and the database stays as it was."""
    target = tmp_path / "backup.dump"
    assert source.test_cli_runner().invoke(args=["backup", "-o", str(target)]).exit_code == 0
    with current.app_context():
        db.session.execute(text('CREATE VIEW people_report AS SELECT login FROM "user"'))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    result = _restore(current, target)
    assert result.exit_code == 1
    assert "the database was left as it was" in result.output and "people_report" in result.output
    assert _logins(current) == {"current01"}
    with current.app_context():
        db.session.execute(text("DROP VIEW people_report"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

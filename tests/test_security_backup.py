"""Backup and restore through the CLI, on whichever database the suite runs on.

The restore goes into a second, empty database of the same kind, so it never fights the
test session's own connections for locks.
"""
from sqlalchemy import select

from tests.conftest import _database_url
from trainingapp import create_app
from trainingapp.accounts.models import User
from trainingapp.extensions import db


def test_backup_then_restore_into_an_empty_database(app, runner, make, tmp_path):
    make.user(login="kept0001")
    target = tmp_path / "backup.dump"
    result = runner.invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0
    scratch = create_app({"SQLALCHEMY_DATABASE_URI": _database_url(tmp_path, "_restore"), "TESTING": True,
                          "SECRET_KEY": "k"})
    with scratch.app_context():
        db.drop_all()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    result = scratch.test_cli_runner().invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    with scratch.app_context():
        assert "kept0001" in set(db.session.scalars(select(User.login)))
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path):
    scratch = create_app({"SQLALCHEMY_DATABASE_URI": _database_url(tmp_path, "_restore"), "TESTING": True,
                          "SECRET_KEY": "k"})
    bogus = tmp_path / "bogus.dump"
    bogus.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    result = scratch.test_cli_runner().invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code != 0

"""Backup and restore through the CLI, on whichever database the suite runs on."""
from sqlalchemy import func, select

from trainingapp.accounts.models import User
from trainingapp.extensions import db


def count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def test_backup_then_restore_brings_back_the_data(app, runner, make, tmp_path):
    keep = make.user(login="kept0001")
    target = tmp_path / "backup.dump"
    result = runner.invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0
    make.user(login="lateone1")
    with app.app_context():
        db.session.delete(db.session.get(User, keep.id))
        db.session.commit()
    assert count(app) == 1  # only the late one now
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        logins = set(db.session.scalars(select(User.login)))
    assert "kept0001" in logins and "lateone1" not in logins


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, tmp_path):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        bogus = tmp_path / "bogus.dump"
        bogus.write_bytes(b"not a dump at all")
        assert runner.invoke(args=["restore", str(bogus), "--yes"]).exit_code != 0
        return
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert runner.invoke(args=["restore", str(bogus), "--yes"]).exit_code != 0

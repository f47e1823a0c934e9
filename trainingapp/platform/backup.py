"""`flask --app run backup -o FILE` and `flask --app run restore FILE`.

SQLite: the online backup API copies a consistent snapshot while the platform runs.
PostgreSQL: pg_dump in its custom format, restored with pg_restore --clean in one transaction.

A backup holds every person's data and password hash: it is written readable by its owner
only (0600), to a temporary name first, so a failed backup never leaves half a file under the
name asked for. A restore replaces everything, so before touching the database it checks that
the file is a backup of this platform: a readable database with our tables and an Alembic
schema revision this code knows. Anything else is refused with the reason and nothing changed.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import subprocess  # noqa: S404 - runs pg_dump/pg_restore with arguments we build, never a shell
from contextlib import closing, suppress
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from .extensions import db

#: Tables every backup of this platform has, whatever its schema revision.
MARKER_TABLES = frozenset({"alembic_version", "user", "department", "audit_event"})
#: How long a SQLite restore waits for a lock held by a running platform before giving up (seconds).
RESTORE_LOCK_TIMEOUT = 5


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _pg_args(url) -> tuple[list[str], dict]:
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432),
            "--username", url.username or "postgres", "--dbname", url.database]
    env = {"PGPASSWORD": url.password} if url.password else {}
    return args, env


def _private_file_beside(target: Path, suffix: str) -> Path:
    """A new empty file next to `target`, readable and writable by its owner only."""
    path = target.with_name(f".{target.name}.{secrets.token_hex(4)}{suffix}")
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def _known_revisions() -> tuple[set[str], str | None]:
    """Every schema revision of our migrations, and the newest."""
    from alembic.script import ScriptDirectory
    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    return {revision.revision for revision in script.walk_revisions()}, script.get_current_head()


def _check_marker(source: Path, tables: set[str], revision: str | None) -> str:
    """The backup's schema revision, when `tables` and `revision` show a backup of this platform;
    otherwise a ClickException saying why not."""
    missing = MARKER_TABLES - tables
    if missing:
        raise click.ClickException(
            f"{source} is not a backup of this platform (it has no {', '.join(sorted(missing))} table); "
            "nothing was changed")
    known, _head = _known_revisions()
    if revision not in known:
        raise click.ClickException(
            f"{source} has schema revision {revision or 'none'}, which this version of the platform does not "
            "know (a backup made by a newer version? install that version first); nothing was changed")
    return revision


def backup_to(target: Path) -> None:
    """Write a consistent copy of the whole database to `target`, mode 0600."""
    target = Path(target)
    if not target.parent.is_dir():
        raise click.ClickException(f"the folder {target.parent} does not exist")
    url = _url()
    partial = _private_file_beside(target, ".partial")
    try:
        if url.get_backend_name() == "sqlite":
            db.session.remove()
            with closing(sqlite3.connect(url.database)) as source, closing(sqlite3.connect(partial)) as copy:
                source.backup(copy)
                # One self-contained file: the copy of a WAL database would otherwise need its -wal beside it.
                copy.execute("PRAGMA journal_mode=DELETE")
        else:
            tool = shutil.which("pg_dump")
            if tool is None:
                raise click.ClickException("pg_dump is not installed (apt-get install postgresql-client)")
            args, env = _pg_args(url)
            done = subprocess.run([tool, "--format=custom", "--no-owner", "--file", str(partial), *args],  # noqa: S603
                                  env={**os.environ, **env}, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise click.ClickException(f"pg_dump failed: {done.stderr.strip()}")
        os.chmod(partial, 0o600)  # pg_dump truncates and keeps the mode; make sure whatever happened
        os.replace(partial, target)
    finally:
        with suppress(FileNotFoundError):
            partial.unlink()


def _sqlite_revision(source: Path) -> str:
    """Check an SQLite file is a sound backup of this platform; its schema revision."""
    try:
        with closing(sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)) as backup:
            tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = None
            if "alembic_version" in tables:
                revision = backup.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = revision[0] if revision else None
            _check_marker(source, tables, revision)
            if backup.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise click.ClickException(f"{source} is damaged (SQLite integrity check failed); nothing was changed")
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{source} is not an SQLite backup of this platform ({error}); "
                                   "nothing was changed") from None
    return revision


def _give_up_when_locked(seconds: float):
    """A progress callback for sqlite3's backup(), which otherwise retries a locked destination
    for ever: raising from it aborts the copy (and its write transaction) after `seconds`."""
    import time
    started = time.monotonic()

    def progress(status, _remaining, _total):
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() - started > seconds:
            raise sqlite3.OperationalError("database is locked")
    return progress


def _restore_sqlite(source: Path, database: Path) -> str:
    """Replace the SQLite database with `source`, keeping a copy of the current one until it succeeded."""
    revision = _sqlite_revision(source)
    aside = _private_file_beside(database, ".before-restore")
    try:
        with closing(sqlite3.connect(database, timeout=RESTORE_LOCK_TIMEOUT)) as current, \
                closing(sqlite3.connect(aside)) as kept:
            current.backup(kept)
        with closing(sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)) as backup, \
                closing(sqlite3.connect(database, timeout=RESTORE_LOCK_TIMEOUT)) as destination:
            try:
                backup.backup(destination, progress=_give_up_when_locked(RESTORE_LOCK_TIMEOUT))
            except sqlite3.Error as error:
                # The copy runs in one write transaction of the destination, rolled back on error;
                # should it have left anything behind, put the copy taken above back.
                if destination.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    with closing(sqlite3.connect(aside)) as kept:
                        kept.backup(destination)
                raise click.ClickException(
                    f"the restore failed ({error}); the database was left as it was. Stop the platform "
                    "(every process using the database) and try again") from None
    except sqlite3.Error as error:
        raise click.ClickException(f"the restore failed ({error}); the database was left as it was") from None
    finally:
        with suppress(FileNotFoundError):
            aside.unlink()
    return revision


def _pg_revision(tool: str, source: Path) -> str:
    """Check a pg_dump file is a backup of this platform (pg_restore --list shows our tables, and
    its alembic_version data a revision we know); its schema revision."""
    listing = subprocess.run([tool, "--list", str(source)], capture_output=True, text=True, check=False)  # noqa: S603
    if listing.returncode != 0:
        raise click.ClickException(f"{source} is not a backup of this platform (pg_restore cannot read it: "
                                   f"{listing.stderr.strip()}); nothing was changed")
    tables = {match.group(1) for match in re.finditer(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listing.stdout, re.M)}
    revision = None
    if "alembic_version" in tables:
        data = subprocess.run([tool, "--data-only", "--table=alembic_version", "--file=-", str(source)],  # noqa: S603
                              capture_output=True, text=True, check=False).stdout
        found = re.search(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n([0-9a-f]+)$", data, re.M)
        revision = found.group(1) if found else None
    return _check_marker(source, tables, revision)


def restore_from(source: Path) -> str:
    """Replace the database's content with a backup made by `backup_to`; its schema revision.

    Refuses (ClickException, database untouched) a file that is not a backup of this platform;
    a restore that fails part-way leaves the database as it was.
    """
    source = Path(source)
    url = _url()
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        return _restore_sqlite(source, Path(url.database))
    tool = shutil.which("pg_restore")
    if tool is None:
        raise click.ClickException("pg_restore is not installed (apt-get install postgresql-client)")
    revision = _pg_revision(tool, source)
    args, env = _pg_args(url)
    # One transaction: an error anywhere rolls everything back.
    done = subprocess.run([tool, "--clean", "--if-exists", "--no-owner", "--single-transaction", *args,  # noqa: S603
                           str(source)], env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise click.ClickException(f"the restore failed; the database was left as it was (one transaction). "
                                   f"Stop the platform and try again. pg_restore said: {done.stderr.strip()}")
    return revision


@click.command("backup", help="Back up the database to a file (SQLite online backup, or pg_dump), mode 0600.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(output):
    backup_to(output)
    click.echo(f"backup written to {output}")


@click.command("restore", help="Restore the database from a backup file (replaces everything in it).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(file, yes):
    if not yes:
        click.confirm(f"Replace everything in the database with {file}?", abort=True)
    revision = restore_from(file)
    click.echo(f"restored from {file}")
    if revision != _known_revisions()[1]:
        click.echo("the backup has an older schema: run `flask --app run db upgrade` before starting the platform")

"""`flask --app run backup -o FILE` and `flask --app run restore FILE`.

SQLite: the online backup API copies a consistent snapshot while the platform runs.
PostgreSQL: pg_dump in its custom format, restored with pg_restore --clean.
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess  # noqa: S404 - runs pg_dump/pg_restore with arguments we build, never a shell
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from .extensions import db


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _pg_args(url) -> tuple[list[str], dict]:
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432),
            "--username", url.username or "postgres", "--dbname", url.database]
    env = {"PGPASSWORD": url.password} if url.password else {}
    return args, env


def backup_to(target: Path) -> None:
    """Write a consistent copy of the whole database to `target`."""
    url = _url()
    if url.get_backend_name() == "sqlite":
        db.session.remove()
        source = sqlite3.connect(url.database)
        destination = sqlite3.connect(target)
        with destination:
            source.backup(destination)
        destination.close()
        source.close()
        return
    tool = shutil.which("pg_dump")
    if tool is None:
        raise click.ClickException("pg_dump is not installed (apt-get install postgresql-client)")
    args, env = _pg_args(url)
    import os
    subprocess.run([tool, "--format=custom", "--no-owner", "--file", str(target), *args],  # noqa: S603
                   check=True, env={**os.environ, **env})


def restore_from(source: Path) -> None:
    """Replace the database's content with a backup made by `backup_to`."""
    url = _url()
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        backup = sqlite3.connect(source)
        if backup.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise click.ClickException(f"{source} is not a sound SQLite backup")
        destination = sqlite3.connect(url.database)
        with destination:
            backup.backup(destination)
        destination.close()
        backup.close()
        return
    tool = shutil.which("pg_restore")
    if tool is None:
        raise click.ClickException("pg_restore is not installed (apt-get install postgresql-client)")
    args, env = _pg_args(url)
    import os
    subprocess.run([tool, "--clean", "--if-exists", "--no-owner", "--single-transaction", *args, str(source)],  # noqa: S603
                   check=True, env={**os.environ, **env})


@click.command("backup", help="Back up the database to a file (SQLite online backup, or pg_dump).")
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
    restore_from(file)
    click.echo(f"restored from {file}")

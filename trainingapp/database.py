"""Database engine setup that differs between SQLite and PostgreSQL."""
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_MS = 30_000


def sqlite_uri(instance_path: str) -> str:
    """The embedded default: a SQLite file in instance/."""
    return "sqlite:///" + str(Path(instance_path) / "trainingapp.sqlite3")


def normalise_url(url: str) -> str:
    """Let `postgres://` and `postgresql://` URLs use psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout and BEGIN IMMEDIATE for SQLite.

    A deferred transaction that reads and then writes gets "database is locked" at
    once when another writer got there first, ignoring the busy timeout; taking the
    write lock at BEGIN makes writers queue politely instead.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: a commit reaches the disk before the answer is acknowledged, so a power cut
        # loses nothing acknowledged (NORMAL would only survive a crash of the app). It costs
        # about 0.1 ms a commit on the bench machine.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def commit_keeping_loaded(session) -> None:
    """Commit without expiring what the session has loaded.

    For a caller that goes on reading objects whose state it knows (nothing the database
    generated beyond primary keys): the default expiry would reload each of them with one more
    query after the commit.
    """
    session_ = session()
    session_.expire_on_commit = False
    try:
        session_.commit()
    finally:
        session_.expire_on_commit = True

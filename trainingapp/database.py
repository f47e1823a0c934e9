"""Database engine setup that differs between SQLite and PostgreSQL."""
import time
from pathlib import Path

from sqlalchemy import event, exc
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


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Test a pooled connection before use only when it has been idle for `idle_seconds`.

    SQLAlchemy's pool_pre_ping tests every checkout: one more round trip to the database for
    every request, a tenth of an exam save's cost. A connection used a moment ago is as good
    as a ping; one that sat idle (a database restarted overnight, a firewall that drops quiet
    connections) is tested and, when dead, replaced before the request sees it. A connection
    that dies under load fails its one request, and SQLAlchemy then replaces every connection
    opened before it.
    """

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _stamp(_dbapi_connection, record):
        record.info["used_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("used_at", 0.0) < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 - any failure means the connection is gone
            raise exc.DisconnectionError() from error  # the pool retries with a new connection

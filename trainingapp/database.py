"""Database engine setup that differs between SQLite and PostgreSQL."""
import fcntl
import os
import sqlite3
import threading
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


class _WriterQueue:
    """One process's place in the queue for a SQLite database's write lock.

    Threads of a process queue on a thread lock (with the busy timeout, so a thread that
    waits on itself fails as SQLite would); the one thread at its head waits on an exclusive
    flock() of a file beside the database, which orders processes. The file is opened anew in
    each process: a descriptor inherited through fork() would share its lock with the parent.
    """

    _queues: dict[str, "_WriterQueue"] = {}
    _queues_lock = threading.Lock()

    def __init__(self, path: str):
        self.path = path
        self._pid = None
        self._thread_lock = None
        self._fd = None

    @classmethod
    def for_database(cls, database: str) -> "_WriterQueue | None":
        if database in ("", ":memory:") or database.startswith("file:"):
            return None  # private to the connection, or a URI naming options we do not parse
        path = os.path.abspath(database) + "-writer.lock"
        with cls._queues_lock:
            return cls._queues.setdefault(path, cls(path))

    def _for_this_process(self) -> None:
        if self._pid != os.getpid():
            self._pid, self._thread_lock = os.getpid(), threading.Lock()
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self) -> None:
        self._for_this_process()
        if not self._thread_lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise sqlite3.OperationalError("database is locked")
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)  # releases the GIL while it waits
        except BaseException:
            self._thread_lock.release()
            raise

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()


class QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection whose transactions wait their turn on an OS lock, not by polling.

    Every transaction here takes SQLite's write lock at BEGIN (configure_sqlite), so they run
    one at a time. A writer that finds the lock taken is left to SQLite's busy handler, which
    sleeps 1, 2, 5 ... up to 100 ms between tries: under load a waiter sleeps on long after the
    lock is free (a save's p95 was 240-370 ms with four gunicorn processes on two cores).
    Queued on flock() instead, the next writer of any process wakes the moment the lock is
    released. The lock is taken just before BEGIN and released just after the transaction
    ends, however it ends (a commit, a rollback, the pool's reset on return, close). Programs
    that do not queue (the sqlite3 shell, a backup) still meet the busy timeout, as before.
    """

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self._queue = _WriterQueue.for_database(os.fspath(database))
        self._queued = False

    def begin_immediate(self) -> None:
        if self._queue is not None:
            self._queue.acquire()
            self._queued = True
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._leave_queue()
            raise

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_up_turn()

    def _leave_queue(self) -> None:
        # A COMMIT that failed leaves the transaction open, and its turn with it.
        if self._queued and not self.in_transaction:
            self._give_up_turn()

    def _give_up_turn(self) -> None:
        if self._queued:
            self._queued = False
            self._queue.release()


def sqlite_engine_options(options: dict) -> dict:
    """Engine options for SQLite: connections that queue for the write lock (QueuedWriterConnection)."""
    return {**options, "connect_args": {**options.get("connect_args", {}), "factory": QueuedWriterConnection}}


def configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout and BEGIN IMMEDIATE for SQLite.

    A deferred transaction that reads and then writes gets "database is locked" at
    once when another writer got there first, ignoring the busy timeout; taking the
    write lock at BEGIN makes writers queue politely instead (on an OS lock when the
    engine was made with sqlite_engine_options).
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
        raw = connection.connection.driver_connection
        if not isinstance(raw, QueuedWriterConnection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        try:
            raw.begin_immediate()
        except sqlite3.Error as error:
            raise exc.OperationalError("BEGIN IMMEDIATE", None, error) from error


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

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


def ping_idle_connections(engine: Engine, idle_seconds: float, seconds_left=None) -> None:
    """Test a pooled connection before use only when it has been idle for `idle_seconds`.

    SQLAlchemy's pool_pre_ping tests every checkout: one more round trip to the database for
    every request, a tenth of an exam save's cost. A connection used a moment ago is as good
    as a ping; one that sat idle (a database restarted overnight, a firewall that drops quiet
    connections) is tested and, when dead, replaced before the request sees it. A connection
    that dies under load fails its one request, and SQLAlchemy then replaces every connection
    opened before it. `seconds_left()` (from bound_database_calls), when given, bounds the ping.
    """

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _stamp(_dbapi_connection, record):
        record.info["used_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("used_at", 0.0) < idle_seconds:
            return
        if seconds_left is not None:
            _WATCHDOG.watch(dbapi_connection, dbapi_connection, seconds_left())
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 - any failure means the connection is gone
            raise exc.DisconnectionError() from error  # the pool retries with a new connection
        finally:
            if seconds_left is not None:
                _WATCHDOG.unwatch(dbapi_connection)


# --- a database that stops answering ---------------------------------------------------------

def postgresql_engine_options(options: dict, config) -> dict:
    """Engine options for PostgreSQL: bounded waits for a connection, a statement and an idle transaction.

    `connect_timeout` bounds opening a connection (a server whose packets are dropped would
    otherwise keep a request waiting for TCP's retries, minutes); `statement_timeout` ends a
    runaway query on the server; `idle_in_transaction_session_timeout` frees the locks of a
    transaction its process forgot. All three travel in the startup packet: no extra round trip.
    """
    server = (f"-c statement_timeout={int(config['DB_STATEMENT_TIMEOUT_MS'])} "
              f"-c idle_in_transaction_session_timeout={int(config['DB_IDLE_IN_TRANSACTION_TIMEOUT_MS'])}")
    connect_args = {**options.get("connect_args", {}),
                    "connect_timeout": max(2, int(config["DB_CONNECT_TIMEOUT_SECONDS"])), "options": server}
    return {**options, "connect_args": connect_args}


class _Watchdog:
    """Cuts the socket of a database call that outlived its deadline.

    The server's statement_timeout cannot help when the server (or the network to it) has
    gone silent: no answer comes back, not even the cancellation, and the request waits on its
    socket for as long as TCP keeps the connection (minutes). One thread per process watches
    the calls in flight; a call past its deadline has its socket shut down, so the waiting
    driver fails at once with a disconnection error (the pool then replaces the connection and
    the request answers 503).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._calls: dict[int, tuple[float, object, int]] = {}
        self._wake = threading.Event()
        self._pid = None

    def watch(self, key: object, dbapi_connection, seconds: float) -> None:
        fd = _socket_of(dbapi_connection)
        if fd is None:
            return
        with self._lock:
            if self._pid != os.getpid():  # a forked worker needs a thread of its own
                self._pid, self._calls = os.getpid(), {}
                threading.Thread(target=self._run, name="database-watchdog", daemon=True).start()
            idle = not self._calls
            self._calls[id(key)] = (time.monotonic() + seconds, dbapi_connection, fd)
        if idle:  # otherwise the thread is polling already (it stops only under the lock, when none is left)
            self._wake.set()

    def unwatch(self, key: object) -> None:
        with self._lock:
            self._calls.pop(id(key), None)

    def _run(self) -> None:
        while True:
            self._wake.wait(1.0)
            self._wake.clear()
            while True:
                moment = time.monotonic()
                with self._lock:
                    late = [key for key, (deadline, _c, _f) in self._calls.items() if deadline <= moment]
                    for key in late:
                        _deadline, dbapi_connection, fd = self._calls.pop(key)
                        # The same connection on the same socket: a descriptor is never cut
                        # after its connection closed and the number went to another socket.
                        if _socket_of(dbapi_connection) == fd:
                            _shut_down(fd)
                    if not self._calls:
                        break
                time.sleep(0.05)


def _socket_of(dbapi_connection) -> int | None:
    """The socket of an open psycopg connection; None for other drivers and closed connections."""
    if getattr(dbapi_connection, "closed", True):
        return None
    try:
        return dbapi_connection.pgconn.socket
    except Exception:  # noqa: BLE001 - no socket (closed meanwhile): nothing to watch
        return None


def _shut_down(fd: int) -> None:
    import socket
    try:
        # On a duplicate of the descriptor: shutting it down ends the connection for its owner,
        # while closing the duplicate leaves the owner's descriptor to the owner.
        with socket.socket(fileno=os.dup(fd)) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


_WATCHDOG = _Watchdog()


def bound_database_calls(engine: Engine, statement_seconds: float, request_deadline):
    """Give every statement on `engine` a deadline a silent database cannot stretch.

    A statement may take `statement_seconds` (the server's statement_timeout) and one second
    more, so that the server's own cancellation normally wins and the connection survives; and
    no longer than what is left of the request's budget: `request_deadline()` returns the
    monotonic time by which the current request must be done with the database, or None.
    Returns the function that says how long a call may take now (ping_idle_connections
    bounds its ping with it).
    """

    def seconds_left() -> float:
        limit = statement_seconds + 1.0
        deadline = request_deadline()
        if deadline is not None:
            limit = min(limit, max(0.0, deadline - time.monotonic()))
        return limit

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, _statement, _parameters, _context, _executemany):
        _WATCHDOG.watch(cursor, cursor.connection, seconds_left())

    @event.listens_for(engine, "after_cursor_execute")
    def _end(_conn, cursor, _statement, _parameters, _context, _executemany):
        _WATCHDOG.unwatch(cursor)

    @event.listens_for(engine, "handle_error")
    def _failed(context):
        cursor = getattr(context.execution_context, "cursor", None)
        if cursor is not None:
            _WATCHDOG.unwatch(cursor)

    return seconds_left

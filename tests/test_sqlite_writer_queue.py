"""SQLite transactions queue for the write lock on an OS lock (database.QueuedWriterConnection)."""
import fcntl
import multiprocessing
import os
import threading
import time

import pytest
from sqlalchemy import create_engine, exc, text

from trainingapp import create_app
from trainingapp.platform import database
from trainingapp.platform.extensions import db


def _engine(path):
    engine = create_engine(f"sqlite:///{path}", **database.sqlite_engine_options({}))
    database.configure_sqlite(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT)"))
    return engine


def _lock_is_free(db_path) -> bool:
    """Whether another open file description could take the writer lock right now."""
    fd = os.open(f"{db_path}-writer.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def _waiters(path) -> set[int]:
    """Pids blocked on a flock() of `path`, from /proc/locks (their lines start with '->')."""
    inode = os.stat(path).st_ino
    found = set()
    with open("/proc/locks") as handle:
        for line in handle:
            fields = line.split()
            if fields[1] == "->" and fields[6].endswith(f":{inode}"):
                found.add(int(fields[5]))
    return found


def _wait_for(condition, what: str, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


@pytest.fixture
def sqlite_path(tmp_path):
    return tmp_path / "queue.sqlite3"


def test_the_app_makes_queued_sqlite_connections(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            assert isinstance(raw.driver_connection, database.QueuedWriterConnection)
        finally:
            raw.close()
        db.engine.dispose()


@pytest.mark.parametrize("ending", ["commit", "rollback", "returned to the pool"])
def test_a_transaction_holds_the_writer_lock_until_it_ends(sqlite_path, ending):
    engine = _engine(sqlite_path)
    conn = engine.connect()
    transaction = conn.begin()
    conn.execute(text("INSERT INTO t (who) VALUES ('a')"))
    assert not _lock_is_free(sqlite_path)
    if ending == "commit":
        transaction.commit()
    elif ending == "rollback":
        transaction.rollback()
    conn.close()  # with the transaction still open, the pool rolls it back on return
    assert _lock_is_free(sqlite_path)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == (1 if ending == "commit" else 0)
    engine.dispose()


def test_a_begin_that_fails_gives_up_its_turn(sqlite_path):
    """Another program that does not queue (here: a plain sqlite3 connection) holds SQLite's lock."""
    import sqlite3
    engine = _engine(sqlite_path)
    other = sqlite3.connect(sqlite_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    conn = engine.connect()
    # The busy timeout still applies to such a program (set on the driver's connection: a
    # statement through SQLAlchemy would begin a transaction first).
    conn.connection.driver_connection.execute("PRAGMA busy_timeout=50")
    with pytest.raises(exc.OperationalError, match="database is locked"):
        conn.begin()
    assert _lock_is_free(sqlite_path)
    other.execute("ROLLBACK")
    other.close()
    conn.close()
    engine.dispose()


def _write_in_child(db_path, who, go):
    go.wait(20)
    engine = _engine(db_path)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (who) VALUES (:who)"), {"who": who})
    engine.dispose()


def test_a_writer_in_another_process_waits_on_the_lock_then_writes(sqlite_path):
    """As gunicorn does, the child is forked after this process has opened its lock file."""
    engine = _engine(sqlite_path)
    engine.dispose()  # no SQLite connection open across the fork: SQLite forbids using one in a child
    context = multiprocessing.get_context("fork")
    go = context.Event()
    child = context.Process(target=_write_in_child, args=(str(sqlite_path), "child", go))
    child.start()
    try:
        conn = engine.connect()
        transaction = conn.begin()
        conn.execute(text("INSERT INTO t (who) VALUES ('parent')"))
        go.set()
        # Had the child used the descriptor it inherited, it would share this process's lock
        # and run into SQLite's busy handler instead of queueing here.
        _wait_for(lambda: child.pid in _waiters(f"{sqlite_path}-writer.lock"), "the child to queue")
        transaction.commit()
        conn.close()
        child.join(20)
        assert child.exitcode == 0
    finally:
        if child.is_alive():
            child.kill()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT who FROM t ORDER BY id")).scalars().all() == ["parent", "child"]
    engine.dispose()


def test_threads_of_one_process_take_turns(sqlite_path):
    engine = _engine(sqlite_path)
    conn = engine.connect()
    transaction = conn.begin()
    conn.execute(text("INSERT INTO t (who) VALUES ('first')"))
    began = threading.Event()
    errors = []

    def second():
        try:
            began.set()
            with engine.begin() as other:
                other.execute(text("INSERT INTO t (who) VALUES ('second')"))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    worker = threading.Thread(target=second)
    worker.start()
    began.wait(5)
    worker.join(0.2)
    assert worker.is_alive()  # waiting for its turn, not failed
    transaction.commit()
    conn.close()
    worker.join(20)
    assert not worker.is_alive() and errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT who FROM t ORDER BY id")).scalars().all() == ["first", "second"]
    engine.dispose()


def test_a_thread_waiting_on_itself_fails_after_the_busy_timeout(sqlite_path, monkeypatch):
    """Two transactions at once in one thread can never both run: the second fails, as SQLite's own lock would."""
    engine = _engine(sqlite_path)
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 100)
    with engine.connect() as first:
        first.begin()
        second = engine.connect()
        with pytest.raises(exc.OperationalError, match="database is locked"):
            second.begin()
        second.close()
    assert _lock_is_free(sqlite_path)
    engine.dispose()

"""The exam start and the autosave check the session's person in their first statement.

`POST /api/exams/<e>/attempts` and `PUT /api/attempts/<a>/answers/<q>` do not load the person
through Flask-Login first (thousands of each arrive in an exam's first minute and every few
seconds after); these are the cases that loading used to refuse, each still refused, with
nothing stored and no attempt made or handed back. The idle and absolute timeouts still
apply, except to someone in the middle of an exam.
"""
import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.orm import Session

from tests.conftest import login
from trainingapp.accounts.models import User
from trainingapp.exams.models import Answer, Attempt
from trainingapp.platform import clock
from trainingapp.platform.extensions import db


@pytest.fixture
def exam_day(app, make):
    make.bank()
    trainer = make.user(role="trainer")
    cadre, other = make.user(name="考生甲"), make.user(name="考生乙")
    exam = make.exam(trainer, [cadre, other], duration=30, rules=[("truefalse", 3, 10)])
    client = app.test_client()
    login(client, cadre)
    body = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    url = f"/api/attempts/{body['attempt_id']}/answers/{body['questions'][0]['id']}"
    return exam, cadre, other, client, url


#: The two requests that check the person themselves: a save, and a start (here a second
#: start, which hands back the attempt in progress when the session is good).
HOT_REQUESTS = {
    "save": lambda client, exam, url: client.put(url, json={"answer": True, "seq": 1}),
    "start": lambda client, exam, url: client.post(f"/api/exams/{exam.id}/attempts"),
}


def _stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Answer))


def _attempts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Attempt))


def _change(app, person, **values):
    with app.app_context():
        db.session.execute(update(User).where(User.id == person.id).values(**values))
        db.session.commit()


def _refused(app, response, status, code):
    assert response.status_code == status and response.get_json()["code"] == code
    assert _stored(app) == 0 and _attempts(app) == 1  # the fixture's attempt alone


@pytest.mark.parametrize("kind", HOT_REQUESTS)
def test_a_request_in_ones_own_session_succeeds(app, exam_day, kind):
    exam, _cadre, _other, client, url = exam_day
    response = HOT_REQUESTS[kind](client, exam, url)
    assert response.status_code == 200
    assert _stored(app) == (kind == "save") and _attempts(app) == 1


@pytest.mark.parametrize("kind", HOT_REQUESTS)
def test_without_a_session_it_is_refused_like_any_api_call(app, exam_day, kind):
    exam, _cadre, _other, _client, url = exam_day
    _refused(app, HOT_REQUESTS[kind](app.test_client(), exam, url), 401, "unauthenticated")


@pytest.mark.parametrize("kind", HOT_REQUESTS)
def test_after_signing_out_it_is_refused(app, exam_day, kind):
    exam, _cadre, _other, client, url = exam_day
    client.post("/logout")
    _refused(app, HOT_REQUESTS[kind](client, exam, url), 401, "unauthenticated")


@pytest.mark.parametrize("kind", HOT_REQUESTS)
def test_from_a_session_ended_elsewhere_it_is_refused(app, exam_day, kind):
    """Signing out everywhere (or a password reset) bumps the session version: old cookies stop working."""
    exam, cadre, _other, client, url = exam_day
    _change(app, cadre, session_version=User.session_version + 1)
    _refused(app, HOT_REQUESTS[kind](client, exam, url), 401, "unauthenticated")


@pytest.mark.parametrize("kind", HOT_REQUESTS)
@pytest.mark.parametrize("status", ["disabled", "retired", "transferred"])
def test_for_a_person_no_longer_active_it_is_refused(app, exam_day, status, kind):
    exam, cadre, _other, client, url = exam_day
    _change(app, cadre, status=status)
    _refused(app, HOT_REQUESTS[kind](client, exam, url), 401, "unauthenticated")


@pytest.mark.parametrize("kind", HOT_REQUESTS)
def test_while_a_password_change_is_due_it_is_refused(app, exam_day, kind):
    exam, cadre, _other, client, url = exam_day
    _change(app, cadre, must_change_password=True)
    _refused(app, HOT_REQUESTS[kind](client, exam, url), 403, "password_change")


@pytest.mark.parametrize("kind", HOT_REQUESTS)
def test_a_forged_session_cookie_is_not_accepted(app, exam_day, kind):
    """The person comes from the signed session; a cookie signed with another key is no session."""
    exam, _cadre, _other, client, url = exam_day
    forged = app.test_client()
    cookie = client.get_cookie("session")
    forged.set_cookie("session", cookie.value[:-4] + ("AAAA" if not cookie.value.endswith("AAAA") else "BBBB"))
    _refused(app, HOT_REQUESTS[kind](forged, exam, url), 401, "unauthenticated")


@pytest.mark.parametrize("kind", HOT_REQUESTS)
def test_requests_in_an_exam_count_as_activity_and_survive_the_idle_timeout(app, exam_day, kind):
    # A session idle too long is kept for someone in the middle of an exam, and the request
    # counts as activity, so the session is not idle when the exam is over.
    exam, _cadre, _other, client, url = exam_day
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 3 * 3600
    assert HOT_REQUESTS[kind](client, exam, url).status_code == 200
    with client.session_transaction() as session:
        assert session["seen_at"] > time.time() - 60
    assert client.get("/my/exams").status_code == 200  # still signed in


def test_the_start_does_not_re_sign_the_cookie_and_the_first_save_notes_the_activity(app, make):
    """At an exam's opening the whole hall presses start within seconds, most with a cookie
    signed minutes before: the start leaves the cookie as it is; the first autosave notes the
    activity (at most once a minute), so the idle timeout still counts from the exam."""
    make.bank()
    cadre = make.user()
    exam = make.exam(make.user(role="trainer"), [cadre], duration=30, rules=[("truefalse", 3, 10)])
    client = app.test_client()
    login(client, cadre)
    signed_in_minutes_ago = time.time() - 5 * 60
    with client.session_transaction() as session:
        session["seen_at"] = signed_in_minutes_ago
    started = client.post(f"/api/exams/{exam.id}/attempts")
    assert started.status_code == 201
    assert not [v for k, v in started.headers.items() if k == "Set-Cookie" and v.startswith("session=")]
    with client.session_transaction() as session:
        assert session["seen_at"] == signed_in_minutes_ago
    body = started.get_json()
    saved = client.put(f"/api/attempts/{body['attempt_id']}/answers/{body['questions'][0]['id']}",
                       json={"answer": True, "seq": 1})
    assert saved.status_code == 200
    assert [v for k, v in saved.headers.items() if k == "Set-Cookie" and v.startswith("session=")]
    with client.session_transaction() as session:
        assert session["seen_at"] > time.time() - 60


def test_an_idle_session_cannot_start_an_exam(app, make):
    make.bank()
    cadre = make.user()
    exam = make.exam(make.user(role="trainer"), [cadre], rules=[("truefalse", 3, 10)])
    client = app.test_client()
    login(client, cadre)
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 3 * 3600
    response = client.post(f"/api/exams/{exam.id}/attempts")
    assert response.status_code == 401 and response.get_json()["code"] == "unauthenticated"
    assert _attempts(app) == 0
    assert client.get("/my/exams").status_code == 302  # signed out


def test_a_start_by_someone_who_is_not_a_candidate_is_refused(app, make, exam_day):
    exam, _cadre, _other, _client, _url = exam_day
    outsider = app.test_client()
    login(outsider, make.user())
    response = outsider.post(f"/api/exams/{exam.id}/attempts")
    assert response.status_code == 403 and response.get_json()["code"] == "not_candidate"
    assert _attempts(app) == 1


def test_a_start_of_an_exam_that_does_not_exist_is_not_found(app, exam_day):
    response = exam_day[3].post("/api/exams/999999/attempts")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_a_start_after_the_attempt_ran_out_finalises_it_and_starts_the_next(app, exam_day):
    exam, _cadre, _other, client, url = exam_day
    first = int(url.split("/")[3])
    clock.advance(timedelta(hours=1))  # the 30 minutes and any grace period are over
    try:
        response = client.post(f"/api/exams/{exam.id}/attempts")
    finally:
        clock.reset()
    assert response.status_code == 201 and response.get_json()["number"] == 2
    with app.app_context():
        finished = db.session.get(Attempt, first)
        assert finished.status == "auto_submitted" and finished.finish_reason == "deadline"


def test_a_save_into_someone_elses_attempt_looks_like_no_attempt(app, exam_day):
    _exam, _cadre, other, _client, url = exam_day
    intruder = app.test_client()
    login(intruder, other)
    response = intruder.put(url, json={"answer": True, "seq": 1})
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    assert _stored(app) == 0


def _statements_and_autocommit(app, requests) -> list[tuple[str, bool]]:
    """(first word, autocommit) of every statement the requests run."""
    with app.app_context():
        engine = db.engine
    modes = []

    def record(conn, _cursor, statement, *_args):
        modes.append((statement.split()[0], conn.connection.dbapi_connection.autocommit))

    event.listen(engine, "before_cursor_execute", record)
    try:
        requests()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return modes


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL's autocommit save")
def test_on_postgresql_a_save_runs_without_begin_and_commit(app, exam_day):
    # Each statement commits on its own: two round trips to the database instead of four.
    _exam, _cadre, _other, client, url = exam_day

    def two_saves():
        assert client.put(url, json={"answer": True, "seq": 1}).status_code == 200
        assert client.put(url, json={"answer": False, "seq": 2}).status_code == 200

    # The first save reads the attempt; the next is its upsert alone (saving.SaveHints).
    assert _statements_and_autocommit(app, two_saves) == [("SELECT", True), ("INSERT", True), ("INSERT", True)]
    assert _stored(app) == 1


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="the save outside the session is PostgreSQL's")
def test_on_postgresql_a_later_save_opens_no_orm_session(app, exam_day):
    # The one-statement save runs on a pooled connection of its own: the ORM session's
    # bookkeeping around one autocommitted statement is skipped. The first save still uses it.
    _exam, _cadre, _other, client, url = exam_day
    opened = []

    def record(_session, transaction):
        if transaction.parent is None:
            opened.append(transaction)

    event.listen(Session, "after_transaction_create", record)
    try:
        assert client.put(url, json={"answer": True, "seq": 1}).status_code == 200
        first = len(opened)
        assert client.put(url, json={"answer": False, "seq": 2}).status_code == 200
        assert client.put(url, json={"answer": True, "seq": 3}).status_code == 200
    finally:
        event.remove(Session, "after_transaction_create", record)
    assert first >= 1 and len(opened) == first
    assert _stored(app) == 1


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL's autocommit start")
def test_on_postgresql_a_start_runs_without_begin_and_commit(app, exam_day):
    # As for a save: each statement commits on its own, no BEGIN, COMMIT or ROLLBACK round trips.
    exam, _cadre, _other, client, url = exam_day
    assert client.post(f"/api/attempts/{url.split('/')[3]}/submit").status_code == 200

    def start():
        assert client.post(f"/api/exams/{exam.id}/attempts").status_code == 201

    # The exam with the person, the earlier attempt, the insert (the paper's question texts were
    # read by the first attempt's start in this process: exams/paper_texts.py).
    assert _statements_and_autocommit(app, start) == [("SELECT", True), ("SELECT", True), ("INSERT", True)]


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="a second writer mid-save needs PostgreSQL")
@pytest.mark.parametrize("later_save", [False, True], ids=["first save", "later save"])
def test_a_save_that_loses_the_race_to_a_submit_is_refused_and_stores_nothing(app, exam_day, later_save):
    # The attempt is submitted between the save's read and its upsert: the upsert's guard
    # (the attempt still in progress, share-locked) stores nothing and the save is refused.
    # A later save (one statement, saving.SaveHints) loses the race inside its one upsert.
    _exam, _cadre, _other, client, url = exam_day
    attempt_id = int(url.split("/")[3])
    stored_before = _teach(client, url) if later_save else 0
    with app.app_context():
        engine = db.engine

    def submit_first(_conn, _cursor, statement, *_args):
        if statement.startswith("INSERT INTO answer"):
            with engine.connect() as other:
                other.execute(text("UPDATE attempt SET status = 'submitted', submitted_at = started_at "
                                   "WHERE id = :a AND submitted_at IS NULL"), {"a": attempt_id})
                other.commit()

    event.listen(engine, "before_cursor_execute", submit_first)
    try:
        response = client.put(url, json={"answer": True, "seq": 1})
    finally:
        event.remove(engine, "before_cursor_execute", submit_first)
    assert response.status_code == 409 and response.get_json()["code"] == "finished"
    assert _stored(app) == stored_before


def _teach(client, url) -> int:
    """Save another question of the attempt, so this process's next save is one statement."""
    attempt_url, _question = url.rsplit("/", 1)
    other_question = client.get(attempt_url.rsplit("/", 1)[0]).get_json()["questions"][1]["id"]
    assert client.put(f"{attempt_url}/{other_question}", json={"answer": True, "seq": 1}).status_code == 200
    return 1


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL's query plan")
@pytest.mark.parametrize("later_save", [False, True], ids=["first save", "later save"])
def test_the_save_finds_its_attempt_by_primary_key_not_among_all_in_progress(app, make, later_save):
    # With thousands of attempts in progress, a plan through the partial index of attempts in
    # progress scans all of them for every save; the primary key finds the one.
    make.bank({"truefalse": 3})
    trainer = make.user(role="trainer")
    people = [make.user() for _ in range(30)]
    exam = make.exam(trainer, people, rules=[("truefalse", 3, 10)])
    bodies = []
    for person in people:
        client = app.test_client()
        login(client, person)
        bodies.append((client, client.post(f"/api/exams/{exam.id}/attempts").get_json()))
    with app.app_context():
        engine = db.engine
    captured = []

    def record(_conn, _cursor, statement, parameters, *_args):
        if statement.startswith("INSERT INTO answer"):
            captured.append((statement, parameters))

    client, body = bodies[-1]
    url = f"/api/attempts/{body['attempt_id']}/answers/{body['questions'][0]['id']}"
    if later_save:
        _teach(client, url)
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.put(url, json={"answer": True, "seq": 1}).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    statement, parameters = captured[0]
    with engine.connect() as other:
        other.exec_driver_sql("SET enable_seqscan = off")  # as for a table of thousands of attempts
        plan = "\n".join(row[0] for row in other.exec_driver_sql("EXPLAIN " + statement, parameters))
        other.rollback()
    # By the primary key or the owner's few attempts (the later save's guard names the owner).
    assert ("pk_attempt" in plan or "ix_attempt_user_id" in plan) and "uq_attempt_in_progress" not in plan, plan

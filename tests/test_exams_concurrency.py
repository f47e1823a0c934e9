"""Races: two tabs starting, double-clicked submits, saves racing a submit (threads, real database)."""
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from tests.conftest import login
from trainingapp.exams.models import Answer, Attempt
from trainingapp.platform.extensions import db


def _clients(app, person, n):
    clients = []
    for _ in range(n):
        client = app.test_client()
        login(client, person)
        clients.append(client)
    return clients


def test_parallel_starts_make_one_attempt(app, make):
    make.bank()
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre])
    clients = _clients(app, cadre, 8)
    barrier = threading.Barrier(len(clients))

    def start(client):
        barrier.wait()
        response = client.post(f"/api/exams/{exam.id}/attempts")
        return response.status_code, response.get_json()["attempt_id"]

    with ThreadPoolExecutor(len(clients)) as pool:
        results = list(pool.map(start, clients))
    assert {status for status, _id in results} <= {200, 201}
    assert len({attempt_id for _status, attempt_id in results}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_double_submit_grades_once_with_one_receipt(app, make):
    make.bank()
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre])
    clients = _clients(app, cadre, 6)
    body = clients[0].post(f"/api/exams/{exam.id}/attempts").get_json()
    barrier = threading.Barrier(len(clients))

    def submit(client):
        barrier.wait()
        return client.post(f"/api/attempts/{body['attempt_id']}/submit").get_json()

    with ThreadPoolExecutor(len(clients)) as pool:
        results = list(pool.map(submit, clients))
    assert len({r["receipt"] for r in results}) == 1 and len({r["submitted_at"] for r in results}) == 1


def test_every_acknowledged_save_is_graded_when_racing_a_submit(app, make):
    make.bank({"truefalse": 12})
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], rules=[("truefalse", 12, 5)])
    clients = _clients(app, cadre, 5)
    body = clients[0].post(f"/api/exams/{exam.id}/attempts").get_json()
    questions = body["questions"]
    acknowledged = {}
    lock = threading.Lock()
    barrier = threading.Barrier(len(clients))

    def saver(index):
        barrier.wait()
        for seq, question in enumerate(questions[index::4], start=1):
            response = clients[index].put(f"/api/attempts/{body['attempt_id']}/answers/{question['id']}",
                                          json={"answer": True, "seq": seq})
            if response.status_code == 200:
                with lock:
                    acknowledged[question["id"]] = True
            else:
                assert response.status_code == 409

    def submitter():
        barrier.wait()
        return clients[4].post(f"/api/attempts/{body['attempt_id']}/submit").get_json()

    with ThreadPoolExecutor(5) as pool:
        futures = [pool.submit(saver, i) for i in range(4)] + [pool.submit(submitter)]
        for future in futures:
            future.result()
    with app.app_context():
        stored = dict(db.session.execute(select(Answer.question_id, Answer.score)
                                         .where(Answer.attempt_id == body["attempt_id"])).all())
    assert set(acknowledged) == set(stored)  # nothing acknowledged was lost, nothing else stored
    assert all(score is not None for score in stored.values())  # every stored answer was graded


def test_a_start_and_its_retry_racing_make_one_attempt_with_the_prepared_paper(app, make, runner):
    # A candidate whose start timed out presses again (the rules page's form) while the first
    # request (the page's API start) is still running: one attempt, the prepared paper, both
    # answers lead to it.
    from datetime import timedelta

    from trainingapp.exams.models import PreparedPaper
    from trainingapp.platform import clock
    make.bank()
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], opens_in=timedelta(minutes=10))
    runner.invoke(args=["exams", "prepare", str(exam.id)])
    clock.advance(timedelta(minutes=11))
    for _round in range(3):
        with app.app_context():
            db.session.execute(Attempt.__table__.delete())
            db.session.commit()
            prepared_seed = db.session.scalar(select(PreparedPaper.seed))
        api, form = _clients(app, cadre, 2)
        barrier = threading.Barrier(2)

        def start(client, by_form, barrier=barrier):
            barrier.wait()
            if by_form:
                return int(client.post(f"/my/exams/{exam.id}/start").headers["Location"].rsplit("/", 1)[1])
            return client.post(f"/api/exams/{exam.id}/attempts").get_json()["attempt_id"]

        with ThreadPoolExecutor(2) as pool:
            ids = set(pool.map(start, [api, form], [False, True]))
        with app.app_context():
            seeds = list(db.session.scalars(select(Attempt.seed)))
        assert len(ids) == 1 and seeds == [prepared_seed]

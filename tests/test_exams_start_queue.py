"""The admission limit of starts (exams/admission.py): beyond the worker's places a start is
answered 503 at once with its place in the queue and a Retry-After, on the API, on the rules
page's script and on the plain form; a start waiting for a place that comes free in time simply
starts; the queue answer makes no attempt."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from trainingapp.exams.admission import StartGate
from trainingapp.exams.models import Attempt
from trainingapp.platform.extensions import db


@pytest.fixture
def gate(app):
    """One place for starts, no waiting for it: whoever holds the place makes the next start queue."""
    gate = StartGate(limit=1, wait=0)
    app.extensions["start_gate"] = gate
    yield gate
    app.extensions.pop("start_gate", None)


@pytest.fixture
def candidate(app, make):
    make.bank()
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre])
    client = app.test_client()
    login(client, cadre)
    return client, exam


def _attempts(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Attempt.id)))


def test_the_api_answers_queued_with_position_and_retry_after_when_the_places_are_taken(app, gate, candidate):
    client, exam = candidate
    with gate.admitted():  # another candidate's start, still running
        response = client.post(f"/api/exams/{exam.id}/attempts")
    assert response.status_code == 503
    body = response.get_json()
    assert body["queued"] is True and body["code"] == "queued"
    # One start ahead of it in this worker, this one second.
    assert body["position"] == 2 and body["retry_after"] >= 1
    assert response.headers["Retry-After"] == str(body["retry_after"])
    assert body["error"] == f"排队中，第2位，约{body['retry_after']}秒。"
    assert _attempts(app) == 0
    again = client.post(f"/api/exams/{exam.id}/attempts")
    assert again.status_code == 201 and _attempts(app) == 1
    assert gate.running == 0 and gate.waiting == 0


def test_the_rules_page_answers_its_script_in_json_and_the_plain_form_with_a_page_that_returns(app, gate, candidate):
    client, exam = candidate
    asks_json = {"Accept": "application/json"}
    with gate.admitted():
        scripted = client.post(f"/my/exams/{exam.id}/start", headers=asks_json)
        plain = client.post(f"/my/exams/{exam.id}/start")
    assert scripted.status_code == 503 and scripted.get_json()["queued"] is True
    assert scripted.get_json()["position"] == 2 and "Retry-After" in scripted.headers
    assert plain.status_code == 503 and plain.headers["Retry-After"].isdigit()
    page = plain.get_data(as_text=True)
    assert "排队中，第2位" in page
    assert f'http-equiv="refresh" content="{plain.headers["Retry-After"]};url=/my/exams/{exam.id}"' in page
    assert _attempts(app) == 0
    started = client.post(f"/my/exams/{exam.id}/start", headers=asks_json)
    assert started.status_code == 200
    attempt_id = int(started.get_json()["location"].rsplit("/", 1)[1])
    # Pressed again (a retry): the same attempt.
    assert client.post(f"/my/exams/{exam.id}/start", headers=asks_json).get_json() == started.get_json()
    assert client.post(f"/my/exams/{exam.id}/start").headers["Location"].endswith(f"/my/attempts/{attempt_id}")
    assert _attempts(app) == 1


def test_a_start_refused_for_its_own_reason_sends_the_script_back_to_the_rules_page(app, gate, make):
    make.bank()
    trainer, cadre = make.user(role="trainer"), make.user()
    exam = make.exam(trainer, [cadre], opens_in=timedelta(hours=1))
    client = app.test_client()
    login(client, cadre)
    response = client.post(f"/my/exams/{exam.id}/start", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.get_json() == {"location": f"/my/exams/{exam.id}"}
    assert "考试将于" in client.get(f"/my/exams/{exam.id}").get_data(as_text=True)  # the refusal, flashed


def test_a_start_waiting_for_a_place_that_comes_free_in_time_starts(app, candidate):
    client, exam = candidate
    gate = StartGate(limit=1, wait=30)
    app.extensions["start_gate"] = gate
    try:
        holding, answered = threading.Event(), {}

        def another_start():
            with gate.admitted():
                holding.set()
                # Released as soon as the start below is seen waiting for the place.
                while gate.waiting == 0:
                    threading.Event().wait(0.01)

        other = threading.Thread(target=another_start)
        other.start()
        holding.wait()
        answered["response"] = client.post(f"/api/exams/{exam.id}/attempts")
        other.join()
    finally:
        app.extensions.pop("start_gate", None)
    assert answered["response"].status_code == 201 and _attempts(app) == 1

"""The attempt API used by the exam page (documented in docs/api.md).

Session cookie plus the CSRF token in an `X-CSRFToken` header; JSON in and out; every
refusal is a 4xx with {"error": message, "code": stable code}.
"""
from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from ..accounts.session_rules import SIGNED_OUT, checks_person_itself, session_person
from ..platform.clock import isoformat, now
from ..platform.extensions import limiter
from ..platform.params import json_object
from . import admission, finalising, payloads, saving, starting, tab_events, taking, timing
from .my_exams import exam_views

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.errorhandler(taking.Refused)
def refused(error: taking.Refused):
    return {"error": str(error.message), "code": error.code}, error.status


@bp.errorhandler(admission.Queued)
def queued(error: admission.Queued):
    return error.as_json(), 503, {"Retry-After": str(error.retry_after)}


def _body() -> dict:
    body = json_object()
    if body is None:
        raise taking.Refused("invalid", "The body must be a JSON object.", 422)
    return body


@bp.get("/exams")
def list_exams():
    return {"exams": [view.as_json() for view in exam_views(current_user)], "server_now": isoformat(now())}


@bp.post("/exams/<int:exam_id>/attempts")
@checks_person_itself(notes_activity=False)  # the hall presses start at once: no cookie re-signed
def start_attempt(exam_id):
    # Thousands arrive in the first minute of an exam: the person is checked with the exam in
    # one statement (starting.start_attempt) instead of being loaded first.
    person = session_person()
    if person is None:
        raise taking.Refused.session(SIGNED_OUT)
    # Beyond the worker's places for starts: 503 queued, with the time to come back (admission.py).
    with admission.start_gate().admitted():
        attempt, created = starting.start_attempt(person, exam_id)
        return payloads.attempt_payload(attempt, with_answers=not created), 201 if created else 200


@bp.get("/attempts/<int:attempt_id>")
def get_attempt(attempt_id):
    attempt = taking.own_attempt(current_user, attempt_id)
    if attempt.status == "in_progress" and timing.is_overdue(attempt, attempt.exam):
        finalising.finalize(attempt.id, reason="deadline")
        attempt = taking.own_attempt(current_user, attempt_id)
    return payloads.attempt_payload(attempt)


@bp.put("/attempts/<int:attempt_id>/answers/<int:question_id>")
@checks_person_itself
def save_answer(attempt_id, question_id):
    # The hottest request of an exam: the person is checked with the attempt in one statement
    # (saving.save_answer) instead of being loaded first.
    person = session_person()
    if person is None:
        raise taking.Refused.session(SIGNED_OUT)
    body = _body()
    if "answer" not in body or "seq" not in body:
        raise taking.Refused("invalid", "The body needs \"answer\" and \"seq\".", 422)
    return saving.save_answer(person, attempt_id, question_id, body["answer"], body["seq"])


#: The exam's hot paths: no rate limit applies to them.
_NOT_LIMITED = frozenset({"exams.api.save_answer", "exams.api.start_attempt"})


@limiter.request_filter
def _hot_paths_are_not_limited() -> bool:
    # No limit applies to a save or a start; saying so here skips the limiter's lookup of which
    # limits apply, which costs more than a tenth of a save (limiter.exempt still does the lookup).
    return request.endpoint in _NOT_LIMITED


@bp.post("/attempts/<int:attempt_id>/submit")
def submit(attempt_id):
    attempt = finalising.submit_attempt(current_user, attempt_id)
    return payloads.result_payload(attempt)


@bp.post("/attempts/<int:attempt_id>/events")
def event(attempt_id):
    body = _body()
    return tab_events.record_event(current_user, attempt_id, body.get("type"))

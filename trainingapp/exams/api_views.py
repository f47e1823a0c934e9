"""The attempt API used by the exam page (documented in docs/api.md).

Session cookie plus the CSRF token in an `X-CSRFToken` header; JSON in and out; every
refusal is a 4xx with {"error": message, "code": stable code}.
"""
from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from ..accounts.views import PERSON_CHECKED_BY_VIEW, session_person, unauthorized
from ..platform.clock import isoformat, now
from ..platform.extensions import limiter
from ..platform.params import json_object
from . import taking

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.errorhandler(taking.Refused)
def refused(error: taking.Refused):
    return {"error": str(error.message), "code": error.code}, error.status


def _body() -> dict:
    body = json_object()
    if body is None:
        raise taking.Refused("invalid", "The body must be a JSON object.", 422)
    return body


@bp.get("/exams")
def list_exams():
    return {"exams": [view.as_json() for view in taking.my_exams(current_user)], "server_now": isoformat(now())}


@bp.post("/exams/<int:exam_id>/attempts")
def start_attempt(exam_id):
    # Thousands arrive in the first minute of an exam: the person is checked with the exam in
    # one statement (taking.start_attempt) instead of being loaded first.
    person = session_person()
    if person is None:
        return unauthorized()
    attempt, created = taking.start_attempt(person, exam_id)
    return taking.attempt_payload(attempt, with_answers=not created), 201 if created else 200


PERSON_CHECKED_BY_VIEW.add("exams.api.start_attempt")


@bp.get("/attempts/<int:attempt_id>")
def get_attempt(attempt_id):
    attempt = taking.own_attempt(current_user, attempt_id)
    if attempt.status == "in_progress" and taking.is_overdue(attempt, attempt.exam):
        taking.finalize(attempt.id, reason="deadline")
        attempt = taking.own_attempt(current_user, attempt_id)
    return taking.attempt_payload(attempt)


@bp.put("/attempts/<int:attempt_id>/answers/<int:question_id>")
def save_answer(attempt_id, question_id):
    # The hottest request of an exam: the person is checked with the attempt in one statement
    # (taking.save_answer) instead of being loaded first (see PERSON_CHECKED_BY_VIEW).
    person = session_person()
    if person is None:
        return unauthorized()
    body = _body()
    if "answer" not in body or "seq" not in body:
        raise taking.Refused("invalid", "The body needs \"answer\" and \"seq\".", 422)
    return taking.save_answer(person, attempt_id, question_id, body["answer"], body["seq"])


PERSON_CHECKED_BY_VIEW.add("exams.api.save_answer")


@limiter.request_filter
def _saves_are_not_limited() -> bool:
    # No limit applies to a save; saying so here skips the limiter's lookup of which limits
    # apply, which costs more than a tenth of a save (limiter.exempt still does the lookup).
    return request.endpoint == "exams.api.save_answer"


@bp.post("/attempts/<int:attempt_id>/submit")
def submit(attempt_id):
    attempt = taking.submit_attempt(current_user, attempt_id)
    return taking.result_payload(attempt)


@bp.post("/attempts/<int:attempt_id>/events")
def event(attempt_id):
    body = _body()
    return taking.record_event(current_user, attempt_id, body.get("type"))

"""My exams, the rules page, the exam page and the result for the person taking them."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.forms import ConfirmForm
from ..platform.clock import now
from . import admission, bp, certificate_issuing, finalising, payloads, review, sections, starting, taking, timing
from .mock import PERSONAL_MOCKS_WHILE_SECRET, personal_mock_exam
from .my_exams import exam_views
from .prerequisites import missing_prerequisites
from .review_notice import review_notice


@bp.route("/my/exams")
def my_exams():
    views = exam_views(current_user)
    return render_template("exams/my_exams.html", views=views, now=now())


def _my_view(exam_id):
    view = next((v for v in exam_views(current_user) if v.exam.id == exam_id), None)
    if view is None:
        abort(404)
    return view


@bp.route("/my/exams/<int:exam_id>")
def exam_rules(exam_id):
    view = _my_view(exam_id)
    missing = missing_prerequisites(view.exam, current_user) if view.status == "open" else []
    exam = view.exam
    mock_offered = (exam.allow_personal_mock and not exam.is_mock and not view.candidate.is_exempt
                    and timing.can_start_now(exam, now()))
    return render_template("exams/rules.html", view=view, form=ConfirmForm(), missing=missing,
                           mock_offered=mock_offered, mock_limit=PERSONAL_MOCKS_WHILE_SECRET,
                           personal_mock=personal_mock_exam(current_user.id, exam) if mock_offered else None)


@bp.route("/my/exams/<int:exam_id>/start", methods=["POST"])
def start(exam_id):
    return _start_then_take(starting.start_attempt, exam_id)


@bp.route("/my/exams/<int:exam_id>/mock", methods=["POST"])
def start_personal_mock(exam_id):
    """A personal mock exam from the rules of the open real exam `exam_id`."""
    return _start_then_take(starting.start_personal_mock, exam_id)


def _start_then_take(start_with, exam_id):
    """The start button of the rules page: to the exam page, or back to the rules saying why not.

    When the worker's places for starts are taken (admission.py): 503 with the place in the
    queue, as JSON for the page's script (static/js/start.js asks with `Accept:
    application/json` and gets {"location": ...} otherwise), else as a page that returns to the
    rules page by itself."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    try:
        with admission.start_gate().admitted():
            attempt, _created = start_with(current_user, exam_id)
    except admission.Queued as queued:
        headers = {"Retry-After": str(queued.retry_after)}
        if wants_json:
            return queued.as_json(), 503, headers
        return render_template("exams/start_queue.html", queued=queued, exam_id=exam_id), 503, headers
    except taking.Refused as refused:
        if refused.status == 404:
            abort(404)
        flash(str(refused.message), "danger")
        return _go(url_for("exams.exam_rules", exam_id=exam_id), wants_json)
    return _go(url_for("exams.take", attempt_id=attempt.id), wants_json)


def _go(location: str, wants_json: bool):
    return {"location": location} if wants_json else redirect(location)


@bp.route("/my/attempts/<int:attempt_id>")
def take(attempt_id):
    """The exam page: one request gives the paper and the saved answers, embedded as JSON."""
    try:
        attempt = taking.own_attempt(current_user, attempt_id)
    except taking.Refused:
        abort(404)
    if attempt.status == "in_progress" and timing.is_overdue(attempt, attempt.exam):
        finalising.finalize(attempt.id, reason="deadline")
        attempt = taking.own_attempt(current_user, attempt_id)
    if attempt.is_finished:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    return render_template("exams/take.html", attempt=attempt, payload=payloads.attempt_payload(attempt))


@bp.route("/my/attempts/<int:attempt_id>/result")
def result(attempt_id):
    try:
        attempt = taking.own_attempt(current_user, attempt_id)
    except taking.Refused:
        abort(404)
    if not attempt.is_finished:
        return redirect(url_for("exams.take", attempt_id=attempt.id))
    moment = now()
    rows = review.review_rows(attempt, moment)
    view = next((v for v in exam_views(current_user) if v.exam.id == attempt.exam_id), None)
    # A review whose every question is held back lists nothing: the notice says when it comes.
    return render_template("exams/result.html", attempt=attempt, outcome=payloads.result_payload(attempt),
                           review=None if rows is None or review.all_held_back(rows) else rows,
                           notice=review.notice_for(attempt, rows, moment), exam=attempt.exam, view=view,
                           section_starts={section.positions[0]: heading for heading, section
                                           in sections.of_paper(attempt.paper, attempt.exam.sections)},
                           documents=certificate_issuing.offered(current_user, attempt.exam), doc_form=ConfirmForm())


@bp.app_template_filter("review_notice")
def review_notice_of(exam):
    """What candidates of this exam will be able to review and when (before taking it)."""
    return review_notice(exam.review_policy, protect=exam.protect_questions, closes_at=exam.closes_at, moment=now())


@bp.app_template_filter("exam_status_label")
def exam_status_label(status):
    return {"upcoming": _("Upcoming"), "open": _("Open"), "in_progress": _("In progress"),
            "finished": _("Finished"), "missed": _("Missed"), "exempt": _("Exempt")}.get(status, status)

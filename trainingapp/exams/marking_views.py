"""Marking subjective answers (阅卷): the overview, one answer at a time, settings, markers."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..platform.errors import DomainError, flash_refusal
from ..platform.extensions import db
from . import authoring, bp, marking, marking_service
from .models import Exam


def _marking_exam(exam_id) -> Exam:
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        abort(404)
    if not marking_service.can_mark(current_user, exam):
        abort(403)
    return exam


def _round(round_: str) -> str:
    if round_ not in marking.ROUNDS:
        abort(404)
    return round_


@bp.route("/exams/<int:exam_id>/marking")
def marking_overview(exam_id):
    exam = _marking_exam(exam_id)
    return render_template("exams/marking_overview.html", exam=exam, queues=marking_service.overview(exam),
                           rounds=marking_service.rounds_of(exam), form=FlaskForm(),
                           manages=authoring.can_manage(current_user, exam),
                           markers=marking_service.markers(exam), round_labels=_round_labels())


def _round_labels() -> dict:
    return {"first": _("First mark"), "second": _("Second mark"), "arbitration": _("Arbitration")}


@bp.route("/exams/<int:exam_id>/marking/settings", methods=["POST"])
def marking_settings(exam_id):
    exam = _marking_exam(exam_id)
    if not authoring.can_manage(current_user, exam):
        abort(403)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        marking_service.save_settings(current_user, exam, double=request.form.get("double") == "y",
                                      tolerance=request.form.get("tolerance", ""),
                                      anonymous=request.form.get("anonymous") == "y")
    except DomainError as error:
        db.session.rollback()
        flash_refusal(error)
    else:
        flash(_("Marking settings saved."), "success")
    return redirect(url_for("exams.marking_overview", exam_id=exam.id))


@bp.route("/exams/<int:exam_id>/marking/markers", methods=["POST"])
def marking_markers(exam_id):
    exam = _marking_exam(exam_id)
    if not authoring.can_manage(current_user, exam):
        abort(403)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        if request.form.get("remove", "").isdigit():
            marking_service.remove_marker(current_user, exam, int(request.form["remove"]))
        else:
            person = marking_service.add_marker(current_user, exam, request.form.get("login", ""))
            flash(_("%(name)s can now mark this exam.", name=person.name), "success")
    except DomainError as error:
        flash_refusal(error)
    return redirect(url_for("exams.marking_overview", exam_id=exam.id))


@bp.route("/exams/<int:exam_id>/marking/<int:question_id>/<round_>/next")
def marking_next(exam_id, question_id, round_):
    exam = _marking_exam(exam_id)
    round_ = _round(round_)
    after = request.args.get("after", "0")
    number = marking_service.next_to_mark(exam, question_id, round_, current_user,
                                          after=int(after) if after.isdigit() else 0)
    if number is None:
        flash(_("Nothing left for you to mark in this round of this question."), "info")
        return redirect(url_for("exams.marking_overview", exam_id=exam.id))
    return redirect(url_for("exams.mark_answer", exam_id=exam.id, question_id=question_id, round_=round_,
                            number=number))


@bp.route("/exams/<int:exam_id>/marking/<int:question_id>/<round_>/<int:number>", methods=["GET", "POST"])
def mark_answer(exam_id, question_id, round_, number):
    exam = _marking_exam(exam_id)
    round_ = _round(round_)
    form = FlaskForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if request.form.get("action") == "skip":
            marking_service.release(exam, question_id, round_, number, current_user)
            return redirect(url_for("exams.marking_next", exam_id=exam.id, question_id=question_id,
                                    round_=round_, after=number))
        try:
            marking_service.give_mark(exam, question_id, round_, number, current_user, request.form,
                                      comment=request.form.get("comment", ""), reason=request.form.get("reason", ""))
        except LookupError:
            abort(404)
        except DomainError as error:
            db.session.rollback()
            flash_refusal(error)
            return _answer_page(exam, question_id, round_, number, form, typed=request.form), 422
        flash(_("Mark saved for answer #%(n)s.", n=number), "success")
        if request.form.get("action") == "save":
            return redirect(url_for("exams.mark_answer", exam_id=exam.id, question_id=question_id,
                                    round_=round_, number=number))
        return redirect(url_for("exams.marking_next", exam_id=exam.id, question_id=question_id, round_=round_,
                                after=number))
    return _answer_page(exam, question_id, round_, number, form)


def _answer_page(exam, question_id, round_, number, form, typed=None):
    try:
        page = marking_service.answer_page(exam, question_id, round_, number, current_user)
    except LookupError:
        abort(404)
    return render_template("exams/marking_answer.html", exam=exam, page=page, form=form, typed=typed,
                           round_labels=_round_labels(), tolerance=float(exam.marking_tolerance))
